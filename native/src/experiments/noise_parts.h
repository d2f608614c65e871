// The noise chapter's internals, shared by its two sources: noise.cpp draws the mini-batches and
// records what they show; noise_result.cpp turns the records into statistics and the result.
// Not part of the library's interface (it lives beside the sources).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "bnlab/experiments/noise.h"

namespace bnlab {
namespace noise_parts {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr int kSampleBatches = 200;  // batch means kept per size for the histograms (first seed)

// Population moments of one layer's units over the whole training set.
struct UnitMoments {
  std::vector<double> mean, var, var_unbiased, kurtosis;  // per unit; var over N
  std::vector<int> counted;                               // units with a usable sigma
};
UnitMoments moments_of(const Mat<Real>& z);  // z: units x N

// Per-unit batch statistics of one layer over the R batches of one batch size.
struct BatchTrace {
  std::vector<std::vector<double>> means, vars;  // [unit][batch]; vars unbiased
  void reset(std::size_t units) {
    means.assign(units, {});
    vars.assign(units, {});
  }
  void add(const Mat<Real>& z);  // z: units x m, one batch
};

// Noise of one layer at one batch size, averaged over counted units.
struct LayerNoise {
  double mean_noise = kNan, mean_noise_unit_sd = kNan, var_noise = kNan;
  double mean_theory = kNan, var_theory = kNan, var_gaussian = kNan;
};
LayerNoise summarize(const BatchTrace& t, const UnitMoments& u, int m, int N, bool full_batch);

// Everything measured at one batch size for one seed.
struct SizeResult {
  bool done = false;
  bool full_batch = false;
  int batches = 0;
  LayerNoise probed, deeper;
  double example_noise = kNan, example_noise_theory = kNan;
  double dropout_relative_std = kNan, dropout_example_noise = kNan;
  std::vector<double> sample;  // standardized batch means of the sample unit
};

// A seed's kurtosis of the probed units: mean, min and max over its counted units (known once
// the net is frozen and some unit is counted). A multi-seed result shows the mean of the seeds'
// means and the min/max of their min/max, so it can be rebuilt from one-seed results.
struct KurtosisSummary {
  bool known = false;
  double mean = kNan, min = kNan, max = kNan;
};
KurtosisSummary kurtosis_summary(const UnitMoments& u);

struct SeedResult {
  std::uint64_t seed = 0;
  std::vector<SizeResult> sizes;
  UnitMoments probed, deeper;
  KurtosisSummary kurtosis;
};

// Whether the layer above the probed one is a hidden layer too (the "deeper" comparison).
inline bool has_deeper(const NoiseSpec& s) { return s.layer < static_cast<int>(s.model.hidden.size()); }

// Writes into r what the result computes over the seeds: the kurtosis, every array (mean over the
// seeds), the takeaway and seed_runs. Called by write_result and by the merge of one-seed cells,
// whose SeedResults hold only what a one-seed result shows (seed_from_result).
void write_over_seeds(json& r, const NoiseSpec& spec, const std::vector<SeedResult>& runs);
// A one-seed result read back as its seed's measurements (sizes and kurtosis; no unit moments).
// Bad fields are named after `where`.
SeedResult seed_from_result(const NoiseSpec& spec, const json& cell, const std::string& where);

// The result from the seeds run so far (`runs` non-empty; the first is the one sampled).
json write_result(const NoiseSpec& spec, const json& spec_json, const std::vector<SeedResult>& runs,
                  const std::string& frozen_description, double progress, bool complete);

}  // namespace noise_parts
}  // namespace bnlab
