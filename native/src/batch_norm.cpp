#include "bnlab/batch_norm.h"

#include <cmath>
#include <string>
#include <type_traits>

#include "bnlab/error.h"
#include "simd4.h"

namespace bnlab {

namespace {

// Float kernels (issue 19): the double-precision sums and the normalization of a float layer,
// two features per vd2 and 8 or 4 features per block (column by column inside a block), through
// simd4.h so native and wasm run the same source. Each feature's values go through exactly the
// operations of the plain loops they replace (in double, columns in order, no FMA), so the bits
// do not depend on the blocking: tests/native/test_bn_kernels.cpp checks them against those
// loops. x, dy, xhat, y, dx are F x B, column-major.
using Index = Eigen::Index;
using simd::vd2;
using simd::vf4;

// Runs body(std::integral_constant<int, Q>{}, i0) on blocks of 4 Q features (Q = 2, then 1) and
// tail(i) on the last F mod 4 features one by one.
template <typename Body, typename Tail>
void by_features(Index F, Body body, Tail tail) {
  Index i = 0;
  for (; i + 8 <= F; i += 8) body(std::integral_constant<int, 2>{}, i);
  for (; i + 4 <= F; i += 4) body(std::integral_constant<int, 1>{}, i);
  for (; i < F; ++i) tail(i);
}

// sum[i] = (...((0 + x(i, c0)) + x(i, c0 + 1)) + ...) + x(i, c1 - 1), in double.
void column_sums(const float* x, Index F, Index c0, Index c1, double* sum) {
  by_features(
      F,
      [&](auto q, Index i0) {
        constexpr int Q = decltype(q)::value;
        vd2 acc[2 * Q];
        for (vd2& a : acc) a = simd::zero2();
        for (Index j = c0; j < c1; ++j)
          for (int u = 0; u < Q; ++u) {
            const vf4 v = simd::load(x + j * F + i0 + 4 * u);
            acc[2 * u] = simd::add(acc[2 * u], simd::widen_lo(v));
            acc[2 * u + 1] = simd::add(acc[2 * u + 1], simd::widen_hi(v));
          }
        for (int h = 0; h < 2 * Q; ++h) simd::store2(sum + i0 + 2 * h, acc[h]);
      },
      [&](Index i) {
        double a = 0.0;
        for (Index j = c0; j < c1; ++j) a += static_cast<double>(x[i + j * F]);
        sum[i] = a;
      });
}

// out[i] = sum over the columns, in order, of d * d with d = double(x(i, j)) - mean[i].
void centered_squares(const float* x, Index F, Index c0, Index c1, const double* mean, double* out) {
  by_features(
      F,
      [&](auto q, Index i0) {
        constexpr int Q = decltype(q)::value;
        vd2 acc[2 * Q], mu[2 * Q];
        for (int h = 0; h < 2 * Q; ++h) {
          acc[h] = simd::zero2();
          mu[h] = simd::load2(mean + i0 + 2 * h);
        }
        for (Index j = c0; j < c1; ++j)
          for (int u = 0; u < Q; ++u) {
            const vf4 v = simd::load(x + j * F + i0 + 4 * u);
            const vd2 lo = simd::sub(simd::widen_lo(v), mu[2 * u]);
            const vd2 hi = simd::sub(simd::widen_hi(v), mu[2 * u + 1]);
            acc[2 * u] = simd::add(acc[2 * u], simd::mul(lo, lo));
            acc[2 * u + 1] = simd::add(acc[2 * u + 1], simd::mul(hi, hi));
          }
        for (int h = 0; h < 2 * Q; ++h) simd::store2(out + i0 + 2 * h, acc[h]);
      },
      [&](Index i) {
        double a = 0.0;
        for (Index j = c0; j < c1; ++j) {
          const double d = static_cast<double>(x[i + j * F]) - mean[i];
          a += d * d;
        }
        out[i] = a;
      });
}

// xhat = float((double(x) - mean) invstd), y = gamma xhat + beta (in float).
void normalize(const float* x, Index F, Index c0, Index c1, const double* mean, const double* invstd,
               const float* gamma, const float* beta, float* xhat, float* y) {
  by_features(
      F,
      [&](auto q, Index i0) {
        constexpr int Q = decltype(q)::value;
        vd2 mu[2 * Q], is[2 * Q];
        vf4 g[Q], b[Q];
        for (int h = 0; h < 2 * Q; ++h) {
          mu[h] = simd::load2(mean + i0 + 2 * h);
          is[h] = simd::load2(invstd + i0 + 2 * h);
        }
        for (int u = 0; u < Q; ++u) {
          g[u] = simd::load(gamma + i0 + 4 * u);
          b[u] = simd::load(beta + i0 + 4 * u);
        }
        for (Index j = c0; j < c1; ++j)
          for (int u = 0; u < Q; ++u) {
            const Index at = j * F + i0 + 4 * u;
            const vf4 v = simd::load(x + at);
            const vd2 lo = simd::mul(simd::sub(simd::widen_lo(v), mu[2 * u]), is[2 * u]);
            const vd2 hi = simd::mul(simd::sub(simd::widen_hi(v), mu[2 * u + 1]), is[2 * u + 1]);
            const vf4 xh = simd::narrow(lo, hi);
            simd::store(xhat + at, xh);
            simd::store(y + at, simd::add(simd::mul(g[u], xh), b[u]));
          }
      },
      [&](Index i) {
        for (Index j = c0; j < c1; ++j) {
          const float xh = static_cast<float>((static_cast<double>(x[i + j * F]) - mean[i]) * invstd[i]);
          xhat[i + j * F] = xh;
          y[i + j * F] = gamma[i] * xh + beta[i];
        }
      });
}

// s_dy[i] = sum of double(dy), s_dy_xhat[i] = sum of double(dy) double(xhat), columns in order.
void grad_sums(const float* dy, const float* xhat, Index F, Index c0, Index c1, double* s_dy, double* s_dy_xhat) {
  by_features(
      F,
      [&](auto q, Index i0) {
        constexpr int Q = decltype(q)::value;
        vd2 a[2 * Q], b[2 * Q];
        for (int h = 0; h < 2 * Q; ++h) a[h] = b[h] = simd::zero2();
        for (Index j = c0; j < c1; ++j)
          for (int u = 0; u < Q; ++u) {
            const Index at = j * F + i0 + 4 * u;
            const vf4 d = simd::load(dy + at), xh = simd::load(xhat + at);
            const vd2 dlo = simd::widen_lo(d), dhi = simd::widen_hi(d);
            a[2 * u] = simd::add(a[2 * u], dlo);
            a[2 * u + 1] = simd::add(a[2 * u + 1], dhi);
            b[2 * u] = simd::add(b[2 * u], simd::mul(dlo, simd::widen_lo(xh)));
            b[2 * u + 1] = simd::add(b[2 * u + 1], simd::mul(dhi, simd::widen_hi(xh)));
          }
        for (int h = 0; h < 2 * Q; ++h) {
          simd::store2(s_dy + i0 + 2 * h, a[h]);
          simd::store2(s_dy_xhat + i0 + 2 * h, b[h]);
        }
      },
      [&](Index i) {
        double a = 0.0, b = 0.0;
        for (Index j = c0; j < c1; ++j) {
          const double d = static_cast<double>(dy[i + j * F]);
          a += d;
          b += d * static_cast<double>(xhat[i + j * F]);
        }
        s_dy[i] = a;
        s_dy_xhat[i] = b;
      });
}

// dx = float(scale ((double(dy) - mean_dy) - double(xhat) s_dy_xhat / m)), the product
// xhat s_dy_xhat divided by m element by element, as the plain formula is written. Where m is a
// power of two (the lab's batches 64 and 512) the division is a multiplication by 1/m: 1/m is
// then exact, and v / 2^k and v 2^-k are the same real number, rounded once, so the same bits
// (subnormals included); the division is the step's slowest instruction.
void grad_input(const float* dy, const float* xhat, Index F, Index c0, Index c1, const double* scale,
                const double* mean_dy, const double* s_dy_xhat, double m, float* dx) {
  const Index count = c1 - c0;
  const auto run = [&](auto power_of_two) {
    by_features(
        F,
        [&](auto q, Index i0) {
          constexpr int Q = decltype(q)::value;
          vd2 sc[2 * Q], md[2 * Q], sx[2 * Q];
          const vd2 mm = simd::splat2(m), inv_m = simd::splat2(1.0 / m);
          for (int h = 0; h < 2 * Q; ++h) {
            sc[h] = simd::load2(scale + i0 + 2 * h);
            md[h] = simd::load2(mean_dy + i0 + 2 * h);
            sx[h] = simd::load2(s_dy_xhat + i0 + 2 * h);
          }
          for (Index j = c0; j < c1; ++j)
            for (int u = 0; u < Q; ++u) {
              const Index at = j * F + i0 + 4 * u;
              const vf4 d = simd::load(dy + at), xh = simd::load(xhat + at);
              vd2 r[2];
              for (int h = 0; h < 2; ++h) {
                const int k = 2 * u + h;
                const vd2 dd = h == 0 ? simd::widen_lo(d) : simd::widen_hi(d);
                const vd2 xx = h == 0 ? simd::widen_lo(xh) : simd::widen_hi(xh);
                const vd2 prod = simd::mul(xx, sx[k]);
                vd2 shift;
                if constexpr (decltype(power_of_two)::value) shift = simd::mul(prod, inv_m);
                else shift = simd::div(prod, mm);
                r[h] = simd::mul(sc[k], simd::sub(simd::sub(dd, md[k]), shift));
              }
              simd::store(dx + at, simd::narrow(r[0], r[1]));
            }
        },
        [&](Index i) {
          for (Index j = c0; j < c1; ++j) {
            const double v = scale[i] * (static_cast<double>(dy[i + j * F]) - mean_dy[i] -
                                         static_cast<double>(xhat[i + j * F]) * s_dy_xhat[i] / m);
            dx[i + j * F] = static_cast<float>(v);
          }
        });
  };
  if ((count & (count - 1)) == 0) run(std::true_type{});
  else run(std::false_type{});
}

}  // namespace

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
  if constexpr (std::is_same_v<T, float>) column_sums(x.data(), F, col, col + m, mean.data());
  else
    for (Eigen::Index j = col; j < col + m; ++j)
      for (Eigen::Index i = 0; i < F; ++i) mean(i) += static_cast<double>(x(i, j));
  mean /= static_cast<double>(m);
  if constexpr (std::is_same_v<T, float>) centered_squares(x.data(), F, col, col + m, mean.data(), var.data());
  else
    for (Eigen::Index j = col; j < col + m; ++j)
      for (Eigen::Index i = 0; i < F; ++i) {
        const double d = static_cast<double>(x(i, j)) - mean(i);
        var(i) += d * d;
      }
  var /= static_cast<double>(m);
  Vec<double> invstd(F);
  for (Eigen::Index i = 0; i < F; ++i) invstd(i) = 1.0 / std::sqrt(var(i) + eps);
  normalize_columns(x, col, col + m, mean, invstd);
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
  normalize_columns(x, 0, B, mean, fixed_invstd_);
  grad_through_stats_ = false;
}

