// Chapter 1: normalizing hidden units speeds up learning (and tolerates larger learning rates).
//
// Two networks, identical but for batch norm, built from the same seed: same data, same initial
// weights (BN's net just has no biases before BN), the same mini-batches in the same order. They
// step in lock-step; every eval_every steps both are evaluated on the whole training and test sets
// (BN with its running averages). A net whose loss blows up is reported as diverged at step k.
//
// Spec (defaults = DESIGN's protocol: spirals, 4 x 64 ReLU, batch 64, SGD momentum 0.9):
//   {"chapter":"speed","seed":1,"seeds":1,
//    "data":{"kind":"spirals","n_train":1024,"n_test":1024,"noise":0.05,...},
//    "model":{"hidden":[64,64,64,64],"activation":"relu",...},   (no batch_norm: both are trained)
//    "train":{"optimizer":"sgd","lr":0.01,"momentum":0.9,"batch_size":64,...},
//    "steps":1500,"target_loss":0.3,"eval_every":25,"grid":48}
// Result (after the envelope: chapter, spec, progress, complete):
//   "nets": {"plain": Net, "bn": Net}, Net = {
//      "label", "step":[...], "batch_loss":[...], "batch_accuracy":[...],      (every step)
//      "eval_step":[...], "train_loss", "train_accuracy", "test_loss", "test_accuracy": [...],
//      "steps_to_target": k | null, "diverged_at": k | null, "boundary": decision grid }
//   "points": training points {x0, x1, label} (up to 600), "target_loss", "takeaway": "..."
//   "seed_runs" (seeds > 1): [{"seed", "plain_steps_to_target", "bn_steps_to_target",
//                              "plain_diverged_at", "bn_diverged_at"}]  (curves are of the first seed)
#pragma once

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"
#include "bnlab/experiments/protocols.h"

namespace bnlab {

struct SpeedSpec {
  SeedFields seeds;
  DataConfig data = protocol::p0_data();
  MlpConfig model = protocol::p0_model();
  TrainConfig train = protocol::p0_train();
  int steps = 1500;
  double target_loss = 0.3;
  int eval_every = 25;
  int grid = 48;  // decision-boundary resolution; 0 = none
};

SpeedSpec parse_speed_spec(const json& j);
json to_json(const SpeedSpec& s);

}  // namespace bnlab
