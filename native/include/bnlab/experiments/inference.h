// Chapter 4: at test time a single example has no batch, so BN needs statistics from elsewhere.
//
// One BN net is trained (spirals without label noise, 2-64-64-2, batch 64); at each checkpoint the
// same weights are evaluated on the test set with different sources of BN statistics:
//   running    exponentially weighted averages of the training batches' statistics, one per decay:
//                run = decay * run + (1 - decay) * batch        (from run = 0 for the mean, 1 for the
//              variance, as PyTorch starts; the variance from the unbiased batch variance).
//              THE CONVENTION: "decay" is the weight on the OLD value (the lecture's beta; DESIGN's
//              momentum_old). PyTorch's BatchNorm momentum is the weight on the NEW batch:
//              bn_momentum = 1 - decay (decay 0.9 = PyTorch's default momentum 0.1). Results give both.
//   population exact statistics of the whole training set under the current weights, layer by layer
//              (Mlp::estimate_population; "precise BN").
//   batch      the test batch's own statistics, for test batches of m examples (the test set in a
//              fixed random order, cut into consecutive batches of m; a last batch may be smaller).
//              m = 1: every BN output is beta whatever the input (zero variance), so the net gives
//              ONE output for every input: accuracy = the share of one class (chance).
// Running averages never influence training (they are read only in evaluation), so one trained net
// carries all of them at once: the Trainer's observer reads each step's batch statistics
// (BatchNorm1d::save_mean / save_var_unbiased, one column per ghost group) and updates one average
// per decay; evaluation loads an average into running_mean / running_var. The result is exactly
// what separately trained nets with those momenta would give (same seed = same training).
//
// "Predict this one point": `point` [x0, x1] gets class probabilities under every mode. With
// batch statistics its prediction depends on the other examples of its batch: it is evaluated
// together with m - 1 test points, point_batches times with different companions (mean/min/max).
//
// Spec (defaults = DESIGN's protocol):
//   {"chapter":"inference","seed":1,"seeds":1,
//    "data":{"kind":"spirals","n_train":2048,"n_test":2048,"noise":0.05,"label_flip":0,...},
//    "model":{"hidden":[64,64],"activation":"relu",...}   (always BN; no bn_momentum: see ema_decays)
//    "train":{"optimizer":"sgd","lr":0.05,"momentum":0.9,"batch_size":64,...},
//    "checkpoints":[200,2000], "ema_decays":[0,0.5,0.9,0.99,0.999],
//    "test_batch_sizes":[1,2,4,8,16,32,64,128,256], "point":[0.3,-0.2], "point_batches":16,
//    "curve_every":50}
//   The run trains max(checkpoints) steps. curve_every = 0: no curve.
// Result (after the envelope: chapter, spec, progress, complete):
//   "ema_decays": [...], "bn_momentum": [1 - decay ...] (PyTorch's name), "test_batch_sizes": [...],
//   "point": [x0, x1], "points": training points {x0, x1, label} (up to 600),
//   "checkpoints": [{"step",
//       "population": {"accuracy", "loss"},
//       "running": [{"decay", "bn_momentum", "accuracy", "loss", "mean_gap", "var_gap"}],
//            mean_gap = mean over all BN units of |run_mean - pop_mean| / sqrt(pop_var + eps)
//            var_gap  = mean over all BN units of |run_var / pop_var - 1|
//       "batch": [{"size", "accuracy", "loss"}],
//       "point": {"population": [p_c], "running": [[p_c] per decay],
//                 "batch": [{"size", "mean": [p_c], "min": [p_c], "max": [p_c]}]},
//       "batch1": {"probabilities": [p_c], "max_difference": max over the test set of
//                  max_c |p_c(x) - p_c(point)| with batches of one (0: one output for all)} }]
//       (checkpoints appear as they are reached)
//   "curve": {"step", "population_accuracy": [...], "running_accuracy": [[...] per decay],
//             "mean_gap": [[...] per decay], "var_gap": [[...] per decay]}   (every curve_every steps)
//   "takeaway": "...",
//   "seed_runs" (seeds > 1): [{"seed", "checkpoints": [{"step", "population", "running": [acc],
//                                                       "batch": [acc]}]}]
//   "summary" (seeds > 1, when complete): [{"step", "population": I, "running": [I], "batch": [I]}],
//       I = {"mean", "half_width"}: test accuracy, mean and 95% t-interval over seeds.
#pragma once

#include <array>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

struct InferenceSpec {
  SeedFields seeds;
  DataConfig data = [] {
    DataConfig d;
    d.kind = "spirals";
    d.n_train = 2048;
    d.n_test = 2048;
    d.noise = 0.05;
    return d;
  }();
  MlpConfig model = [] {
    MlpConfig m;
    m.hidden = {64, 64};
    m.batch_norm = true;
    return m;
  }();
  TrainConfig train = [] {
    TrainConfig t;
    t.optimizer.lr = 0.05;
    return t;
  }();
  std::vector<int> checkpoints{200, 2000};                   // strictly increasing steps
  std::vector<double> ema_decays{0.0, 0.5, 0.9, 0.99, 0.999};  // weight on the OLD value
  std::vector<int> test_batch_sizes{1, 2, 4, 8, 16, 32, 64, 128, 256};
  std::array<double, 2> point{0.3, -0.2};
  int point_batches = 16;
  int curve_every = 50;
};

InferenceSpec parse_inference_spec(const json& j);
json to_json(const InferenceSpec& s);

}  // namespace bnlab
