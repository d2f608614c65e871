// The noise chapter's statistics: population moments of a layer, the noise of its batch moments
// against the sampling theory, means over seeds, the result and its takeaway. The batches
// themselves are drawn in noise.cpp.
#include <algorithm>
#include <cmath>

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

json write_result(const NoiseSpec& spec, const json& spec_json, const std::vector<SeedResult>& runs,
                  const std::string& frozen_description, double progress, bool complete) {
  json r = result_envelope("noise", spec_json, progress, complete);
  const int N = spec.data.n_train;
  const std::size_t S = spec.batch_sizes.size();
  const auto mean_of = [&](auto field) { return series(average(spec, runs, field)); };
  r["frozen"] = {{"train_steps", spec.train_steps}, {"description", frozen_description}};
  r["layer"] = spec.layer;
  r["population"] = N;
  r["units"] = runs.front().probed.counted.size();

  // Kurtosis over the counted units of every seed so far.
  std::vector<double> kurt;
  for (const SeedResult& sr : runs)
    for (int i : sr.probed.counted) kurt.push_back(sr.probed.kurtosis[static_cast<std::size_t>(i)]);
  r["kurtosis"] = kurt.empty() ? json(nullptr)
                               : json{{"mean", stats::mean(kurt)},
                                      {"min", *std::min_element(kurt.begin(), kurt.end())},
                                      {"max", *std::max_element(kurt.begin(), kurt.end())}};

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
  r["mean_noise"] = mean_of([](const SizeResult& z) { return z.probed.mean_noise; });
  r["mean_noise_theory"] = mean_of([](const SizeResult& z) { return z.probed.mean_theory; });
  r["mean_noise_iid"] = series(iid);
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
  json samples = json::array();
  for (const SizeResult& z : runs.front().sizes) samples.push_back(series(z.sample));
  r["sample"] = {{"unit", runs.front().probed.counted.empty() ? json(nullptr) : json(runs.front().probed.counted.front())},
                 {"batch_size", spec.batch_sizes},
                 {"standardized_means", samples}};
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
  return r;
}

}  // namespace noise_parts
}  // namespace bnlab
