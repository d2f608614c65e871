// Softmax cross-entropy, fused. For logits z (C x B) and labels y:
//   p = softmax(z) per column, loss = (1/B) sum_j -log p[y_j, j]
//   dz = (p - onehot(y)) / B            (the one place that divides by the batch size)
// Computed per column in double with the max subtracted (log-sum-exp), so logits of +-1e3 give a
// finite loss and gradient.
#pragma once

#include <vector>

#include "bnlab/types.h"

namespace bnlab {

template <typename T>
double softmax_cross_entropy(const Mat<T>& logits, const std::vector<int>& labels, Mat<T>* dlogits);

// Fraction of columns whose largest logit (lowest index on ties) is the label.
template <typename T>
double accuracy(const Mat<T>& logits, const std::vector<int>& labels);

// Class probabilities (C x B), softmax per column.
template <typename T>
MatD softmax(const Mat<T>& logits);

}  // namespace bnlab
