// Small statistics used by the experiments and their tests.
#pragma once

#include <vector>

namespace bnlab::stats {

double mean(const std::vector<double>& v);
double variance(const std::vector<double>& v);  // unbiased (n - 1); 0 for n < 2
double stddev(const std::vector<double>& v);
// Kurtosis m4 / m2^2 with central moments over n (3 for a Gaussian).
double kurtosis(const std::vector<double>& v);
// Percentile q in [0, 100], linear interpolation between order statistics (numpy's default).
double percentile(std::vector<double> v, double q);

// Two-sided 97.5% quantile of Student's t with df degrees of freedom (df >= 1).
double t_quantile_975(int df);

struct Interval {
  double mean = 0.0;
  double half_width = 0.0;  // 0 with fewer than 2 values
  int n = 0;
};
// Mean and 95% t-interval half width: t_{0.975, n-1} s / sqrt(n).
Interval t_interval95(const std::vector<double>& v);

// Finite-population theory for a batch of m drawn without replacement from N (chapter 3a):
//   std(batch mean) / sigma = sqrt((N - m) / (m (N - 1)))
//   std(batch var) / var    = sqrt(2/(m-1) + (kurtosis - 3)/m) * sqrt((N - m)/(N - 1))
double theory_mean_noise(int m, int N);
double theory_var_noise(int m, int N, double kurtosis);

}  // namespace bnlab::stats
