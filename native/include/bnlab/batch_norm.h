// BatchNorm1d over the batch, per feature (row), on the pre-activation (Ioffe & Szegedy 2015).
// Names and meanings follow PyTorch: running_mean, running_var (from the UNBIASED batch variance),
// momentum (the weight of the NEW batch: run = (1 - momentum) run + momentum batch; PyTorch's
// default 0.1 is the lecture's beta = 0.9 on the old value), eps, save_mean, save_invstd.
//
// Training mode, for a batch (or ghost group) of m columns:
//   mu = mean(x), var = mean((x - mu)^2) (biased, as used to normalise), invstd = 1/sqrt(var + eps)
//   xhat = (x - mu) invstd,  y = gamma xhat + beta
// Backward, the gradient flowing through mu and var as well:
//   dbeta = sum(dy),  dgamma = sum(dy xhat)
//   dx = gamma invstd (dy - mean(dy) - xhat mean(dy xhat))
//
// Ghost batches (Hoffer et al. 2017): ghost_batch = g > 0 normalises groups of g consecutive
// columns of the SGD batch separately (a trailing group smaller than 2 joins the one before); each
// group updates the running averages in turn, as separate BN calls would. Evaluation never uses groups.
//
// Evaluation uses one of three sources of statistics (BnStats):
//   Running:    running_mean / running_var; the layer is then a fixed affine map.
//   Population: statistics set by capture_population (exact mean and variance over a whole data
//               set; run it on shifted data and it is AdaBN, Li et al. 2016).
//   Batch:      the evaluated batch's own statistics, no running update. A batch of ONE then has
//               zero variance: every output is beta, whatever the input (the lecture's point 4).
// Training mode refuses a batch (or group) of one: it has no variance.
#pragma once

#include <vector>

#include "bnlab/types.h"

namespace bnlab {

enum class Mode { Train, Eval };
enum class BnStats { Running, Population, Batch };

template <typename T>
class BatchNorm1d {
 public:
  explicit BatchNorm1d(int features, double momentum = 0.1, double eps = 1e-5, int ghost_batch = 0);

  const Mat<T>& forward(const Mat<T>& x, Mode mode, BnStats stats);
  const Mat<T>& backward(const Mat<T>& dy);  // fills dgamma, dbeta; returns dx

  std::vector<Param<T>> params();
  int features() const { return static_cast<int>(gamma.rows()); }

  // While capturing, a forward in Eval/Batch mode stores its batch statistics (biased variance:
  // the exact variance of the set) as the population statistics.
  void set_capture_population(bool on) { capture_ = on; }
  bool has_population() const { return has_population_; }
  void reset_running();  // running_mean = 0, running_var = 1, num_batches_tracked = 0

  double momentum, eps;
  int ghost_batch;
  Mat<T> gamma, beta;    // features x 1 (init 1 and 0)
  Mat<T> dgamma, dbeta;  // features x 1
  Vec<double> running_mean, running_var, population_mean, population_var;
  long num_batches_tracked = 0;
  // Statistics of the last forward that used batch statistics: one column per group.
  Mat<double> save_mean, save_invstd, save_var_unbiased;

  const Mat<T>& output() const { return y_; }
  const Mat<T>& xhat() const { return xhat_; }

 private:
  void normalize_group(const Mat<T>& x, Eigen::Index col, Eigen::Index m, Eigen::Index g, bool update);
  void normalize_fixed(const Mat<T>& x, const Vec<double>& mean, const Vec<double>& var);
  // xhat = (x - mean) invstd in double, rounded to T; y = gamma xhat + beta; columns [c0, c1).
  void normalize_columns(const Mat<T>& x, Eigen::Index c0, Eigen::Index c1, const Vec<double>& mean,
                         const Vec<double>& invstd);

  Mat<T> y_, xhat_, dx_;
  std::vector<Eigen::Index> group_start_;  // group k covers columns [start[k], start[k+1])
  bool grad_through_stats_ = true;         // false for Running / Population evaluation
  Vec<double> fixed_invstd_;
  bool capture_ = false;
  bool has_population_ = false;
};

}  // namespace bnlab
