// Real images: Ioffe & Szegedy (2015) Figure 1 on Fashion-MNIST (MNIST itself is not packaged).
//
// Their setup: 784-100-100-100-10, sigmoid, weights N(0, 0.1^2), mini-batches of 60, plain SGD
// (no momentum), learning rate 0.1 here (a control). Two nets, identical but for BN, are built from
// the same seed (same initial weights, same mini-batches in the same order) and step in lock-step.
// The data are the host's (Session::provide_data(kFashionMnist, bundle), see idx.h): the CLI gives
// all 60000 / 10000 images, the page a subset; n_train / n_test take the first n of what was
// provided (0 = all), so a CLI run with the page's sizes computes the page's numbers. Seeds change
// the initial weights and the batch order, never the data.
//
// Recorded:
//  (a) test accuracy of both nets every eval_every steps from step 0 (BN with running averages).
//  (b) Figure 1(b, c): the 15th, 50th and 85th percentiles of one last-hidden-layer unit's input to
//      the sigmoid (z for the plain net, z~ = gamma zhat + beta for the BN net) over a fixed probe
//      set (the first probe_size test images), every probe_every steps from step 0; BN's z~ on the
//      probe set uses the probe set's own statistics (probe_stats "batch": what a training step
//      sees, without the mini-batch noise) or the running averages ("running"). The unit shown is
//      probe_unit (default 0): the initial weights are i.i.d., so a fixed index is a unit drawn at
//      random, not one picked for its curve; beside it the drift averaged over all 100 units, and
//      the shown unit's rank among them.
//      Band drift (the measure of chapter 2): mean over q in {15, 50, 85} of max_t |p_q(t) - p_q(0)|,
//      divided by the unit's band width p85 - p15 averaged over the probes.
//  (c) Chapter 4 on real images, at the end of training: the BN net's test accuracy with running
//      averages against the statistics of test batches of m examples (test_batch_sizes; the test
//      set in a fixed random order cut into consecutive batches). With m = 1 every BN output is
//      beta whatever the image, so the net gives one answer for every input: chance (10%).
//  (d) `examples` test images (the first of each class in turn, then the next of each, ...) with
//      both nets' predicted class and its probability at every evaluation, and the images
//      themselves (base64 of the rows x cols bytes, row-major) for the page to draw.
//
// Spec (defaults = the protocol above):
//   {"chapter":"images","seed":1,"seeds":1,
//    "data":{"source":"fashion-mnist","n_train":0,"n_test":0},
//    "model":{"hidden":[100,100,100],"activation":"sigmoid","init_std":0.1,"dropout":0,
//             "bn_momentum":0.1,"bn_eps":1e-05,"ghost_batch":0}   (no batch_norm: both run),
//    "train":{"optimizer":"sgd","lr":0.1,"momentum":0,"weight_decay":0,"batch_size":60},
//    "steps":1000,"eval_every":100,"probe_unit":0,"probe_size":256,"probe_every":20,
//    "probe_stats":"batch","test_batch_sizes":[1,2,8,60],"examples":10}
// Result (after the envelope: chapter, spec, progress, complete):
//   "data": {"source", "n_train", "n_test", "rows", "cols"} (the sizes used), "classes": [names],
//   "probe_layer" (1-based), "probe_unit",
//   "nets": {"plain": N, "bn": N}, N = {"eval_step": [...], "test_accuracy": [...],
//       "percentiles": {"step", "p15", "p50", "p85": [...]}, "band_drift" (the shown unit),
//       "band_drift_all_units", "unit_rank" (1 = the unit that drifted most of the 100),
//       "final_accuracy" (null until the end), "diverged_at" (step or null)}
//   "examples": {"index": [...], "label": [...], "pixels": ["base64", ...],
//       "plain": {"class": [...], "probability": [...]}, "bn": {...}}   (latest evaluation)
//   "test_time": null until the end, then {"running": accuracy, "chance": 1 / classes,
//       "batch": [{"size", "accuracy"}], "batch1_one_answer": true if every image of the test set
//       got the same class with batches of one}
//   "takeaway": "...",
//   "seed_runs" (seeds > 1): [{"seed", "plain_accuracy", "bn_accuracy", "plain_drift_all",
//       "bn_drift_all", "bn_batch1_accuracy"}]   (everything else is of the first seed)
// Cells (images_cells below): "net": "plain" | "bn" trains that net alone on the seed
// seed + "seed_index" (the nets share nothing but the data, so each is the same net as in the
// pair); the default "both" is the chapter and is not written back.
#pragma once

#include <string>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

// The images are 28 x 28 (inputs of the net) in 10 classes (its outputs).
constexpr int kImageDims = 28 * 28;
constexpr int kImageClasses = 10;

struct ImagesSpec {
  SeedFields seeds;
  std::string source = "fashion-mnist";
  int n_train = 0;  // the first n provided training images; 0 = all
  int n_test = 0;   // the first n provided test images; 0 = all
  MlpConfig model = [] {
    MlpConfig m;
    m.inputs = kImageDims;
    m.hidden = {100, 100, 100};
    m.outputs = kImageClasses;
    m.activation = ActivationKind::Sigmoid;
    m.init_std = 0.1;
    return m;
  }();
  TrainConfig train = [] {
    TrainConfig t;
    t.batch_size = 60;
    t.optimizer.lr = 0.1;
    t.optimizer.momentum = 0.0;
    return t;
  }();
  int steps = 1000;
  int eval_every = 100;
  int probe_unit = 0;
  int probe_size = 256;
  int probe_every = 20;
  std::string probe_stats = "batch";
  std::vector<int> test_batch_sizes{1, 2, 8, 60};
  int examples = 10;
  // A cell (images_cells): one net of one seed. "both" (the chapter) is not written back.
  std::string net = "both";  // "both", "plain" or "bn"
  int seed_index = 0;        // a cell's seed is seed + seed_index (< seeds)
  bool is_cell() const { return net != "both"; }
};

ImagesSpec parse_images_spec(const json& j);
json to_json(const ImagesSpec& s);

// The run as independent cells (api.h cells/merge), so the page's pool of workers trains the two
// nets side by side: one cell per (seed, net), seed-major, plain before bn. A cell spec is the
// chapter's spec plus "net" and "seed_index"; its result has the chapter's shape with its one net
// (nets, examples' predictions; the BN cell also test_time), no seed_runs. merge(spec, results)
// rebuilds the chapter's result from them: with every cell complete the same bytes as running the
// spec in one session; with cells null or not yet complete a partial result (complete false,
// progress the mean of the cells' progress) drawn from what the cells have so far.
json images_cells(const ImagesSpec& s);
json images_merge(const ImagesSpec& s, const json& cell_results);

}  // namespace bnlab
