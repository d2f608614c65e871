// Pieces shared by the chapter experiments: the fields every spec has, series for curves, the
// decision-boundary grid and a subsample of points for scatter plots.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bnlab/spec.h"
#include "bnlab/trainer.h"

namespace bnlab {

using Real = float;  // the scalar experiments train in (the vectorised path in the browser too)

// Reads "chapter" (must equal `name`), "seed" and "seeds" from a top-level spec reader.
struct SeedFields {
  std::uint64_t seed = 1;
  int seeds = 1;
};
SeedFields read_seed_fields(SpecReader& r, const std::string& name, SeedFields defaults, int max_seeds);
// Reads what every spec of a chapter carries, in this order: chapter, seed, seeds, then the data,
// model and train blocks. with_bn false (a chapter comparing nets): batch_norm is the chapter's.
template <typename Spec>
void read_common_fields(SpecReader& r, const std::string& name, Spec& s, int max_seeds, bool with_bn = false) {
  s.seeds = read_seed_fields(r, name, s.seeds, max_seeds);
  s.data = read_data(r.child("data", kDataDoc), s.data);
  s.model = read_model(r.child("model", kModelDoc), s.model, s.data, with_bn);
  s.train = read_train(r.child("train", kTrainDoc), s.train);
}
// A decision-region grid: 0 (none) or 2 .. 128 points a side (1 is refused: no cell centre).
inline constexpr char kGridDoc[] = "decision-region resolution, grid x grid points (0 = none, else 2 .. 128)";
void check_grid(int grid);

// After the reader has finished: the training settings against the data set, a batch of at least
// 2 (the BN net needs a batch variance) and the model's BN twin validated. Returns the twin (for
// the chapter's cost estimate).
MlpConfig check_bn_pair(const MlpConfig& model, const TrainConfig& train, const DataConfig& data);

// Writes what every spec carries: chapter, seed, seeds and the data / model / train blocks
// (`with_bn` false: the chapter sets batch_norm itself, as in read_model).
void write_common_fields(json& j, const std::string& name, const SeedFields& s, const DataConfig& data,
                         const MlpConfig& model, bool with_bn, const TrainConfig& train);

// A decision boundary: the predicted class and its probability on an n x n grid over
// [lo, hi]^2, row-major from (lo, lo): cell (i, j) is x0 = lo + (j + 0.5) h, x1 = lo + (i + 0.5) h.
json decision_grid(Mlp<Real>& model, BnStats stats, int n, double lo = -1.75, double hi = 1.75);

// Up to `max_points` points of a data set (the first ones: classes are interleaved) for plots.
json points_json(const Dataset& d, int max_points);

// The percentiles Ioffe & Szegedy's Figure 1 plots (chapters distribution and images), and those
// of a sorted, non-empty sample with linear interpolation (as stats::percentile).
constexpr std::array<double, 3> kQuantiles{15.0, 50.0, 85.0};
std::array<double, 3> quantiles_sorted(const std::vector<double>& v);

// std::vector<double> -> JSON array with non-finite values replaced by null.
json series(const std::vector<double>& v);

// "1,234" style integer formatting for takeaways.
std::string with_commas(long v);
std::string fixed(double v, int digits);

}  // namespace bnlab
