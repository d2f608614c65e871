// Chapter 3b: BN regularizes slightly, and less with bigger batches. Protocol P1 of DESIGN section 2.
//
// Two moons with exactly round(0.3 N) training labels flipped, N = 512. Configurations of the same
// 2-32-32-2 ReLU MLP -- none, bn, bn_population (the same BN net normalised with the statistics of
// the whole training set: BN without its batch noise), dropout (p after every hidden nonlinearity),
// bn_dropout -- are trained for `epochs` epochs at each batch size B with SGD + momentum and the
// learning rate scaled with the batch, lr(B) = train.lr * B / lr_batch (0.05 at 512; without the
// scaling the plain net's gap would move with B too). Seeds are paired: seed s fixes the data, the
// initial weights, the batch order and the dropout masks for every (configuration, batch size).
//
// The lecture's claim, isolated: noise_effect = gap(bn_population) - gap(bn) at the same B, seed,
// data and batch order is the regularization that BN's noisy mini-batch statistics give (the only
// difference between the two nets is where the statistics come from); dropout_effect =
// gap(none) - gap(dropout) is dropout's, for comparison. bn_population costs n_train / B times a
// mini-batch run (all N examples forwarded and backpropagated per step: 8x at B = 64 with N = 512,
// 32x with N = 2048; a 2048-example sweep then fits 5 seeds under kMaxSweepWork). At B = n_train the
// mini-batch is the whole set: bn_population is trained exactly as bn there (same bits, no extra
// cost) and the point is marked full_batch, not reported as a measured zero.
//
// After training, each net is evaluated (dropout off, BN with its running averages) on
//   train:       the 512 training examples with their labels (30% flipped),
//   test:        5000 fresh test points with exactly round(0.3 x 5000) labels flipped the same way,
//                the "flipped copy" -- the same label distribution as training, so
//   gap = test loss - train loss  measures overfitting (the noisy labels memorised),
//   test_clean:  the same 5000 points with their clean labels (what a user cares about).
//
// Modes (how BN gets its statistics while training; evaluation is the same for all):
//   "batch"       BN over the SGD mini-batch of B (standard BN; the lecture's claim); bn_population
//                 with the whole set's statistics as in "population" below.
//   "ghost"       SGD batch fixed at lr_batch (512 = the whole set: plain gradient descent, no SGD
//                 noise), lr = train.lr, BN statistics over ghost groups of B consecutive examples of
//                 the shuffled batch (model.ghost_batch = B). Isolates BN's noise from SGD's. Configs
//                 without BN, and bn_population (whole-set statistics, no ghost groups), do not
//                 depend on B here: they are trained once per seed and repeated.
//   "population"  the noise-free control: SGD batch B with lr(B) as in "batch", but every BN layer
//                 normalises with the exact statistics of the whole training set under the current
//                 weights (TrainConfig::bn_full_set: all N examples forwarded in training mode, the
//                 batch's loss backpropagated, gradient through the statistics). BN then adds no
//                 noise, so any trend left with B is SGD's. Costs N examples per step (8x at B = 64).
//                 Configs without BN are the same as in "batch"; bn_population is then bn again.
//
// Spec (defaults = P1):
//   {"chapter":"regularization","seed":1,"seeds":5,
//    "data":{"kind":"moons","n_train":512,"n_test":5000,"noise":0.1,"label_flip":0.3,...},
//    "model":{"hidden":[32,32],"activation":"relu","dropout":0.2,"bn_momentum":0.1,"bn_eps":1e-5,
//             "ghost_batch":0},      (dropout = p of the dropout configs, in (0, 0.95]; ghost_batch
//                                     must be 0: the mode sets it)
//    "train":{"optimizer":"sgd","lr":0.05,"momentum":0.9,"weight_decay":0},   (lr at lr_batch;
//                                     no batch_size here: batch_sizes sweeps it)
//    "lr_batch":512,                  the batch the lr is given for; lr(B) = lr * B / lr_batch
//    "epochs":400,                    [1, 10000]
//    "configs":["none","bn","bn_population","dropout"],   any non-empty subset of
//                                     none, bn, bn_population, dropout, bn_dropout, in this order
//    "batch_sizes":[64,128,256,512],  1 to 8 sizes in [2, n_train], increasing
//    "mode":"batch",                  "batch" | "ghost" | "population"
//    "eval_every":50,                 epochs between curve points of the first seed (0 = none)
//    "grid":0}                        0, or n in [2, 128]: decision regions of the first seed's nets
//                                     on an n x n grid over a square covering the training set
// Runs are ordered seed-major (seed, then config, then batch size), so the sweep fills in seed by
// seed and the intervals tighten as it goes.
//
// Result (after the envelope: chapter, spec, progress, complete):
//   "mode", "batch_size": [...], "seeds_done": completed seeds, "runs_done", "runs_total",
//   "current": {"seed","config","batch_size","epoch"} | null,
//   "configs": {name: {"label", "lr": [per batch size], "ghost_batch": [per batch size] (ghost mode),
//       "gap", "train_loss", "test_loss", "test_clean_loss", "train_accuracy", "test_accuracy",
//       "test_clean_accuracy", "memorized": Metric,   memorized = share of the flipped training
//                                     examples the trained net predicts with their flipped label
//       "rise": Paired }}            rise = gap(last batch size) - gap(first), per seed (paired)
//   "noise_effect" (configs has bn and bn_population): Effect of gap(bn_population) - gap(bn),
//   "dropout_effect" (configs has none and dropout):   Effect of gap(none) - gap(dropout),
//     Effect = Metric of the per-seed paired differences + "full_batch": [B >= n_train per batch size];
//       noise_effect has no values at a full-batch size (mean and half_width null, n 0, values []):
//       the two nets are the same there by construction.
//     Metric = {"mean": [per batch size], "half_width": [..], "n": [..], "values": [[per seed] per batch size]}
//       mean and 95% t-interval half width over the seeds finished for that cell (half_width 0 for n = 1;
//       values in seed order)
//     Paired = {"mean", "half_width", "n", "values": [per seed]}  (null until a seed has both ends)
//   "curves" (eval_every > 0; first seed): {name: [{"batch_size", "epoch": [...], "train_loss": [...],
//       "test_loss": [...], "test_clean_loss": [...]} per batch size]}
//   "regions" (grid > 0; first seed): {name: [decision_grid (common.h) | null per batch size]},
//   "train_points" (grid > 0; first seed): {"x0", "x1", "label", "flipped": [0|1]} of all N training
//       points (label = the training label the nets saw; flipped = 1 where it was flipped),
//   "takeaway": e.g. "Regularization from BN's noise (...): 0.038 +- 0.010 at batch 64, ... at batch
//       256; batch 512 is the whole training set: full batch, no noise. Dropout's effect (...): ...
//       BN's train/test loss gap: 0.053 at batch 64, 0.087 at 512 (+0.034 +- 0.012); ...".
// Work unit: one SGD step of one net (a step of B examples; with whole-set statistics N examples).
#pragma once

