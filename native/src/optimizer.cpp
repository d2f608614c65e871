#include "bnlab/optimizer.h"

#include <cmath>
#include <type_traits>

#include "bnlab/error.h"
#include "simd4.h"

namespace bnlab {

void OptimizerConfig::validate() const {
  require(kind == "sgd" || kind == "adam", "train.optimizer", "\"" + kind + "\"", "must be \"sgd\" or \"adam\"");
  require(lr > 0.0 && lr <= 10.0, "train.lr", lr, "must be in (0, 10]");
  require(momentum >= 0.0 && momentum < 1.0, "train.momentum", momentum, "must be in [0, 1)");
  require(beta1 >= 0.0 && beta1 < 1.0, "train.beta1", beta1, "must be in [0, 1)");
  require(beta2 >= 0.0 && beta2 < 1.0, "train.beta2", beta2, "must be in [0, 1)");
  require(eps > 0.0 && eps <= 1.0, "train.adam_eps", eps, "must be in (0, 1]");
  require(weight_decay >= 0.0 && weight_decay <= 1.0, "train.weight_decay", weight_decay, "must be in [0, 1]");
}

namespace {
void sgd_momentum(float* w, float* v, const float* g, Eigen::Index n, float mu, float lr) {
  Eigen::Index i = 0;
  const simd::vf4 vmu = simd::splat(mu), vlr = simd::splat(lr);
  for (; i + 4 <= n; i += 4) {
    const simd::vf4 vel = simd::add(simd::mul(vmu, simd::load(v + i)), simd::load(g + i));
    simd::store(v + i, vel);
    simd::store(w + i, simd::sub(simd::load(w + i), simd::mul(vlr, vel)));
  }
  for (; i < n; ++i) {
    v[i] = mu * v[i] + g[i];
    w[i] = w[i] - lr * v[i];
  }
}
}  // namespace

template <typename T>
Optimizer<T>::Optimizer(const OptimizerConfig& config) : config_(config) {
  config_.validate();
}

template <typename T>
void Optimizer<T>::step(const std::vector<Param<T>>& params) {
  if (m_.size() != params.size()) {
    m_.clear();
    v_.clear();
    for (const Param<T>& p : params) {
      m_.push_back(Mat<T>::Zero(p.value->rows(), p.value->cols()));
      if (config_.kind == "adam") v_.push_back(Mat<T>::Zero(p.value->rows(), p.value->cols()));
    }
  }
  ++t_;
  const T lr = static_cast<T>(config_.lr), wd = static_cast<T>(config_.weight_decay);
  if (config_.kind == "sgd") {
    const T mu = static_cast<T>(config_.momentum);
    for (std::size_t k = 0; k < params.size(); ++k) {
      Mat<T>& w = *params[k].value;
      if constexpr (std::is_same_v<T, float>) {
        if (wd == T(0)) {
          // One pass, four lanes at a time: v = mu v + g, w = w - lr v, element by element as the
          // two expressions below compute them (the same operations, so the same bits).
          sgd_momentum(w.data(), m_[k].data(), params[k].grad->data(), w.size(), mu, lr);
          continue;
        }
      }
      if (wd != T(0)) m_[k] = mu * m_[k] + *params[k].grad + wd * w;
      else m_[k] = mu * m_[k] + *params[k].grad;
      w -= lr * m_[k];
    }
    return;
  }
  const double b1 = config_.beta1, b2 = config_.beta2;
  b1_pow_ *= b1;  // b1^t by repeated products: std::pow may round differently across libms
  b2_pow_ *= b2;
  const T c1 = static_cast<T>(1.0 / (1.0 - b1_pow_));
  const T c2 = static_cast<T>(1.0 / (1.0 - b2_pow_));
  const T eps = static_cast<T>(config_.eps);
  for (std::size_t k = 0; k < params.size(); ++k) {
    Mat<T>& w = *params[k].value;
    Mat<T> g = *params[k].grad;
    if (wd != T(0)) g += wd * w;
    m_[k] = static_cast<T>(b1) * m_[k] + static_cast<T>(1.0 - b1) * g;
    v_[k] = static_cast<T>(b2) * v_[k] + static_cast<T>(1.0 - b2) * g.cwiseProduct(g);
    w.array() -= lr * (m_[k].array() * c1) / ((v_[k].array() * c2).sqrt() + eps);
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace bnlab
