// The inference chapter's records (what each checkpoint and the curve hold) and what is written
// from them: their JSON, the summary over seeds and the takeaway. The experiment that fills them
// is in inference.cpp; this is inference_report.cpp's interface, private to the two.
#pragma once

#include <string>
#include <vector>

#include "bnlab/experiments/common.h"
#include "bnlab/experiments/inference.h"

namespace bnlab {
namespace inference {

struct ModeEval {
  double accuracy = 0.0, loss = 0.0;
};

struct RunningEval {
  double decay = 0.0;
  ModeEval eval;
  double mean_gap = 0.0, var_gap = 0.0;
  std::vector<double> point;
};

struct BatchEval {
  int size = 0;
  ModeEval eval;
  std::vector<double> point_mean, point_min, point_max;
};

struct CheckpointRecord {
  long step = 0;
  ModeEval population;
  std::vector<double> point_population;
  std::vector<RunningEval> running;
  std::vector<BatchEval> batch;
  std::vector<double> batch1_probabilities;
  double batch1_max_difference = 0.0;
  bool complete = false;
};

struct Curve {
  std::vector<double> step, population_accuracy;
  std::vector<std::vector<double>> running_accuracy, mean_gap, var_gap;  // [decay][time]
};

json checkpoint_json(const CheckpointRecord& c);
json curve_json(const Curve& c);
// Per checkpoint, the mean and 95% t-interval over the seeds of each accuracy, from the result's
// "seed_runs" (seed_run_entry's per seed): one function for the run and for the merge of its
// per-seed cells, so both write the same bytes.
json summary_over_seeds(const InferenceSpec& spec, const json& seed_runs);
// A seed's "seed_runs" entry without its "seed": the accuracies at its completed checkpoints.
json seed_run_entry(const std::vector<CheckpointRecord>& cps);
// `step`: the training step reached (shown while no checkpoint is complete).
std::string takeaway(const InferenceSpec& spec, const std::vector<CheckpointRecord>& cps, long step, long diverged_at);

}  // namespace inference
}  // namespace bnlab
