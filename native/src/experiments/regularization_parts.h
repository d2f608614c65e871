// The regularization chapter's internals, shared by its sources: regularization.cpp trains the
// sweep run by run, regularization_cells.cpp rebuilds it from independent cells, and
// regularization_result.cpp writes the result from either. Not part of the library's interface
// (it lives beside the sources).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "bnlab/experiments/regularization.h"

namespace bnlab {
namespace regularization_parts {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Whether a configuration's net has BN / dropout ("bn_dropout" has both; "bn_population" is BN).
bool uses_bn(const std::string& config);
bool uses_dropout(const std::string& config);
std::string label_of(const std::string& config);  // "none" -> "no regularization", ...

// One trained net's final numbers; `present` once the run is done.
struct RunResult {
  bool present = false;
  double train_loss = 0, test_loss = 0, test_clean_loss = 0;
  double train_accuracy = 0, test_accuracy = 0, test_clean_accuracy = 0;
  double memorized = kNan;  // share of the flipped training examples predicted with the flipped label
  bool diverged = false;
  double gap() const { return test_loss - train_loss; }
};

struct Curve {
  std::vector<double> epoch, train_loss, test_loss, test_clean_loss;
};

// In ghost mode a net that does not see the ghost size (no BN, or BN with whole-set statistics)
// is the same at every B: its first run stands for all.
inline bool repeated(const RegularizationSpec& s, std::size_t c, std::size_t b) {
  return s.mode == "ghost" && (!uses_bn(s.configs[c]) || s.configs[c] == "bn_population") && b > 0;
}

// Whether a run normalises with the whole training set's statistics (TrainConfig::bn_full_set):
// every BN config in population mode; bn_population whenever its SGD batch is smaller than the
// set (at SGD batch = N the mini-batch is the whole set, so plain BN computes the same thing and
// the run is trained that way, at 1/1 the cost and bit-identical to "bn" in batch mode).
inline bool full_set_stats(const RegularizationSpec& s, const std::string& config, int batch_size) {
  if (s.mode == "population") return uses_bn(config);
  return config == "bn_population" && s.sgd_batch_for(batch_size) < s.data.n_train;
}

// Examples processed by one run (the progress measure): steps x examples per step.
inline double run_work(const RegularizationSpec& s, std::size_t c, std::size_t b) {
  if (repeated(s, c, b)) return 0.0;
  const int N = s.data.n_train, sgd = s.sgd_batch_for(s.batch_sizes[b]);
  const double per_step = full_set_stats(s, s.configs[c], s.batch_sizes[b]) ? N : sgd;
  return static_cast<double>(s.epochs) * (N / sgd) * per_step;
}

// Everything a result is written from. The sweep fills it run by run; merge fills it from cells.
struct SweepState {
  std::vector<std::vector<std::vector<RunResult>>> runs;  // [config][batch size][seed]
  std::vector<std::vector<Curve>> curves;                 // [config][batch size], first seed
  std::vector<std::vector<json>> regions;                 // [config][batch size], first seed (grid > 0)
  json train_points;                                      // first seed (grid > 0)

  explicit SweepState(const RegularizationSpec& s) {
    const std::size_t C = s.configs.size(), Bn = s.batch_sizes.size();
    runs.assign(C, std::vector<std::vector<RunResult>>(Bn, std::vector<RunResult>(static_cast<std::size_t>(s.seeds.seeds))));
    curves.assign(C, std::vector<Curve>(Bn));
    regions.assign(C, std::vector<json>(Bn, json(nullptr)));
  }
};

// Where a (partial) result stands: in the sweep, its own counters; in merge, the cells done.
struct Standing {
  double progress = 0.0;
  bool complete = false;
  int seeds_done = 0;
  long runs_done = 0;
  json current;  // {seed, config, batch_size, epoch} or null
};

// The training points for the regions chart: points_json of all N plus "flipped": [0|1].
json train_points_json(const Dataset& train);

json write_result(const RegularizationSpec& spec, const json& spec_json, const SweepState& st, const Standing& at);

}  // namespace regularization_parts
}  // namespace bnlab
