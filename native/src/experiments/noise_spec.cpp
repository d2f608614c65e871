// The noise chapter's spec: reading it (defaults, ranges, the cost check) and writing it back.
// The experiment itself is in noise.cpp.
#include "bnlab/experiments/noise.h"

#include <string>

#include "bnlab/error.h"
#include "bnlab/research.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

namespace {
// The chapter's own fields, declared once: read by parse_noise_spec, written by to_json.
template <class Io, class S>
void noise_fields(Io& io, S& s) {
  io.integer("train_steps", s.train_steps, 0, 100000, "training steps before the net is frozen (0 = probed at its initial weights)");
  io.integer("layer", s.layer, 1, 16, "the hidden layer probed, 1-based (1 = the lecture's z[1]); at most the depth");
  io.integers("batch_sizes", s.batch_sizes, 1, 16, 2, 100000,
              "the batch sizes m compared, strictly increasing, each <= data.n_train (m = N: full batch)");
  io.integer("batches", s.batches, 20, 20000, "mini-batches R drawn per batch size (std of a std ~ 1/sqrt(2R))");
  io.positive("dropout_p", s.dropout_p, 0.0, 0.95, "drop probability of the dropout compared on the probed layer's activation");
}
}  // namespace

NoiseSpec parse_noise_spec(const json& j) {
  NoiseSpec s;
  SpecReader r(j, "spec");
  read_common_fields(r, "noise", s, sweep_max_seeds(20), /*with_bn=*/true);  // train is used only if train_steps > 0
  FieldReader in(r);
  noise_fields(in, s);
  r.finish();
  if (s.model.dropout != 0.0)
    throw Error("spec.model.dropout = " + fixed(s.model.dropout, 2) +
                ": must be 0 here (the probed net has no dropout; the comparison uses spec.dropout_p)");
  const int depth = static_cast<int>(s.model.hidden.size());
  if (s.layer > depth)
    throw Error("spec.layer = " + std::to_string(s.layer) + ": must be in [1, " + std::to_string(depth) +
                "] (the number of hidden layers)");
  for (std::size_t k = 0; k < s.batch_sizes.size(); ++k) {
    const int m = s.batch_sizes[k];
    if (m > s.data.n_train)
      throw Error("spec.batch_sizes[" + std::to_string(k) + "] = " + std::to_string(m) +
                  ": must be <= data.n_train (" + std::to_string(s.data.n_train) + ")");
    if (k > 0 && m <= s.batch_sizes[k - 1])
      throw Error("spec.batch_sizes[" + std::to_string(k) + "] = " + std::to_string(m) +
                  ": the list must be strictly increasing");
  }
  if (s.train_steps > 0) {
    s.train.validate(s.data.n_train);
    if (s.model.batch_norm && s.train.batch_size < 2)
      throw Error("spec.train.batch_size = 1: must be >= 2 with batch norm");
  }
  double probe = 0.0;
  for (int m : s.batch_sizes)
    if (m < s.data.n_train) probe += static_cast<double>(s.batches) * m;
  const double per_seed = static_cast<double>(s.train_steps) * s.train.batch_size * train_cost(s.model) +
                          (probe + s.data.n_train) * eval_cost(s.model);
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the bound.
  if (ResearchScale::active())
    check_work(per_seed, "noise: one cell (one seed: training steps x batch + probe batches x batch size)");
  else
    check_work(s.seeds.seeds * per_seed, "noise: seeds x (training steps x batch + probe batches x batch size)");
  return s;
}

json to_json(const NoiseSpec& s) {
  json j;
  write_common_fields(j, "noise", s.seeds, s.data, s.model, true, s.train);
  FieldWriter out(j);
  noise_fields(out, s);
  return j;
}

}  // namespace bnlab
