#include "bnlab/experiments/common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bnlab/error.h"
#include "bnlab/loss.h"

namespace bnlab {

SeedFields read_seed_fields(SpecReader& r, const std::string& name, SeedFields d, int max_seeds) {
  const json* ch = r.raw("chapter", "which experiment this spec runs", {{"const", name}});
  if (ch && (!ch->is_string() || ch->get<std::string>() != name))
    throw Error(r.field("chapter") + " = " + ch->dump() + ": must be \"" + name + "\"");
  d.seed = r.seed("seed", d.seed, "fixes data, initial weights, batch order and any masks (seed k of a sweep is seed + k)");
  d.seeds = r.integer("seeds", d.seeds, 1, max_seeds, "independent runs, seed, seed + 1, ...; curves are their mean");
  return d;
}

void check_grid(int grid) {
  if (grid == 1) throw Error("spec.grid = 1: must be 0 (none) or in [2, 128]");
}

MlpConfig check_bn_pair(const MlpConfig& model, const TrainConfig& train, const DataConfig& data) {
  train.validate(data.n_train);
  if (train.batch_size < 2)
    throw Error("spec.train.batch_size = 1: must be >= 2 (the BN net needs a batch variance)");
  MlpConfig bn = model;
  bn.batch_norm = true;
  bn.validate();
  return bn;
}

void write_common_fields(json& j, const std::string& name, const SeedFields& s, const DataConfig& data,
                         const MlpConfig& model, bool with_bn, const TrainConfig& train) {
  j["chapter"] = name;
  j["seed"] = s.seed;
  j["seeds"] = s.seeds;
  j["data"] = to_json(data);
  j["model"] = to_json(model, with_bn);
  j["train"] = to_json(train);
}

json decision_grid(Mlp<Real>& model, BnStats stats, int n, double lo, double hi) {
  require(n >= 2 && n <= 256, "grid", n, "must be in [2, 256]");
  const double h = (hi - lo) / n;
  Mat<Real> x(2, static_cast<Eigen::Index>(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      x(0, i * n + j) = static_cast<Real>(lo + (j + 0.5) * h);
      x(1, i * n + j) = static_cast<Real>(lo + (i + 0.5) * h);
    }
  const MatD p = softmax(model.forward(x, Mode::Eval, stats));
  std::vector<int> cls(static_cast<std::size_t>(n) * n);
  std::vector<double> conf(cls.size());
  for (Eigen::Index c = 0; c < p.cols(); ++c) {
    Eigen::Index best = 0;
    p.col(c).maxCoeff(&best);
    cls[static_cast<std::size_t>(c)] = static_cast<int>(best);
    conf[static_cast<std::size_t>(c)] = p(best, c);
  }
  return {{"n", n}, {"lo", lo}, {"hi", hi}, {"class", cls}, {"confidence", conf}};
}

json points_json(const Dataset& d, int max_points) {
  const int n = std::min(d.size(), max_points);
  std::vector<double> x0(static_cast<std::size_t>(n)), x1(static_cast<std::size_t>(n));
  std::vector<int> y(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    x0[static_cast<std::size_t>(i)] = d.x(0, i);
    x1[static_cast<std::size_t>(i)] = d.x(1, i);
    y[static_cast<std::size_t>(i)] = d.y[static_cast<std::size_t>(i)];
  }
  return {{"x0", x0}, {"x1", x1}, {"label", y}};
}

std::array<double, 3> quantiles_sorted(const std::vector<double>& v) {
  std::array<double, 3> q{};
  for (std::size_t k = 0; k < kQuantiles.size(); ++k) {
    const double pos = kQuantiles[k] / 100.0 * static_cast<double>(v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    q[k] = v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
  }
  return q;
}

json series(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? json(x) : json(nullptr));
  return a;
}

std::string with_commas(long v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + s;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace bnlab
