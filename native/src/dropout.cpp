#include "bnlab/dropout.h"

#include "bnlab/error.h"

namespace bnlab {

template <typename T>
Dropout<T>::Dropout(double p) : p_(p) {
  require(p >= 0.0 && p < 1.0, "dropout", p, "must be in [0, 1): p is the probability of dropping a unit");
}

template <typename T>
const Mat<T>& Dropout<T>::forward(const Mat<T>& x, Mode mode, Rng* rng) {
  active_ = mode == Mode::Train && p_ > 0.0;
  if (!active_) {
    y_ = x;
    return y_;
  }
  require(rng != nullptr, "dropout random generator", "null", "training with p > 0 needs one");
  const T scale = static_cast<T>(1.0 / (1.0 - p_));
  mask_.resize(x.rows(), x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) mask_(i, j) = rng->uniform() >= p_ ? scale : T(0);
  y_ = x.cwiseProduct(mask_);
  return y_;
}

template <typename T>
const Mat<T>& Dropout<T>::backward(const Mat<T>& dy) {
  if (active_) dx_ = dy.cwiseProduct(mask_);
  else dx_ = dy;
  return dx_;
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace bnlab
