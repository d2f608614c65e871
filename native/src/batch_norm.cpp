#include "bnlab/batch_norm.h"

#include <cmath>
#include <string>

#include "bnlab/error.h"

namespace bnlab {

template <typename T>
BatchNorm1d<T>::BatchNorm1d(int features, double momentum_, double eps_, int ghost_batch_)
    : momentum(momentum_), eps(eps_), ghost_batch(ghost_batch_) {
  require(features >= 1, "batch_norm.features", features, "must be >= 1");
  require(momentum >= 0.0 && momentum <= 1.0, "batch_norm.momentum", momentum, "must be in [0, 1]");
  require(eps > 0.0, "batch_norm.eps", eps, "must be > 0");
  require(ghost_batch == 0 || ghost_batch >= 2, "batch_norm.ghost_batch", ghost_batch,
          "must be 0 (off) or >= 2");
  gamma = Mat<T>::Ones(features, 1);
  beta = Mat<T>::Zero(features, 1);
  dgamma = Mat<T>::Zero(features, 1);
  dbeta = Mat<T>::Zero(features, 1);
  reset_running();
  population_mean = Vec<double>::Zero(features);
  population_var = Vec<double>::Ones(features);
}

template <typename T>
void BatchNorm1d<T>::reset_running() {
  running_mean = Vec<double>::Zero(gamma.rows());
  running_var = Vec<double>::Ones(gamma.rows());
  num_batches_tracked = 0;
}

template <typename T>
const Mat<T>& BatchNorm1d<T>::forward(const Mat<T>& x, Mode mode, BnStats stats) {
  const Eigen::Index F = gamma.rows(), B = x.cols();
  require(x.rows() == F, "batch_norm input rows", x.rows(), "must equal the number of features");
  require(B >= 1, "batch_norm batch size", B, "must be >= 1");
  y_.resize(F, B);
  xhat_.resize(F, B);

  if (mode == Mode::Eval && stats != BnStats::Batch) {
    if (stats == BnStats::Population)
      require(has_population_, "batch_norm population statistics", "missing",
              "estimate them on a data set first (population or AdaBN mode)");
    normalize_fixed(x, stats == BnStats::Running ? running_mean : population_mean,
                    stats == BnStats::Running ? running_var : population_var);
    return y_;
  }

  // Batch statistics: groups of ghost_batch columns in training, the whole batch otherwise.
  group_start_.clear();
  const bool train = mode == Mode::Train;
  const Eigen::Index g = (train && ghost_batch > 0) ? ghost_batch : B;
  for (Eigen::Index c = 0; c < B; c += g) group_start_.push_back(c);
  if (group_start_.size() > 1 && B - group_start_.back() < 2) group_start_.pop_back();
  group_start_.push_back(B);
  const Eigen::Index G = static_cast<Eigen::Index>(group_start_.size()) - 1;
  save_mean.resize(F, G);
  save_invstd.resize(F, G);
  save_var_unbiased.resize(F, G);
  for (Eigen::Index k = 0; k < G; ++k) {
    const Eigen::Index m = group_start_[k + 1] - group_start_[k];
    if (train && m < 2)
      throw Error("batch_norm in training mode: a batch of " + std::to_string(m) +
                  " example has no variance; use a mini-batch (or ghost batch) of at least 2");
    normalize_group(x, group_start_[k], m, k, train);
  }
  grad_through_stats_ = true;
  return y_;
}

template <typename T>
void BatchNorm1d<T>::normalize_group(const Mat<T>& x, Eigen::Index col, Eigen::Index m, Eigen::Index k,
                                     bool update) {
  const Eigen::Index F = gamma.rows();
  // Two passes in double, columns in order: the summation order is fixed, so native and wasm agree.
  Vec<double> mean = Vec<double>::Zero(F), var = Vec<double>::Zero(F);
  for (Eigen::Index j = col; j < col + m; ++j)
    for (Eigen::Index i = 0; i < F; ++i) mean(i) += static_cast<double>(x(i, j));
  mean /= static_cast<double>(m);
  for (Eigen::Index j = col; j < col + m; ++j)
    for (Eigen::Index i = 0; i < F; ++i) {
      const double d = static_cast<double>(x(i, j)) - mean(i);
      var(i) += d * d;
    }
  var /= static_cast<double>(m);
  Vec<double> invstd(F);
  for (Eigen::Index i = 0; i < F; ++i) invstd(i) = 1.0 / std::sqrt(var(i) + eps);
  for (Eigen::Index j = col; j < col + m; ++j)
    for (Eigen::Index i = 0; i < F; ++i) {
      const double xh = (static_cast<double>(x(i, j)) - mean(i)) * invstd(i);
      xhat_(i, j) = static_cast<T>(xh);
      y_(i, j) = gamma(i, 0) * static_cast<T>(xh) + beta(i, 0);
    }
  const double unbias = m > 1 ? static_cast<double>(m) / static_cast<double>(m - 1) : 0.0;
  save_mean.col(k) = mean;
  save_invstd.col(k) = invstd;
  save_var_unbiased.col(k) = var * unbias;
  if (update) {
    running_mean = (1.0 - momentum) * running_mean + momentum * mean;
    running_var = (1.0 - momentum) * running_var + momentum * (var * unbias);
    ++num_batches_tracked;
  } else if (capture_) {
    population_mean = mean;
    population_var = var;
    has_population_ = true;
  }
}

template <typename T>
void BatchNorm1d<T>::normalize_fixed(const Mat<T>& x, const Vec<double>& mean, const Vec<double>& var) {
  const Eigen::Index F = gamma.rows(), B = x.cols();
  fixed_invstd_.resize(F);
  for (Eigen::Index i = 0; i < F; ++i) fixed_invstd_(i) = 1.0 / std::sqrt(var(i) + eps);
  for (Eigen::Index j = 0; j < B; ++j)
    for (Eigen::Index i = 0; i < F; ++i) {
      const double xh = (static_cast<double>(x(i, j)) - mean(i)) * fixed_invstd_(i);
      xhat_(i, j) = static_cast<T>(xh);
      y_(i, j) = gamma(i, 0) * static_cast<T>(xh) + beta(i, 0);
    }
  grad_through_stats_ = false;
}

template <typename T>
const Mat<T>& BatchNorm1d<T>::backward(const Mat<T>& dy) {
  const Eigen::Index F = gamma.rows(), B = dy.cols();
  require(B == xhat_.cols(), "batch_norm backward batch", B, "must match the last forward");
  dx_.resize(F, B);
  Vec<double> sum_dy = Vec<double>::Zero(F), sum_dy_xhat = Vec<double>::Zero(F);
  if (!grad_through_stats_) {
    // Fixed statistics: an affine map per feature, dx = gamma invstd dy.
    for (Eigen::Index j = 0; j < B; ++j)
      for (Eigen::Index i = 0; i < F; ++i) {
        const double d = static_cast<double>(dy(i, j));
        sum_dy(i) += d;
        sum_dy_xhat(i) += d * static_cast<double>(xhat_(i, j));
        dx_(i, j) = static_cast<T>(d * static_cast<double>(gamma(i, 0)) * fixed_invstd_(i));
      }
  } else {
    const Eigen::Index G = static_cast<Eigen::Index>(group_start_.size()) - 1;
    Vec<double> scale(F), mean_dy(F);
    for (Eigen::Index k = 0; k < G; ++k) {
      const Eigen::Index c0 = group_start_[k], c1 = group_start_[k + 1];
      const double m = static_cast<double>(c1 - c0);
      Vec<double> g_dy = Vec<double>::Zero(F), g_dy_xhat = Vec<double>::Zero(F);
      for (Eigen::Index j = c0; j < c1; ++j)
        for (Eigen::Index i = 0; i < F; ++i) {
          const double d = static_cast<double>(dy(i, j));
          g_dy(i) += d;
          g_dy_xhat(i) += d * static_cast<double>(xhat_(i, j));
        }
      // dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat)), means over the group. The
      // per-feature factors gamma invstd and sum(dy)/m are computed once per feature (the same
      // operations on the same values as inline, so the same bits), not once per element.
      for (Eigen::Index i = 0; i < F; ++i) {
        scale(i) = static_cast<double>(gamma(i, 0)) * save_invstd(i, k);
        mean_dy(i) = g_dy(i) / m;
      }
      for (Eigen::Index j = c0; j < c1; ++j)
        for (Eigen::Index i = 0; i < F; ++i) {
          const double v = scale(i) * (static_cast<double>(dy(i, j)) - mean_dy(i) -
                                        static_cast<double>(xhat_(i, j)) * g_dy_xhat(i) / m);
          dx_(i, j) = static_cast<T>(v);
        }
      sum_dy += g_dy;
      sum_dy_xhat += g_dy_xhat;
    }
  }
  dbeta = sum_dy.cast<T>();
  dgamma = sum_dy_xhat.cast<T>();
  return dx_;
}

template <typename T>
std::vector<Param<T>> BatchNorm1d<T>::params() {
  return {{&gamma, &dgamma, "gamma"}, {&beta, &dbeta, "beta"}};
}

template class BatchNorm1d<float>;
template class BatchNorm1d<double>;

}  // namespace bnlab