#include <string>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"
#include "bnlab/experiments/protocols.h"

namespace bnlab {

struct RegularizationSpec {
  SeedFields seeds = [] {
    SeedFields s;
    s.seeds = 5;
    return s;
  }();
  DataConfig data = protocol::p1_data();
  MlpConfig model = [] {
    MlpConfig m;
    m.hidden = {32, 32};
    m.dropout = protocol::kP1Dropout;
    return m;
  }();
  TrainConfig train = [] {
    TrainConfig t;
    t.optimizer.lr = 0.05;
    t.optimizer.momentum = 0.9;
    return t;
  }();
  int lr_batch = 512;
  int epochs = 400;
  std::vector<std::string> configs{"none", "bn", "bn_population", "dropout"};
  std::vector<int> batch_sizes{64, 128, 256, 512};
  std::string mode = "batch";
  int eval_every = 50;
  int grid = 0;  // 0, or n in [2, 128]: decision regions on an n x n grid for the first seed

  // The net of one configuration: batch_norm and dropout set from its name.
  MlpConfig model_for(const std::string& config) const;
  // lr(B) and the SGD batch of a cell, by mode.
  double lr_for(int batch_size) const;
  int sgd_batch_for(int batch_size) const;
};

RegularizationSpec parse_regularization_spec(const json& j);
json to_json(const RegularizationSpec& s);

// Total work of a sweep (multiply-adds, as check_work counts them) may reach kMaxSweepWork, since
// the sweep runs as independent cells (the page's worker pool, `bnlab run --jobs N`) and shows seed
// by seed; each single run (one cell) stays under kMaxWork. 1.2e12 holds 30 seeds of P1 (per seed
// 12 mini-batch runs of ~8e8 and bn_population's 8 + 4 + 2 + 1 = 15 such runs' worth: ~6.6e11), the
// documented limit on seeds, and the page's 5 seeds at n_train 2048 (1.13e12; 6 seeds do not fit),
// while 30 seeds x 800 epochs (1.28e12) are refused.
constexpr double kMaxSweepWork = 1.2e12;

// The sweep as independent cells (api.h cells/merge): one cell per (seed, config, batch size) run,
// seed-major like the sweep. A cell is the same spec with "seed": s, "seeds": 1, "configs": [c],
// "batch_sizes": [b]; cells of seeds after the first have "eval_every": 0 and "grid": 0 (curves and
// regions are the first seed's only), so each cell computes exactly the numbers the sweep computes
// for that run.
json regularization_cells(const RegularizationSpec& s);
// The sweep's result from its cells' final results (null = not done yet), in cells() order.
// Complete: byte-identical to running the sweep. Partial: "complete": false, "progress" = share of
// the work done, metrics over the cells done, "current": null.
json regularization_merge(const RegularizationSpec& s, const json& cell_results);

}  // namespace bnlab
