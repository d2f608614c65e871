// Chapter 2': input covariate shift ("trained on black cats, tested on colored cats").
//
// Two networks, identical but for batch norm, are trained from the same seed on one input
// distribution (two moons, no label noise) and tested on shifted copies of the test set,
//   x' = scale * R(rotate_deg) * diag(sx, sy) * x + (tx, ty)          (dataset.h InputTransform)
// Four ways of evaluating ("arms"), weights never change after training:
//   plain        the net without BN
//   bn_running   BN with its training running averages (the usual test-time rule)
//   bn_batch     BN normalised with each test batch's own statistics (test_batch examples per batch,
//                the shifted test set in a random order, batches drawn from the Probe stream)
//   adabn        AdaBN (Li et al. 2016): every BN layer's mean and variance re-estimated exactly on
//                the whole shifted test set (Mlp::estimate_population), then BnStats::Population
// Why AdaBN undoes some shifts and not others. The first layer has no bias before BN, so its
// pre-activation is z = W x'. For a translation, W (x + t) = W x + W t: the per-unit mean moves by
// (W t)_i and the variance is unchanged, so re-estimated statistics give exactly the unshifted z-hat;
// for an isotropic scale, W (s x) = s W x: mean and standard deviation both scale by s, same
// conclusion (exactly but for BN's eps: s^2 var + eps is not s^2 (var + eps); negligible here). Every later layer then sees its unshifted input, so AdaBN on the shifted set equals
// AdaBN on the unshifted set. An anisotropic scale or a rotation changes W diag(sx,sy) x or W R x by
// a different linear map per unit, which a per-unit mean and variance cannot invert: AdaBN then
// only partly helps (and on rotations usually not at all).
//
// Spec (defaults = DESIGN's protocol: moons without label noise, N = 1024, 2-64-64-2, 2000 steps):
//   {"chapter":"shift","seed":1,"seeds":1,
//    "data":{"kind":"moons","n_train":1024,"n_test":2048,"noise":0.1,"label_flip":0,...},
//    "model":{"hidden":[64,64],"activation":"relu",...},      (no batch_norm: both nets are trained)
//    "train":{"optimizer":"sgd","lr":0.05,"momentum":0.9,"batch_size":64,...},
//    "steps":2000, "test_batch":64, "grid":40, "restore_tolerance":0.03,
//    "shifts":[{"name":"none"}, {"name":"translate","tx":1,"ty":0.5}, {"name":"scale","scale":0.5},
//              {"name":"anisotropic","sy":0.3}, {"name":"rotate","rotate_deg":90}],
//    "sweeps":[{"kind":"translate","direction_deg":90,"values":[0,0.25,...,2]},
//              {"kind":"rotate","values":[0,15,...,180]}]}
//   A shift is {"name": 1-40 characters, unique, + any of tx, ty, scale, sx, sy, rotate_deg}
//   (missing fields = identity). A sweep varies one kind of shift over `values` (1-25 of them):
//   translate: t = v (cos d, sin d) with d = direction_deg (default 90); scale: scale = v; rotate: rotate_deg = v;
//   anisotropic: sy = v (sx = 1).
// Result (after the envelope: chapter, spec, progress, complete):
//   "arms": ["plain","bn_running","bn_batch","adabn"], "arm_labels": {arm: "..."},
//   "training": {"plain"|"bn": {"train_accuracy","test_accuracy","diverged_at"}}   (first seed)
//   "unshifted": {"accuracy": {arm: mean}}      reference: the unshifted test set, every arm
//   "shifts": [{"name", "transform": {tx,ty,scale,sx,sy,rotate_deg},
//               "accuracy": {arm: mean over seeds}, "accuracy_half_width": {arm: 95% t half width},
//               "loss": {arm: mean}, "drop": {arm: unshifted - shifted accuracy, mean},
//               "restored": {arm: bool (drop <= restore_tolerance)}, "seeds_done": n,
//               "points": shifted test points {x0, x1, label} (first seed, up to 400),
//               "frame": {"lo","hi"}  square covering the training and the shifted points,
//               "boundary": {"plain"|"bn_running"|"adabn": decision grid over the frame} (grid > 0)}]
//              (a shift appears once evaluated; values are over the seeds done so far)
//   "sweeps": [{"kind","direction_deg","values":[...], "accuracy": {arm: [per value, mean]},
//               "seeds_done": n}]
//   "points": training points {x0, x1, label} (first seed, up to 400)
//   "seed_runs": [{"seed", "unshifted": {arm: acc}, "shifts": {name: {arm: acc}}}] (one per seed done)
//   "takeaway": one line computed from the numbers above
#pragma once

#include <string>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

struct NamedShift {
  std::string name;
  InputTransform transform;
};

struct ShiftSweep {
  std::string kind = "translate";  // translate | scale | anisotropic | rotate
  // translate only; 90 = straight up, the cleanest decline to chance on moons (measured)
  double direction_deg = 90.0;
  std::vector<double> values;
  InputTransform at(double v) const;  // the transform for one value
};

struct ShiftSpec {
  SeedFields seeds;
  DataConfig data = [] {
    DataConfig d;
    d.kind = "moons";
    d.n_train = 1024;
    d.n_test = 2048;
    d.noise = 0.1;
    d.label_flip = 0.0;
    return d;
  }();
  MlpConfig model = [] {
    MlpConfig m;
    m.hidden = {64, 64};
    return m;
  }();
  TrainConfig train = [] {  // sgd, lr 0.05, momentum 0.9, batch 64
    TrainConfig t;
    t.optimizer.lr = 0.05;
    return t;
  }();
  int steps = 2000;
  int test_batch = 64;
  int grid = 40;  // decision-boundary resolution; 0 = none
  double restore_tolerance = 0.03;
  std::vector<NamedShift> shifts = default_shifts();
  std::vector<ShiftSweep> sweeps = default_sweeps();

  static std::vector<NamedShift> default_shifts();
  static std::vector<ShiftSweep> default_sweeps();
};

ShiftSpec parse_shift_spec(const json& j);
json to_json(const ShiftSpec& s);

}  // namespace bnlab
