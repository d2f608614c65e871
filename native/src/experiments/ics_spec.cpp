// The ICS chapter's spec: reading it (defaults, ranges, the cost check) and writing it back.
// The experiment itself is in ics.cpp.
#include "bnlab/experiments/ics.h"

#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiments/common.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {
// The chapter's fields but `layers` (whose default follows the model's depth), declared once.
template <class Io, class S>
void ics_fields(Io& io, S& s) {
  io.integer("steps", s.steps, 1, 200000, "training steps of each net");
  io.integer("measure_every", s.measure_every, 1, 200000,
             "steps between measurements of the gradient change (step 1 is always measured)");
  io.positive("target_loss", s.target_loss, 0.0, 10.0, "training loss that ends the race window and defines steps to target");
  io.boolean("landscape", s.landscape, "probe the loss along the gradient at multiples of lr (the loss-landscape view)");
  io.numbers("landscape_factors", s.landscape_factors, 1, 8, 1e-6, 100.0, "the step sizes of the landscape probe, as multiples of lr");
}
}  // namespace

IcsSpec parse_ics_spec(const json& j) {
  IcsSpec s;
  SpecReader r(j, "spec");
  read_common_fields(r, "ics", s, sweep_max_seeds(20));
  if (s.model.dropout != 0.0)
    throw Error("spec.model.dropout = " + fixed(s.model.dropout, 2) +
                ": must be 0 here (G and G' must be gradients of the same network on the same batch)");
  FieldReader in(r);
  ics_fields(in, s);
  const int L = static_cast<int>(s.model.hidden.size()) + 1;  // linear layers, output included
  s.layers = r.integers("layers", s.measured_layers(), 1, 17, 1, 17, "linear layers (1-based, the output layer is hidden layers + 1) whose gradient change G - G' is measured; default: all but the first");
  for (std::size_t a = 0; a < s.layers.size(); ++a) {
    if (s.layers[a] > L)
      throw Error("spec.layers = " + json(s.layers).dump() + ": layer " + std::to_string(s.layers[a]) +
                  " does not exist (the net has linear layers 1 to " + std::to_string(L) + ")");
    for (std::size_t b = 0; b < a; ++b)
      if (s.layers[a] == s.layers[b])
        throw Error("spec.layers = " + json(s.layers).dump() + ": layers must be distinct");
  }
  r.finish();
  const MlpConfig bn = check_bn_pair(s.model, s.train, s.data);
  // Per measurement and net: G, one G' per layer, the landscape's probes (forward + backward each).
  const double measurements = static_cast<double>(s.steps) / s.measure_every + 1.0;
  const double passes = 1.0 + s.layers.size() + (s.landscape ? s.landscape_factors.size() : 0.0);
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the bound.
  if (ResearchScale::active())
    check_work(2.0 * (s.steps + measurements * passes) * s.train.batch_size * train_cost(bn),
               "ics: one cell (one seed: 2 nets x (steps + measurements x gradient passes) x batch)");
  else
    check_work(s.seeds.seeds * 2.0 * (s.steps + measurements * passes) * s.train.batch_size * train_cost(bn),
               "ics: seeds x 2 nets x (steps + measurements x gradient passes) x batch");
  return s;
}

json to_json(const IcsSpec& s) {
  json j;
  write_common_fields(j, "ics", s.seeds, s.data, s.model, false, s.train);
  FieldWriter out(j);
  ics_fields(out, s);
  j["layers"] = s.measured_layers();
  return j;
}

}  // namespace bnlab
