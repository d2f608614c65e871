// The inference chapter's spec: reading it (defaults, ranges, the cost check) and writing it back.
// The experiment itself is in inference.cpp.
#include "bnlab/experiments/inference.h"

#include <algorithm>
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiments/common.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {
// The chapter's fields but the two-number `point`, declared once (read and written with them).
template <class Io, class S>
void inference_fields(Io& io, S& s) {
  io.integers("checkpoints", s.checkpoints, 1, 8, 1, 100000,
              "training steps at which the test-time arms are compared, strictly increasing; trains to the last");
  io.numbers("ema_decays", s.ema_decays, 1, 8, 0.0, 0.9999,
             "decays of the running averages compared, the weight on the old value (bn_momentum = 1 - decay)");
  io.integers("test_batch_sizes", s.test_batch_sizes, 1, 12, 1, 100000,
              "test batch sizes for BN with the test batch's own statistics, each at most data.n_test");
  io.integer("point_batches", s.point_batches, 1, 64, "random companion batches per test batch size for the single example");
  io.integer("curve_every", s.curve_every, 0, 100000, "steps between points of the accuracy curve (0 = no curve)");
}
}  // namespace

InferenceSpec parse_inference_spec(const json& j) {
  InferenceSpec s;
  SpecReader r(j, "spec");
  s.seeds = read_seed_fields(r, "inference", s.seeds, sweep_max_seeds(10));
  s.data = read_data(r.child("data", kDataDoc), s.data);
  // The net always has BN, and its averaging is set by ema_decays: the fields that would suggest
  // otherwise are refused rather than silently ignored.
  r.refuse("model.batch_norm", "not a field of this chapter (the net always has batch norm)");
  r.refuse("model.bn_momentum", "not a field of this chapter (set spec.ema_decays; bn_momentum = 1 - decay)");
  s.model = read_model(r.child("model", kModelDoc), s.model, s.data, /*with_bn=*/false);
  s.model.batch_norm = true;
  s.train = read_train(r.child("train", kTrainDoc), s.train);
  FieldReader in(r);
  inference_fields(in, s);
  const std::vector<double> p = r.numbers("point", {s.point[0], s.point[1]}, 2, 2, -10.0, 10.0, "the single test example (x0, x1) whose prediction is followed");
  s.point = {p[0], p[1]};
  r.finish();

  s.train.validate(s.data.n_train);
  if (s.train.batch_size < 2)
    throw Error("spec.train.batch_size = 1: must be >= 2 (batch norm needs a batch variance)");
  s.model.validate();
  for (std::size_t i = 1; i < s.checkpoints.size(); ++i)
    if (s.checkpoints[i] <= s.checkpoints[i - 1])
      throw Error("spec.checkpoints = " + json(s.checkpoints).dump() + ": must be strictly increasing");
  for (int m : s.test_batch_sizes)
    if (m > s.data.n_test)
      throw Error("spec.test_batch_sizes = " + json(s.test_batch_sizes).dump() + ": every size must be <= spec.data.n_test (" +
                  std::to_string(s.data.n_test) + ")");
  const double steps = s.checkpoints.back();
  const double D = static_cast<double>(s.ema_decays.size()), S = static_cast<double>(s.test_batch_sizes.size());
  const double curves = s.curve_every > 0 ? steps / s.curve_every + 1.0 : 0.0;
  double point_cost = 0.0;
  for (int m : s.test_batch_sizes) point_cost += static_cast<double>(m) * s.point_batches;
  const double per_checkpoint = (2.0 * s.data.n_train + (D + S + 1.0) * s.data.n_test + point_cost) * eval_cost(s.model);
  const double per_curve = (2.0 * s.data.n_train + D * s.data.n_test) * eval_cost(s.model);
  const double per_seed =
      steps * s.train.batch_size * train_cost(s.model) + static_cast<double>(s.checkpoints.size()) * per_checkpoint;
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the
  // bound (the first cell, which draws the curve, is the largest).
  if (ResearchScale::active())
    check_work(per_seed + curves * per_curve, "inference: one cell (one seed: steps x batch + checkpoint evaluations + curve)");
  else
    check_work(s.seeds.seeds * per_seed + curves * per_curve,
               "inference: seeds x (steps x batch + checkpoint evaluations) + curve");
  return s;
}

json to_json(const InferenceSpec& s) {
  json j;
  write_common_fields(j, "inference", s.seeds, s.data, s.model, false, s.train);
  j["model"].erase("bn_momentum");
  FieldWriter out(j);
  inference_fields(out, s);
  j["point"] = {s.point[0], s.point[1]};
  return j;
}

}  // namespace bnlab
