// The noise chapter's statistics: population moments of a layer, the noise of its batch moments
// against the sampling theory, means over seeds, the result and its takeaway. The batches
// themselves are drawn in noise.cpp.
#include <algorithm>
#include <cmath>

#include "bnlab/error.h"
#include "bnlab/research.h"
#include "bnlab/stats.h"
#include "noise_parts.h"

namespace bnlab {
namespace noise_parts {

UnitMoments moments_of(const Mat<Real>& z) {
  UnitMoments u;
  const Eigen::Index F = z.rows(), N = z.cols();
  double largest = 0.0;
  for (Eigen::Index i = 0; i < F; ++i) {
    std::vector<double> v(static_cast<std::size_t>(N));
    for (Eigen::Index j = 0; j < N; ++j) v[static_cast<std::size_t>(j)] = z(i, j);
    const double s2u = stats::variance(v);
    u.mean.push_back(stats::mean(v));
    u.var_unbiased.push_back(s2u);
    u.var.push_back(s2u * static_cast<double>(N - 1) / static_cast<double>(N));
    u.kurtosis.push_back(stats::kurtosis(v));
    largest = std::max(largest, u.var.back());
  }
  // A unit with (almost) no spread has no meaningful relative noise: leave it out.
  for (Eigen::Index i = 0; i < F; ++i)
    if (u.var[static_cast<std::size_t>(i)] > 1e-10 * largest && u.var[static_cast<std::size_t>(i)] > 1e-20)
      u.counted.push_back(static_cast<int>(i));
  return u;
}

void BatchTrace::add(const Mat<Real>& z) {
  const Eigen::Index m = z.cols();
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    double mu = 0.0;
    for (Eigen::Index j = 0; j < m; ++j) mu += z(i, j);
    mu /= static_cast<double>(m);
    double ss = 0.0;
    for (Eigen::Index j = 0; j < m; ++j) ss += (z(i, j) - mu) * (z(i, j) - mu);
    means[static_cast<std::size_t>(i)].push_back(mu);
    vars[static_cast<std::size_t>(i)].push_back(ss / static_cast<double>(m - 1));
  }
}

LayerNoise summarize(const BatchTrace& t, const UnitMoments& u, int m, int N, bool full_batch) {
  LayerNoise r;
  std::vector<double> mn, vn, vt, vg;
  for (int i : u.counted) {
    const std::size_t k = static_cast<std::size_t>(i);
    if (full_batch) {
      mn.push_back(0.0);
      vn.push_back(0.0);
    } else {
      mn.push_back(stats::stddev(t.means[k]) / std::sqrt(u.var[k]));
      vn.push_back(stats::stddev(t.vars[k]) / u.var_unbiased[k]);
    }
    vt.push_back(stats::theory_var_noise(m, N, u.kurtosis[k]));
    vg.push_back(stats::theory_var_noise(m, N, 3.0));
  }
  if (mn.empty()) return r;
  r.mean_noise = stats::mean(mn);
  r.mean_noise_unit_sd = stats::stddev(mn);
  r.var_noise = stats::mean(vn);
  r.mean_theory = stats::theory_mean_noise(m, N);
  r.var_theory = stats::mean(vt);
  r.var_gaussian = stats::mean(vg);
  return r;
}

namespace {

// Mean over seeds of one field at each batch size (NaN where no seed has finished that size).
template <typename F>
std::vector<double> average(const NoiseSpec& spec, const std::vector<SeedResult>& runs, F field) {
  std::vector<double> out(spec.batch_sizes.size(), kNan);
  for (std::size_t k = 0; k < out.size(); ++k) {
    double sum = 0.0;
    int n = 0;
    for (const SeedResult& sr : runs)
      if (sr.sizes[k].done && std::isfinite(field(sr.sizes[k]))) {
        sum += field(sr.sizes[k]);
        ++n;
      }
    if (n > 0) out[k] = sum / n;
  }
  return out;
}

std::string takeaway(const NoiseSpec& spec, const std::vector<SeedResult>& runs) {
  const std::vector<double> mn = average(spec, runs, [](const SizeResult& z) { return z.probed.mean_noise; });
  const std::vector<double> th = average(spec, runs, [](const SizeResult& z) { return z.probed.mean_theory; });
  const std::vector<double> dr = average(spec, runs, [](const SizeResult& z) { return z.dropout_relative_std; });
  const int N = spec.data.n_train;
  // From 64 (or the smallest size) to the largest size below the full batch.
  std::size_t lo = 0, hi = 0;
  bool have_lo = false, have_hi = false;
  for (std::size_t k = 0; k < spec.batch_sizes.size(); ++k)
    if (spec.batch_sizes[k] == 64) { lo = k; have_lo = true; }
  if (!have_lo) lo = 0;
  for (std::size_t k = lo + 1; k < spec.batch_sizes.size(); ++k)
    if (spec.batch_sizes[k] < N) { hi = k; have_hi = true; }
  std::string t;
  if (have_hi && std::isfinite(mn[lo]) && std::isfinite(mn[hi]) && mn[hi] > 0.0) {
    const int a = spec.batch_sizes[lo], b = spec.batch_sizes[hi];
    t = "Batch " + std::to_string(a) + " -> " + std::to_string(b) + ": the batch mean's noise is " +
        fixed(mn[lo] / mn[hi], 2) + "x smaller (finite-population theory " + fixed(th[lo] / th[hi], 2) +
        "x; 1/sqrt(m) alone " + fixed(std::sqrt(static_cast<double>(b) / a), 2) + "x).";
  } else if (std::isfinite(mn[0])) {
    t = "Batch " + std::to_string(spec.batch_sizes[0]) + ": the batch mean's noise is " + fixed(mn[0], 3) +
        " sigma (theory " + fixed(th[0], 3) + ").";
  } else {
    return "Drawing mini-batches...";
  }
  // The largest real mini-batch beside the theory, and what the finite-population correction does.
  if (have_hi && std::isfinite(mn[hi]) && std::isfinite(th[hi])) {
    const int m = spec.batch_sizes[hi];
    const double fpc = std::sqrt(static_cast<double>(N - m) / (N - 1.0));
    t += " At batch " + std::to_string(m) + ": " + fixed(mn[hi], 3) + " sigma measured, theory " + fixed(th[hi], 3) +
         " = 1/sqrt(" + std::to_string(m) + ") x " + fixed(fpc, 3) +
         ", the correction sqrt((N - m)/(N - 1)) for batches drawn without replacement from N = " +
         with_commas(N) + " examples.";
  }
  if (spec.batch_sizes.back() >= N)
    t += " Batch " + std::to_string(N) + " is the whole training set (full batch): no noise at all.";
  std::vector<double> d;
  for (double x : dr)
    if (std::isfinite(x)) d.push_back(x);
  if (!d.empty()) {
    const std::string a = fixed(*std::min_element(d.begin(), d.end()), 2),
                      b = fixed(*std::max_element(d.begin(), d.end()), 2);
    t += " Dropout's noise (p = " + fixed(spec.dropout_p, 2) + ", relative std of a unit) stays at " +
         (a == b ? a : a + "-" + b) + " at every batch size (theory " +
         fixed(std::sqrt(spec.dropout_p / (1.0 - spec.dropout_p)), 2) + ").";
  }
  return t;
}

}  // namespace

KurtosisSummary kurtosis_summary(const UnitMoments& u) {
  KurtosisSummary k;
  std::vector<double> v;
  for (int i : u.counted) v.push_back(u.kurtosis[static_cast<std::size_t>(i)]);
  if (v.empty()) return k;
  k.known = true;
  k.mean = stats::mean(v);
  k.min = *std::min_element(v.begin(), v.end());
  k.max = *std::max_element(v.begin(), v.end());
  return k;
}

void write_over_seeds(json& r, const NoiseSpec& spec, const std::vector<SeedResult>& runs) {
  const auto mean_of = [&](auto field) { return series(average(spec, runs, field)); };
  // Kurtosis: the mean over seeds of each seed's mean over its counted units, the min and max of
  // their min and max (one seed: its own; a one-seed result shows all three, so cells merge).
  std::vector<double> means;
  double lo = kNan, hi = kNan;
  for (const SeedResult& sr : runs) {
    if (!sr.kurtosis.known) continue;
    means.push_back(sr.kurtosis.mean);
    lo = means.size() == 1 ? sr.kurtosis.min : std::min(lo, sr.kurtosis.min);
    hi = means.size() == 1 ? sr.kurtosis.max : std::max(hi, sr.kurtosis.max);
  }
  r["kurtosis"] = means.empty() ? json(nullptr) : json{{"mean", stats::mean(means)}, {"min", lo}, {"max", hi}};
  r["mean_noise"] = mean_of([](const SizeResult& z) { return z.probed.mean_noise; });
  r["mean_noise_theory"] = mean_of([](const SizeResult& z) { return z.probed.mean_theory; });
  r["mean_noise_unit_sd"] = mean_of([](const SizeResult& z) { return z.probed.mean_noise_unit_sd; });
  r["var_noise"] = mean_of([](const SizeResult& z) { return z.probed.var_noise; });
  r["var_noise_theory"] = mean_of([](const SizeResult& z) { return z.probed.var_theory; });
  r["var_noise_gaussian"] = mean_of([](const SizeResult& z) { return z.probed.var_gaussian; });
  r["example_noise"] = mean_of([](const SizeResult& z) { return z.example_noise; });
  r["example_noise_theory"] = mean_of([](const SizeResult& z) { return z.example_noise_theory; });
  const double p = spec.dropout_p;
  r["dropout"] = {{"p", p},
                  {"relative_std", mean_of([](const SizeResult& z) { return z.dropout_relative_std; })},
                  {"relative_std_theory", std::sqrt(p / (1.0 - p))},
                  {"example_noise", mean_of([](const SizeResult& z) { return z.dropout_example_noise; })}};
  if (has_deeper(spec)) {
    r["deeper"] = {{"layer", spec.layer + 1},
                   {"batch_norm", spec.model.batch_norm},
                   {"mean_noise", mean_of([](const SizeResult& z) { return z.deeper.mean_noise; })},
                   {"mean_noise_theory", mean_of([](const SizeResult& z) { return z.deeper.mean_theory; })},
                   {"var_noise", mean_of([](const SizeResult& z) { return z.deeper.var_noise; })},
                   {"var_noise_theory", mean_of([](const SizeResult& z) { return z.deeper.var_theory; })}};
  } else {
    r["deeper"] = nullptr;
  }
  r["takeaway"] = takeaway(spec, runs);
  if (spec.seeds.seeds > 1) {
    json list = json::array();
    for (const SeedResult& sr : runs) {
      std::vector<double> mn, vn;
      for (const SizeResult& z : sr.sizes) {
        mn.push_back(z.done ? z.probed.mean_noise : kNan);
        vn.push_back(z.done ? z.probed.var_noise : kNan);
      }
      list.push_back({{"seed", sr.seed}, {"mean_noise", series(mn)}, {"var_noise", series(vn)}});
    }
    r["seed_runs"] = list;
  }
}

SeedResult seed_from_result(const NoiseSpec& spec, const json& cell, const std::string& where) {
  SeedResult sr;
  const std::size_t S = spec.batch_sizes.size();
  sr.sizes.assign(S, SizeResult{});
  // One field over the batch sizes: a number per size, or null (NaN: the run skips it too).
  auto read = [&](const json& a, const std::string& at, auto set) {
    if (!a.is_array() || a.size() != S) throw Error(at + ": must hold one value per batch size");
    for (std::size_t k = 0; k < S; ++k) {
      if (!a[k].is_null() && !a[k].is_number()) throw Error(at + "[" + std::to_string(k) + "]: must be a number or null");
      set(sr.sizes[k], a[k].is_null() ? kNan : a[k].get<double>());
    }
  };
  auto top = [&](const char* key, auto set) { read(field_at(cell, {key}, where), where + "." + key, set); };
  top("mean_noise", [](SizeResult& z, double v) { z.probed.mean_noise = v; });
  top("mean_noise_theory", [](SizeResult& z, double v) { z.probed.mean_theory = v; });
  top("mean_noise_unit_sd", [](SizeResult& z, double v) { z.probed.mean_noise_unit_sd = v; });
  top("var_noise", [](SizeResult& z, double v) { z.probed.var_noise = v; });
  top("var_noise_theory", [](SizeResult& z, double v) { z.probed.var_theory = v; });
  top("var_noise_gaussian", [](SizeResult& z, double v) { z.probed.var_gaussian = v; });
  top("example_noise", [](SizeResult& z, double v) { z.example_noise = v; });
  top("example_noise_theory", [](SizeResult& z, double v) { z.example_noise_theory = v; });
  const json& drop = field_at(cell, {"dropout"}, where);
  read(field_at(drop, {"relative_std"}, where + ".dropout"), where + ".dropout.relative_std",
       [](SizeResult& z, double v) { z.dropout_relative_std = v; });
  read(field_at(drop, {"example_noise"}, where + ".dropout"), where + ".dropout.example_noise",
       [](SizeResult& z, double v) { z.dropout_example_noise = v; });
  if (has_deeper(spec)) {
    const json& d = field_at(cell, {"deeper"}, where);
    const std::string at = where + ".deeper";
    read(field_at(d, {"mean_noise"}, at), at + ".mean_noise", [](SizeResult& z, double v) { z.deeper.mean_noise = v; });
    read(field_at(d, {"mean_noise_theory"}, at), at + ".mean_noise_theory", [](SizeResult& z, double v) { z.deeper.mean_theory = v; });
    read(field_at(d, {"var_noise"}, at), at + ".var_noise", [](SizeResult& z, double v) { z.deeper.var_noise = v; });
    read(field_at(d, {"var_noise_theory"}, at), at + ".var_noise_theory", [](SizeResult& z, double v) { z.deeper.var_theory = v; });
  }
  for (SizeResult& z : sr.sizes) z.done = true;  // a cell is merged only once complete
  const json& k = field_at(cell, {"kurtosis"}, where);
  if (!k.is_null()) {
    double v[3];
    const char* keys[3] = {"mean", "min", "max"};
    for (int i = 0; i < 3; ++i) {
      const json& x = field_at(k, {keys[i]}, where + ".kurtosis");
      if (!x.is_number()) throw Error(where + ".kurtosis." + keys[i] + ": must be a number");
      v[i] = x.get<double>();
    }
    sr.kurtosis = {true, v[0], v[1], v[2]};
  }
  return sr;
}

json write_result(const NoiseSpec& spec, const json& spec_json, const std::vector<SeedResult>& runs,
                  const std::string& frozen_description, double progress, bool complete) {
  json r = result_envelope("noise", spec_json, progress, complete);
  const int N = spec.data.n_train;
  const std::size_t S = spec.batch_sizes.size();
  r["frozen"] = {{"train_steps", spec.train_steps}, {"description", frozen_description}};
  r["layer"] = spec.layer;
  r["population"] = N;
  r["units"] = runs.front().probed.counted.size();

  std::vector<double> iid(S);
  std::vector<int> batches(S);
  std::vector<bool> full(S);
  for (std::size_t k = 0; k < S; ++k) {
    const int m = spec.batch_sizes[k];
    iid[k] = 1.0 / std::sqrt(static_cast<double>(m));
    full[k] = m >= N;
    batches[k] = full[k] ? 0 : spec.batches;
  }
  r["batch_size"] = spec.batch_sizes;
  r["full_batch"] = full;
  r["batches"] = batches;
  r["mean_noise_iid"] = series(iid);
  json samples = json::array();
  for (const SizeResult& z : runs.front().sizes) samples.push_back(series(z.sample));
  r["sample"] = {{"unit", runs.front().probed.counted.empty() ? json(nullptr) : json(runs.front().probed.counted.front())},
                 {"batch_size", spec.batch_sizes},
                 {"standardized_means", samples}};
  write_over_seeds(r, spec, runs);
  return r;
}

}  // namespace noise_parts
}  // namespace bnlab