template <typename T>
void BatchNorm1d<T>::normalize_columns(const Mat<T>& x, Eigen::Index c0, Eigen::Index c1, const Vec<double>& mean,
                                       const Vec<double>& invstd) {
  const Eigen::Index F = gamma.rows();
  if constexpr (std::is_same_v<T, float>) {
    normalize(x.data(), F, c0, c1, mean.data(), invstd.data(), gamma.data(), beta.data(), xhat_.data(), y_.data());
  } else {
    for (Eigen::Index j = c0; j < c1; ++j)
      for (Eigen::Index i = 0; i < F; ++i) {
        const double xh = (static_cast<double>(x(i, j)) - mean(i)) * invstd(i);
        xhat_(i, j) = static_cast<T>(xh);
        y_(i, j) = gamma(i, 0) * static_cast<T>(xh) + beta(i, 0);
      }
  }
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
      if constexpr (std::is_same_v<T, float>) grad_sums(dy.data(), xhat_.data(), F, c0, c1, g_dy.data(), g_dy_xhat.data());
      else
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
      if constexpr (std::is_same_v<T, float>) {
        grad_input(dy.data(), xhat_.data(), F, c0, c1, scale.data(), mean_dy.data(), g_dy_xhat.data(), m, dx_.data());
      } else {
        for (Eigen::Index j = c0; j < c1; ++j)
          for (Eigen::Index i = 0; i < F; ++i) {
            const double v = scale(i) * (static_cast<double>(dy(i, j)) - mean_dy(i) -
                                          static_cast<double>(xhat_(i, j)) * g_dy_xhat(i) / m);
            dx_(i, j) = static_cast<T>(v);
          }
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
