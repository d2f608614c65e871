// Inverted dropout after the nonlinearity: in training each unit is kept with probability 1 - p and
// scaled by 1/(1 - p), so E[output] = input and evaluation is the identity (no rescaling at test).
// The mask is drawn in a plain loop, column by column (example by example), unit by unit, so the
// order of random draws is defined and the same seed gives the same mask on every platform.
// The noise does not depend on the batch size: each unit's mask is drawn on its own.
#pragma once

#include "bnlab/batch_norm.h"
#include "bnlab/rng.h"
#include "bnlab/types.h"

namespace bnlab {

template <typename T>
class Dropout {
 public:
  explicit Dropout(double p);  // 0 <= p < 1
  const Mat<T>& forward(const Mat<T>& x, Mode mode, Rng* rng);  // rng needed in training if p > 0
  const Mat<T>& backward(const Mat<T>& dy);
  double p() const { return p_; }
  const Mat<T>& mask() const { return mask_; }
  const Mat<T>& forward_output() const { return y_; }

 private:
  double p_;
  bool active_ = false;  // did the last forward drop anything
  Mat<T> mask_, y_, dx_;
};

}  // namespace bnlab
