#include "bnlab/experiments/plumbing.h"

#include <algorithm>
#include <cmath>

namespace bnlab {

Mat<Real> first_examples(const Dataset& d, int n) {
  std::vector<int> idx(static_cast<std::size_t>(n)), unused;
  for (int i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  Mat<Real> x;
  gather(d, idx, 0, idx.size(), x, unused);
  return x;
}

void PercentileBands::add(const Mat<Real>& z, int shown_unit, long at_step) {
  const std::size_t units = static_cast<std::size_t>(z.rows());
  const bool at_first = first.empty();
  if (at_first) {
    first.resize(units);
    max_dev.assign(units, {0.0, 0.0, 0.0});
    width_sum.assign(units, 0.0);
  }
  ++probes;
  std::vector<double> v(static_cast<std::size_t>(z.cols()));
  for (Eigen::Index u = 0; u < z.rows(); ++u) {
    for (Eigen::Index j = 0; j < z.cols(); ++j) v[static_cast<std::size_t>(j)] = z(u, j);
    std::sort(v.begin(), v.end());
    const std::array<double, 3> q = quantiles_sorted(v);
    const std::size_t ui = static_cast<std::size_t>(u);
    if (at_first) first[ui] = q;
    width_sum[ui] += q[2] - q[0];
    for (std::size_t i = 0; i < 3; ++i) max_dev[ui][i] = std::max(max_dev[ui][i], std::abs(q[i] - first[ui][i]));
    if (u == shown_unit) {
      step.push_back(static_cast<double>(at_step));
      p15.push_back(q[0]);
      p50.push_back(q[1]);
      p85.push_back(q[2]);
    }
  }
}

double PercentileBands::unit_drift(std::size_t u) const {
  if (u >= first.size() || probes == 0) return 0.0;
  const double width = width_sum[u] / probes;
  if (!(width > 0)) return 0.0;
  return (max_dev[u][0] + max_dev[u][1] + max_dev[u][2]) / 3.0 / width;
}

double PercentileBands::all_units_drift() const {
  double s = 0.0;
  for (std::size_t u = 0; u < first.size(); ++u) s += unit_drift(u);
  return first.empty() ? 0.0 : s / static_cast<double>(first.size());
}

int PercentileBands::rank(std::size_t u) const {
  int r = 1;
  for (std::size_t v = 0; v < first.size(); ++v)
    if (unit_drift(v) > unit_drift(u)) ++r;
  return r;
}

json PercentileBands::to_json() const {
  return {{"step", series(step)}, {"p15", series(p15)}, {"p50", series(p50)}, {"p85", series(p85)}};
}

void probe_pair(NetPair& nets, const Mat<Real>& x, BnStats stats, int layer, int shown_unit, long at_step,
                const std::array<PercentileBands*, 2>& bands) {
  for (std::size_t k = 0; k < 2; ++k) {
    if (net_done(nets, k)) continue;
    Mlp<Real>& m = nets[k]->model();
    m.forward(x, Mode::Eval, stats);
    bands[k]->add(m.normalized(layer), shown_unit, at_step);
  }
}

}  // namespace bnlab
