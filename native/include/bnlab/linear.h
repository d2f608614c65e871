// Linear layer: Z = W X + b 1^T.
//   X: in x B (features x batch), W: out x in, b: out x 1, Z: out x B.
// Backward, given dZ (out x B):
//   dW = dZ X^T,  db = sum over the batch of dZ,  dX = W^T dZ.
// Layers sum over the batch; the loss alone divides by B.
// A linear layer followed by batch norm has no bias: BN's mean subtraction would cancel it
// (beta takes its place).
#pragma once

#include <vector>

#include "bnlab/rng.h"
#include "bnlab/types.h"

namespace bnlab {

enum class InitKind {
  He,      // N(0, 2/in): keeps ReLU pre-activation variance constant through depth
  Glorot,  // N(0, 2/(in+out)): for tanh and sigmoid
};

template <typename T>
class Linear {
 public:
  Linear(int in, int out, bool bias);
  void init(InitKind kind, Rng& rng);  // draws W row by row; b = 0
  void init_normal(double stddev, Rng& rng);  // W ~ N(0, stddev^2), row by row; b = 0

  const Mat<T>& forward(const Mat<T>& x);
  // x must be the input of the last forward. Fills dW, db; returns dX unless skip_dx.
  const Mat<T>& backward(const Mat<T>& x, const Mat<T>& dy, bool skip_dx = false);

  std::vector<Param<T>> params();
  int in() const { return static_cast<int>(W.cols()); }
  int out() const { return static_cast<int>(W.rows()); }
  bool has_bias() const { return bias_; }

  Mat<T> W, b;      // out x in, out x 1
  Mat<T> dW, db;    // gradients of the last backward
  const Mat<T>& output() const { return y_; }

 private:
  bool bias_;
  Mat<T> y_, dx_;
  std::vector<T> scratch_;  // W^T packed for the backward product (float kernel)
};

}  // namespace bnlab
