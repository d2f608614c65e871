#include "bnlab/linear.h"

#include <cmath>
#include <type_traits>

#include "bnlab/error.h"
#include "bnlab/gemm.h"

namespace bnlab {

// float layers use the core's own kernel, except in the fast research build with Eigen's product
// (CMake BNLAB_FAST_RESEARCH, README "Builds"), where Eigen's AVX2/FMA GEMM is faster.
template <typename T>
constexpr bool own_kernel = std::is_same_v<T, float>
#ifdef BNLAB_EIGEN_FLOAT_PRODUCT
                            && false
#endif
    ;

template <typename T>
Linear<T>::Linear(int in, int out, bool bias) : bias_(bias) {
  require(in >= 1, "linear.in", in, "must be >= 1");
  require(out >= 1, "linear.out", out, "must be >= 1");
  W = Mat<T>::Zero(out, in);
  b = Mat<T>::Zero(out, 1);
  dW = Mat<T>::Zero(out, in);
  db = Mat<T>::Zero(out, 1);
}

template <typename T>
void Linear<T>::init(InitKind kind, Rng& rng) {
  const double fan_in = static_cast<double>(W.cols()), fan_out = static_cast<double>(W.rows());
  init_normal(kind == InitKind::He ? std::sqrt(2.0 / fan_in) : std::sqrt(2.0 / (fan_in + fan_out)), rng);
}

template <typename T>
void Linear<T>::init_normal(double stddev, Rng& rng) {
  for (Eigen::Index i = 0; i < W.rows(); ++i)
    for (Eigen::Index j = 0; j < W.cols(); ++j) W(i, j) = static_cast<T>(stddev * rng.normal());
  b.setZero();
}

template <typename T>
const Mat<T>& Linear<T>::forward(const Mat<T>& x) {
  require(x.rows() == W.cols(), "linear input rows", x.rows(), "must equal the layer's input width");
  // float: the core's own kernel (bnlab/gemm.h: one order of summation in every build, faster
  // than Eigen's in wasm); double (gradient checks) keeps Eigen's product.
  if constexpr (own_kernel<T>) kernel::matmul(W, x, y_);
  else y_.noalias() = W * x;
  if (bias_) y_.colwise() += b.col(0);
  return y_;
}

template <typename T>
const Mat<T>& Linear<T>::backward(const Mat<T>& x, const Mat<T>& dy, bool skip_dx) {
  if constexpr (own_kernel<T>) kernel::matmul_bt(dy, x, dW);
  else dW.noalias() = dy * x.transpose();
  if (bias_) db = dy.rowwise().sum();
  if (!skip_dx) {
    if constexpr (own_kernel<T>) kernel::matmul_at(W, dy, dx_, scratch_);
    else dx_.noalias() = W.transpose() * dy;
  }
  return dx_;
}

template <typename T>
std::vector<Param<T>> Linear<T>::params() {
  std::vector<Param<T>> p{{&W, &dW, "W"}};
  if (bias_) p.push_back({&b, &db, "b"});
  return p;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace bnlab
