// Evidence box: is it really (internal) covariate shift?
//
// Ioffe & Szegedy motivated BN by "internal covariate shift": a layer's input distribution moves
// while the layers before it learn. Santurkar, Tsipras, Ilyas & Madry (NeurIPS 2018, "How Does Batch
// Normalization Help Optimization?") asked what that shift does to the layer that has to adapt to
// it, and measured it through the gradient (their Definition 2.1). For layer i with weights W_i,
// at step t on the mini-batch (x_t, y_t):
//   G  = dL/dW_i at (W_1^t, ..., W_{i-1}^t,     W_i^t, ..., W_L^t)     the gradient layer i gets
//   G' = dL/dW_i at (W_1^t+1, ..., W_{i-1}^t+1, W_i^t, ..., W_L^t)     the same, after the layers
//        before i have taken this step's update (same batch; layer i and above unchanged)
//   ICS_i = ||G - G'||_2, reported with cos(G, G') = <G, G'> / (||G|| ||G'||).
// Large ||G - G'|| / small cosine = the ground under layer i moved a lot. They found that BN does
// not reduce it (often increases it) although BN nets train faster, and that BN instead makes the
// loss smoother along the gradient. The lab runs the same measurement on the same net with and
// without BN, same seed, same batches, in lock-step (the nets of chapter 1).
//
// Layers are numbered from 1 like the paper's W_i: layer 1 = the first linear layer, layer L+1 = the
// output layer. "Layer i" includes its BN (gamma, beta); the update of layers 1..i-1 moves their
// weights, biases, gamma and beta. Layer 1 has no earlier layer, so G' = G exactly (0, cosine 1).
// The measurement is a pure function of (model before the step, model after the step, batch): it
// is exposed below so tests can check it directly.
//
// The loss landscape (optional, "landscape": true; Santurkar et al. section 3.1): from the
// parameters theta before the step, with the full mini-batch gradient g (every parameter), move
// along -g by eta_k = factor_k * lr and record
//   loss_range  = max_k L(theta - eta_k g) - min_k L(theta - eta_k g)   (eta_0 = 0 included)
//   grad_change = max_k ||grad L(theta - eta_k g) - g||_2                ("gradient predictiveness")
// smaller = a smoother, more predictable landscape.
//
// Spec (defaults: the speed chapter's net: spirals, 4 x 64 ReLU, batch 64, SGD momentum 0.9):
//   {"chapter":"ics","seed":1,"seeds":1,
//    "data":{"kind":"spirals","n_train":1024,"n_test":1024,"noise":0.05,...},
//    "model":{"hidden":[64,64,64,64],"activation":"relu",...},  (no batch_norm: both are trained;
//                                                                dropout must be 0)
//    "train":{"optimizer":"sgd","lr":0.01,"momentum":0.9,"batch_size":64,...},
//    "steps":1500, "measure_every":25, "target_loss":0.3, "layers":[2,3,4,5],   (default: every layer but the first)
//    "landscape":true, "landscape_factors":[0.5,1,2,4]}
// Result (after the envelope: chapter, spec, progress, complete):
//   "layers": [2,3,4,5],
//   "nets": {"plain": Net, "bn": Net}, Net = {
//      "label", "step": [measured steps], "batch_loss": [loss of that step's batch, before it],
//      "window_loss": [mean batch loss over the steps since the previous measurement],
//      "steps_to_target": first measured step whose window_loss <= target_loss | null,
//      "per_layer": [{"layer": i, "l2_diff": [...], "cosine": [...], "grad_norm": [||G||...],
//                     "relative": [||G - G'|| / ||G|| ...]}],      (one entry per measured step)
//      "loss_range": [...], "grad_change": [...],                   (empty when landscape is off)
//      "diverged_at": k | null,
//      "summary": {"l2_diff", "cosine", "relative", "loss_range", "grad_change"}  means over
//                 measured steps and layers, layer 1 left out (null when nothing was measured);
//                 here relative = mean ||G - G'|| / mean ||G|| (robust to a dead layer's ||G|| ~ 0),
//      "final": {"train_loss", "train_accuracy"} | null   (after the last step, running stats) }
//   "race": {"until_step": k | null, "plain": summary, "bn": summary}   (first seed) the summaries
//            over the measured steps <= k, k = the first step at which either net's window_loss
//            reached target_loss: the stretch where BN's speed advantage is made
//   "seed_runs": [{"seed", "plain": summary, "bn": summary, "race_until", "race_plain", "race_bn"}]
//   "mean_over_seeds": {"plain": summary, "bn": summary, "race": {"plain", "bn"}}  (finished seeds;
//                      while the first seed runs, its numbers so far)
//   "takeaway": one line computed from the numbers, naming the paper and its contested claim
#pragma once

#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"
#include "bnlab/experiments/protocols.h"

namespace bnlab {

struct IcsSpec {
  SeedFields seeds;
  // Chapter 1's network, data and training, so the evidence is about the same net.
  DataConfig data = protocol::p0_data();
  MlpConfig model = protocol::p0_model();
  TrainConfig train = protocol::p0_train();
  int steps = 1500;
  int measure_every = 25;
  double target_loss = 0.3;  // "steps to loss X", from window_loss
  std::vector<int> layers;  // 1-based; empty in the struct = every layer but the first
  bool landscape = true;
  std::vector<double> landscape_factors{0.5, 1.0, 2.0, 4.0};

  std::vector<int> measured_layers() const;  // layers, or the default for the model
};

IcsSpec parse_ics_spec(const json& j);
json to_json(const IcsSpec& s);

// The gradient shift of layer `layer` (1-based) between `before` and `after` on one batch: G from
// `before`, G' from `before` with layers 1..layer-1 (linear + BN parameters) taken from `after`.
// Both gradients come from a training-mode forward (batch statistics), as in the step itself.
struct GradientShift {
  int layer = 0;
  double l2_diff = 0.0;    // ||G - G'||_2 (Frobenius)
  double cosine = 1.0;     // <G, G'> / (||G|| ||G'||); NaN if either is zero
  double grad_norm = 0.0;  // ||G||
  double grad_norm_after = 0.0;  // ||G'||
};
std::vector<GradientShift> measure_gradient_shift(const Mlp<Real>& before, const Mlp<Real>& after,
                                                  const Mat<Real>& x, const std::vector<int>& y,
                                                  const std::vector<int>& layers);

struct LandscapeProbe {
  std::vector<double> loss;  // L(theta - eta_k g), eta_0 = 0 first
  double loss_range = 0.0;
  double grad_change = 0.0;
};
LandscapeProbe probe_landscape(const Mlp<Real>& model, const Mat<Real>& x, const std::vector<int>& y,
                               const std::vector<double>& step_sizes);

}  // namespace bnlab
