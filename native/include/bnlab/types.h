// Shapes: one layout everywhere. Activations are features x batch: column j is example j of the
// mini-batch, row i is unit i. Eigen is column-major, so one example is contiguous in memory and
// a linear layer is one GEMM, Z = W X.
//
// The core is a template on the scalar T: float for training (the path that vectorises, in the
// browser too), double for gradient checks. Data sets are kept in double and cast per batch.
#pragma once

#include <Eigen/Core>

namespace bnlab {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // features x batch
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;  // one value per feature

using MatD = Mat<double>;
using VecD = Vec<double>;

// A parameter and its gradient, as the optimizer sees them. Vectors are stored as n x 1 matrices
// so one type covers weights, biases, gamma and beta.
template <typename T>
struct Param {
  Mat<T>* value;
  Mat<T>* grad;
  const char* name;  // "W", "b", "gamma", "beta"
};

}  // namespace bnlab
