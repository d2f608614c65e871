// Chapter 2: later layers see a steadier distribution ("internal covariate shift", the lecture's
// version). Two networks, identical but for batch norm, built from the same seed (same data, same
// initial weights, same mini-batches in the same order), step in lock-step. The Trainer's observer
// hands over each step's cached activations; from them we record:
//
// (a) The lecture's plot: two hidden units of layer `layer` (1-based like the lecture's z[l]; units
//     are 0-based row indices) over the current mini-batch of B examples, as three clouds:
//       plain_z     z[l] of the net without BN (its input to the nonlinearity)
//       bn_z        z[l] of the BN net before BN (W a[l-1], no bias)
//       bn_z_tilde  z~[l] = gamma zhat + beta, the BN net's input to the nonlinearity
//     Per recorded step: the cloud's mean and covariance over the batch, with divisor B (the
//     moments BN itself uses), so the page can draw a fading trail of the mean and a 1-sigma
//     ellipse (eigenvectors of [[var0, cov01], [cov01, var1]], half-axes sqrt(eigenvalues)).
//     Algebra says what bn_z_tilde must show: mean_B(zhat) = 0 and mean_B(zhat^2) = var/(var+eps),
//     so mean(z~) = beta and std(z~) = |gamma| sqrt(var/(var+eps)) ~ |gamma|: the cloud sits at
//     (beta0, beta1) with spread (gamma0, gamma1) whatever the earlier layers did. The gamma/beta
//     recorded for a step are the ones its forward pass used (the values before its update).
//     Points of the whole batch are kept only for "frames": step 1 (the initial weights), every
//     frame_every steps, and the last step.
//
// (b) Ioffe & Szegedy 2015, Fig. 1(b, c): the 15th, 50th and 85th percentiles of one unit's input
//     to the nonlinearity (z for the plain net, z~ for the BN net) in hidden layer probe_layer
//     (0 = the last hidden layer), over a fixed probe set (the first probe_size test points), every
//     probe_every steps from step 0. BN's z~ on the probe set uses the probe set's own statistics
//     (probe_stats "batch": what a training step sees, without the mini-batch noise) or the
//     running averages ("running": the inference net).
//
// Drift measures (computed from the records, for the takeaway and the tests):
//   mean drift of a cloud: the recorded steps are cut into 20 consecutive windows (W points each,
//     W = max(1, floor(n / 20))); the window-averaged mean m(k) (averaging removes most of the
//     mini-batch sampling noise) gives drift = max_k |m(k) - m(0)| (Euclidean over the 2 units);
//     "mean_in_sd" divides it by the cloud's typical spread, the RMS over windows of
//     sqrt((std0^2 + std1^2) / 2) (scale-free: a net whose units are twice as large does not
//     drift "twice as much"; the time average, not the first window, because an unnormalised
//     unit may start almost constant).
//   std drift of a cloud: max_k of the mean over the two units of |std_u(k) / std_u(0) - 1|.
//   band drift of a unit's percentiles: mean over q in {15, 50, 85} of max_t |p_q(t) - p_q(0)|,
//     divided by the unit's band width p85 - p15 averaged over the probes. Reported for the probe
//     unit and as the mean over all units of the probe layer (less dependent on one unit).
//
// Spec (defaults: spirals, 3 x 64 ReLU, batch 64, SGD lr 0.01 momentum 0.9, 2000 steps; ReLU, not
// Ioffe & Szegedy's sigmoid, because a plain sigmoid net does not learn spirals in 2000 steps
// (test accuracy 55% at lr 0.3) and a net that does not learn has no distribution to shift):
//   {"chapter":"distribution","seed":1,"seeds":1,
//    "data":{...}, "model":{"hidden":[64,64,64],"activation":"relu",...} (no batch_norm: both run),
//    "train":{...}, "steps":2000,
//    "layer":2, "units":[0,1], "trail_every":1, "frame_every":100,
//    "probe_layer":0, "probe_unit":0, "probe_size":512, "probe_every":10, "probe_stats":"batch"}
// Result (after the envelope: chapter, spec, progress, complete):
//   "layer", "units", "probe_layer" (resolved, 1-based), "probe_unit", "window",
//   "trails": {"plain_z": Trail, "bn_z": Trail, "bn_z_tilde": Trail},
//       Trail = {"step", "mean0", "mean1", "var0", "var1", "cov01": [...] (every trail_every steps)}
//   "bn_params": {"step", "gamma0", "gamma1", "beta0", "beta1": [...]}   (same steps as the trails)
//   "batch_loss": {"step", "plain", "bn": [...]}                          (same steps)
//   "frames": [{"step", "label":[B], "plain_z":[[B],[B]], "bn_z":[[B],[B]], "bn_z_tilde":[[B],[B]]}]
//       (row 0 = units[0], row 1 = units[1]; a cloud is null once its net diverged; a net's
//       trail, loss and percentile series stop where it diverged)
//   "percentiles": {"plain": P, "bn": P}, P = {"step", "p15", "p50", "p85": [...]}
//   "drift": {"plain_z": D, "bn_z": D, "bn_z_tilde": D}, D = {"mean", "mean_in_sd", "std"}
//   "band_drift": {"plain", "bn"}, "band_drift_all_units": {"plain", "bn"}
//   "test_accuracy": {"plain", "bn"}  (end of training; BN with running averages)
//   "diverged_at": {"plain", "bn"} (step or null), "takeaway": "..."
//   "seed_runs" (seeds > 1): [{"seed", "plain_mean_drift_sd", "bn_z_mean_drift_sd",
//       "bn_z_tilde_mean_drift", "bn_z_tilde_mean_drift_sd", "plain_band_drift", "bn_band_drift", "plain_band_drift_all",
//       "bn_band_drift_all"}]   (everything else is of the first seed)
#pragma once

#include <string>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"
#include "bnlab/experiments/protocols.h"

namespace bnlab {

struct DistributionSpec {
  SeedFields seeds;
  DataConfig data = protocol::p0_data();  // chapter 1's data and training; a 3-layer net
  MlpConfig model = [] {
    MlpConfig m;
    m.hidden = {64, 64, 64};
    return m;
  }();
  TrainConfig train = protocol::p0_train();
  int steps = 2000;
  int layer = 2;                 // 1-based hidden layer of the two-unit clouds (the lecture's z[2])
  std::vector<int> units{0, 1};  // two distinct 0-based units of that layer
  int trail_every = 1;           // record mean/covariance every k steps
  int frame_every = 100;         // keep the batch's points every k steps (0 = only the last step)
  int probe_layer = 0;           // 1-based; 0 = the last hidden layer
  int probe_unit = 0;
  int probe_size = 512;          // the first probe_size test points
  int probe_every = 10;
  std::string probe_stats = "batch";  // "batch" | "running": BN statistics for the probe
};

DistributionSpec parse_distribution_spec(const json& j);
json to_json(const DistributionSpec& s);

}  // namespace bnlab
