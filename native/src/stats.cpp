#include "bnlab/stats.h"

#include <algorithm>
#include <cmath>

#include "bnlab/error.h"

namespace bnlab::stats {

double mean(const std::vector<double>& v) {
  if (v.empty()) return 0.0;
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double variance(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}

double stddev(const std::vector<double>& v) { return std::sqrt(variance(v)); }

double kurtosis(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double m2 = 0.0, m4 = 0.0;
  for (double x : v) {
    const double d2 = (x - m) * (x - m);
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= static_cast<double>(v.size());
  m4 /= static_cast<double>(v.size());
  return m2 > 0.0 ? m4 / (m2 * m2) : 0.0;
}

double percentile(std::vector<double> v, double q) {
  require(!v.empty(), "percentile input", 0, "needs at least one value");
  require(q >= 0.0 && q <= 100.0, "percentile", q, "must be in [0, 100]");
  std::sort(v.begin(), v.end());
  const double pos = q / 100.0 * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return v[lo] + frac * (v[hi] - v[lo]);
}

double t_quantile_975(int df) {
  require(df >= 1, "degrees of freedom", df, "must be >= 1");
  static const double table[] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622,
                                 2.2281,  2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009,
                                 2.0930,  2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
                                 2.0484,  2.0452, 2.0423};
  if (df <= 30) return table[df - 1];
  // Beyond 30: the Cornish-Fisher expansion around z = 1.95996 (error < 1e-4).
  const double z = 1.959963984540054, n = df;
  return z + (z * z * z + z) / (4 * n) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

Interval t_interval95(const std::vector<double>& v) {
  Interval r;
  r.n = static_cast<int>(v.size());
  r.mean = mean(v);
  if (r.n >= 2) r.half_width = t_quantile_975(r.n - 1) * stddev(v) / std::sqrt(static_cast<double>(r.n));
  return r;
}

double theory_mean_noise(int m, int N) {
  require(m >= 1 && m <= N, "batch size", m, "must be in [1, N]");
  if (N == 1) return 0.0;
  return std::sqrt(static_cast<double>(N - m) / (static_cast<double>(m) * (N - 1)));
}

double theory_var_noise(int m, int N, double kurt) {
  require(m >= 2 && m <= N, "batch size", m, "must be in [2, N]");
  const double fpc = std::sqrt(static_cast<double>(N - m) / static_cast<double>(N - 1));
  const double inner = 2.0 / (m - 1) + (kurt - 3.0) / m;
  return std::sqrt(std::max(0.0, inner)) * fpc;
}

}  // namespace bnlab::stats
