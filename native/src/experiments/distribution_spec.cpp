// The distribution chapter's spec: reading it (defaults, ranges, the cost check) and writing it back.
// The experiment itself is in distribution.cpp.
#include "bnlab/experiments/distribution.h"

#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {

std::string list_json(const std::vector<int>& v) { return json(v).dump(); }

int width_of(const MlpConfig& m, int layer_1based) { return m.hidden[static_cast<std::size_t>(layer_1based - 1)]; }

// The chapter's fields, declared once: read by parse_distribution_spec, written by to_json.
template <class Io, class S>
void distribution_fields(Io& io, S& s) {
  io.integer("steps", s.steps, 1, 100000, "training steps of each net (the two step in lock-step)");
  io.integer("layer", s.layer, 1, 16, "the hidden layer (1-based, the lecture's z[l]) whose two units are traced");
  io.integers("units", s.units, 2, 2, 0, 1023, "the two units (0-based) of that layer drawn as a cloud");
  io.integer("trail_every", s.trail_every, 1, 100000,
             "steps between recorded cloud moments, batch losses and gamma/beta (and the last step)");
  io.integer("frame_every", s.frame_every, 0, 100000,
             "steps between kept frames of the batch's points (0 = only step 1 and the last step)");
  io.integer("probe_layer", s.probe_layer, 0, 16, "the hidden layer (1-based) of the percentile probe; 0 = the last hidden layer");
  probe_fields(io, s, 100000);
}

}  // namespace

DistributionSpec parse_distribution_spec(const json& j) {
  DistributionSpec s;
  SpecReader r(j, "spec");
  read_common_fields(r, "distribution", s, sweep_max_seeds(10));
  FieldReader in(r);
  distribution_fields(in, s);
  r.finish();

  const MlpConfig bn = check_bn_pair(s.model, s.train, s.data);
  const int depth = static_cast<int>(s.model.hidden.size());
  if (s.layer > depth)
    throw Error("spec.layer = " + std::to_string(s.layer) + ": must be in [1, " + std::to_string(depth) +
                "] (a hidden layer of spec.model.hidden)");
  const int w = width_of(s.model, s.layer);
  if (s.units[0] == s.units[1] || s.units[0] >= w || s.units[1] >= w)
    throw Error("spec.units = " + list_json(s.units) + ": must be two distinct units in [0, " +
                std::to_string(w - 1) + "] of layer " + std::to_string(s.layer));
  if (s.probe_layer > depth)
    throw Error("spec.probe_layer = " + std::to_string(s.probe_layer) + ": must be 0 (the last hidden layer) or in [1, " +
                std::to_string(depth) + "]");
  const int probe_layer = s.probe_layer == 0 ? depth : s.probe_layer;
  const int pw = width_of(s.model, probe_layer);
  if (s.probe_unit >= pw)
    throw Error("spec.probe_unit = " + std::to_string(s.probe_unit) + ": must be in [0, " + std::to_string(pw - 1) +
                "] (a unit of hidden layer " + std::to_string(probe_layer) + ")");
  if (s.probe_size > s.data.n_test)
    throw Error("spec.probe_size = " + std::to_string(s.probe_size) + ": must be <= spec.data.n_test (" +
                std::to_string(s.data.n_test) + ")");
  const double frames = (s.frame_every > 0 ? s.steps / s.frame_every : 0) + 2.0;
  if (frames * s.train.batch_size > 200000)
    throw Error("spec.frame_every = " + std::to_string(s.frame_every) +
                ": keeps more than 200000 points (frames x batch); keep frames less often");
  const double probes = static_cast<double>(s.steps) / s.probe_every + 2.0;
  const double per_net = s.steps * s.train.batch_size * train_cost(bn) + probes * s.probe_size * eval_cost(bn) +
                         s.data.n_test * eval_cost(bn);
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the bound.
  if (ResearchScale::active())
    check_work(2.0 * per_net, "distribution: one cell (one seed: 2 nets x (steps x batch + probes x probe_size))");
  else
    check_work(s.seeds.seeds * 2.0 * per_net, "distribution: seeds x 2 nets x (steps x batch + probes x probe_size)");
  return s;
}

json to_json(const DistributionSpec& s) {
  json j;
  write_common_fields(j, "distribution", s.seeds, s.data, s.model, false, s.train);
  FieldWriter out(j);
  distribution_fields(out, s);
  return j;
}

}  // namespace bnlab
