// Chapter 3a: the noise explorer. BN normalises each example with the mean and variance of its
// mini-batch, and those are noisy estimates of the population's: this chapter measures how noisy,
// for batch sizes 16 .. 512, against the sampling theory, next to dropout's noise (which does not
// depend on the batch size at all).
//
// Protocol (DESIGN section 2, "Noise"): one net is built from the seed, optionally trained for
// train_steps steps, then frozen. For every batch size m, R = `batches` mini-batches are drawn the
// way the trainer draws them (shuffle the N training examples every epoch with a Probe stream, cut
// the permutation into floor(N/m) consecutive disjoint batches) and pushed through the net in
// training mode, so BN in the layers below uses that batch's statistics exactly as in a training
// step. For each unit i of the probed pre-activation z[layer] and each batch b:
//   mu_b = mean of z over the batch,  s2_b = unbiased variance over the batch
// and over the whole training set (one forward of all N in training mode = the population):
//   mu, sigma^2 (over N), S^2 = N sigma^2 / (N - 1) (what s2_b estimates without bias), kurtosis k.
// Measured noise, per unit, then averaged over units (units with sigma ~ 0 are skipped):
//   mean_noise = std_b(mu_b) / sigma          var_noise = std_b(s2_b) / S^2
// Theory for m drawn without replacement from N (stats.h), with the unit's MEASURED kurtosis:
//   mean_noise = sqrt((N - m) / (m (N - 1)))                    (1/sqrt(m) for i.i.d. batches)
//   var_noise  = sqrt(2/(m-1) + (k - 3)/m) * sqrt((N - m)/(N - 1))
// m = N is the full batch: every "batch" is the whole set, the noise is exactly zero; it is not
// sampled, only labelled (full_batch = true), so a log-log plot leaves it out.
//
// Three comparisons, measured on the same batches:
//  * example_noise: what one example feels. zhat_b = (z - mu_b)/sqrt(var_b + eps) (BN's own
//    normalisation, biased variance) minus zhat = (z - mu)/sqrt(sigma^2 + eps); the rms over
//    examples, units and batches, in units of sigma. First order: sqrt(mean^2 + var^2/4) noise.
//  * dropout (p = dropout_p, drawn by a Dropout layer on the probed layer's activation a[layer],
//    where the lab's dropout sits): relative_std = std of (masked a)/a over kept-or-dropped active
//    entries (theory sqrt(p/(1-p)), whatever m), and example_noise = rms of (masked a - a)/sigma_a.
//  * deeper: the same mean/var noise one layer further up (z[layer+1]). In a BN net the layer
//    below has pinned each batch's moments of z[layer] to (beta, gamma), so the batch mean of
//    z[layer+1] is far steadier than 1/sqrt(m) (DESIGN's footnote). Null for the last hidden layer.
//
// Spec (defaults: P1's data-generating process and net, i.e. the regularization chapter's, with a
// population of 60,000 so that every batch size up to 512 is a real mini-batch):
//   {"chapter":"noise","seed":1,"seeds":1,
//    "data":{"kind":"moons","n_train":60000,"n_test":5000,"noise":0.1,"label_flip":0.3,...},
//                                (P1's moons as a population of N = n_train; test set unused)
//    "model":{"hidden":[32,32],"activation":"relu","batch_norm":true,"dropout":0,...},  (dropout must be 0)
//    "train":{"optimizer":"sgd","lr":0.05,"momentum":0.9,"batch_size":64,...},  (only if train_steps > 0)
//    "train_steps":0,            frozen at initialization by default; > 0 trains first
//    "layer":1,                  1-based hidden layer probed (the lecture's z[1]); 1 .. depth
//    "batch_sizes":[16,32,64,128,256,512],  each in [2, n_train], increasing
//    "batches":1000,             R per batch size, in [20, 20000] (std of a std: ~1/sqrt(2R))
//    "dropout_p":0.2}            the dropout compared, in (0, 0.95]
// Result (after the envelope: chapter, spec, progress, complete):
//   "frozen": {"train_steps", "description"},  "layer", "units" (counted), "population" (N),
//   "kurtosis": {"mean","min","max"} over the counted units (3 = Gaussian); with seeds > 1 the
//               mean over seeds of each seed's mean and the min/max of the seeds' min/max (each
//               seed weighs the same, whatever its units counted, so per-seed cells merge exactly),
//   "batch_size": [...], "full_batch": [bool...], "batches": [R drawn per m; 0 for the full batch],
//   "mean_noise", "mean_noise_theory", "mean_noise_iid" (1/sqrt(m)), "mean_noise_unit_sd",
//   "var_noise", "var_noise_theory" (measured kurtosis), "var_noise_gaussian" (k = 3),
//   "example_noise", "example_noise_theory"          (all arrays over batch_size; null = not yet)
//   "dropout": {"p", "relative_std": [...], "relative_std_theory", "example_noise": [...]},
//   "deeper": {"layer", "batch_norm", "mean_noise", "mean_noise_theory", "var_noise",
//              "var_noise_theory"} | null,
//   "sample": {"unit", "batch_size": [...], "standardized_means": [[(mu_b - mu)/sigma ...] per m]}
//             (the first unit counted, up to 200 batches per m, for histograms; first seed),
//   "takeaway": "...",
//   "seed_runs" (seeds > 1): [{"seed", "mean_noise": [...], "var_noise": [...]}]
// With seeds > 1 every array is the mean over the seeds done so far. At research scale (research.h)
// a multi-seed spec splits into one cell per seed, merged into these exact bytes.
// Work unit: one probe batch (or one training step before freezing).
#pragma once

#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"
#include "bnlab/experiments/protocols.h"

namespace bnlab {

constexpr int kNoisePopulation = 60000;

struct NoiseSpec {
  SeedFields seeds;
  // Protocol P1's data (chapter 3b) drawn as a realistic population: N = 60,000 examples, so m =
  // 512 is a real mini-batch (noise 1/sqrt(512) = 0.044 sigma) as in the lecture; n_train is the
  // control (2 .. 100,000). At N = 512 (P1's own set) a batch of 512 is the full batch.
  DataConfig data = [] {
    DataConfig d = protocol::p1_data();
    d.n_train = kNoisePopulation;
    return d;
  }();
  MlpConfig model = [] {
    MlpConfig m;
    m.hidden = {32, 32};
    m.batch_norm = true;
    return m;
  }();
  TrainConfig train = [] {
    TrainConfig t;
    t.batch_size = 64;
    t.optimizer.lr = 0.05;
    return t;
  }();
  int train_steps = 0;
  int layer = 1;  // 1-based
  std::vector<int> batch_sizes{16, 32, 64, 128, 256, 512};
  int batches = 1000;
  double dropout_p = protocol::kP1Dropout;  // P1's dropout
};

NoiseSpec parse_noise_spec(const json& j);
json to_json(const NoiseSpec& s);

}  // namespace bnlab
