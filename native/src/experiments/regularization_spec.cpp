// The regularization chapter's spec: reading it (defaults, ranges, the cost checks of one run and
// of the whole sweep), writing it back, and what a configuration or batch size of it means (net,
// lr, SGD batch). The sweep itself is in regularization.cpp.
#include "bnlab/experiments/regularization.h"

#include <string>

#include "bnlab/error.h"
#include "bnlab/experiments/common.h"
#include "bnlab/research.h"
#include "regularization_parts.h"

namespace bnlab {

namespace regularization_parts {

bool uses_bn(const std::string& config) { return config == "bn" || config == "bn_population" || config == "bn_dropout"; }
bool uses_dropout(const std::string& config) { return config == "dropout" || config == "bn_dropout"; }

}  // namespace regularization_parts

using namespace regularization_parts;

MlpConfig RegularizationSpec::model_for(const std::string& config) const {
  MlpConfig m = model;
  m.batch_norm = uses_bn(config);
  m.dropout = uses_dropout(config) ? model.dropout : 0.0;
  m.ghost_batch = 0;
  return m;
}

double RegularizationSpec::lr_for(int batch_size) const {
  // Ghost mode trains every cell with the same SGD batch, so with the same lr.
  const int b = mode == "ghost" ? lr_batch : batch_size;
  return train.optimizer.lr * static_cast<double>(b) / static_cast<double>(lr_batch);
}

int RegularizationSpec::sgd_batch_for(int batch_size) const { return mode == "ghost" ? lr_batch : batch_size; }

namespace {
// The chapter's own fields, declared once: read by parse_regularization_spec, written by to_json.
template <class Io, class S>
void regularization_fields(Io& io, S& s) {
  io.integer("lr_batch", s.lr_batch, 2, 100000,
             "the batch train.lr is given for: lr(B) = train.lr * B / lr_batch (the SGD batch in ghost mode)");
  io.integer("epochs", s.epochs, 1, 10000, "training epochs of every run (passes over data.n_train)");
  io.choices("configs", s.configs, {"none", "bn", "bn_population", "dropout", "bn_dropout"},
             "the nets compared, in this order: none, bn, bn_population (BN with the whole training set's "
             "statistics: no batch noise), dropout (p = model.dropout), bn_dropout");
  io.integers("batch_sizes", s.batch_sizes, 1, 8, 2, 100000, "the batch sizes B swept, strictly increasing, each <= data.n_train");
  io.choice("mode", s.mode, {"batch", "ghost", "population"},
            "where BN's statistics come from: the SGD batch, ghost groups of B, or the whole training set");
  io.integer("eval_every", s.eval_every, 0, 10000, "epochs between the first seed's curve points (0 = no curves)");
  io.integer("grid", s.grid, 0, 128, "decision regions of the first seed's nets on a grid x grid raster (0 = none, else >= 2)");
}
}  // namespace

RegularizationSpec parse_regularization_spec(const json& j) {
  RegularizationSpec s;
  SpecReader r(j, "spec");
  // batch_sizes sets the batch size; the common train block must not take one.
  r.refuse("train.batch_size", "not used by this chapter (spec.batch_sizes sets the batch sizes)");
  read_common_fields(r, "regularization", s, sweep_max_seeds(30));  // each configuration sets batch_norm itself
  FieldReader in(r);
  regularization_fields(in, s);
  r.finish();
  if (s.grid == 1) throw Error("spec.grid = 1: must be 0 (no regions) or in [2, 128]");

  if (s.model.ghost_batch != 0)
    throw Error("spec.model.ghost_batch = " + std::to_string(s.model.ghost_batch) +
                ": must be 0 here (spec.mode = \"ghost\" sets the ghost groups)");
  bool any_dropout = false;
  for (const std::string& c : s.configs) any_dropout = any_dropout || uses_dropout(c);
  if (any_dropout && s.model.dropout <= 0.0)
    throw Error("spec.model.dropout = 0: must be in (0, 0.95] when configs include dropout or bn_dropout");
  const int N = s.data.n_train;
  for (std::size_t k = 0; k < s.batch_sizes.size(); ++k) {
    const int b = s.batch_sizes[k];
    const std::string f = "spec.batch_sizes[" + std::to_string(k) + "] = " + std::to_string(b);
    if (b > N) throw Error(f + ": must be <= data.n_train (" + std::to_string(N) + ")");
    if (k > 0 && b <= s.batch_sizes[k - 1]) throw Error(f + ": the list must be strictly increasing");
    if (s.mode == "ghost" && b > s.lr_batch)
      throw Error(f + ": must be <= spec.lr_batch (" + std::to_string(s.lr_batch) +
                  ", the SGD batch in ghost mode)");
  }
  if (s.mode == "ghost" && s.lr_batch > N)
    throw Error("spec.lr_batch = " + std::to_string(s.lr_batch) + ": must be <= data.n_train (" + std::to_string(N) +
                ") in ghost mode (it is the SGD batch)");
  double work = 0.0, largest = 0.0;
  std::size_t largest_c = 0, largest_b = 0;
  for (std::size_t ci = 0; ci < s.configs.size(); ++ci) {
    const MlpConfig m = s.model_for(s.configs[ci]);
    m.validate();
    for (std::size_t bi = 0; bi < s.batch_sizes.size(); ++bi) {
      const int b = s.batch_sizes[bi];
      TrainConfig t = s.train;
      t.batch_size = s.sgd_batch_for(b);
      t.optimizer.lr = s.lr_for(b);
      if (!(t.optimizer.lr <= 10.0))
        throw Error("spec.train.lr = " + fixed(s.train.optimizer.lr, 4) + ": gives lr " + fixed(t.optimizer.lr, 4) +
                    " at batch " + std::to_string(b) + ", must be <= 10");
      t.validate(N);
      const double steps = static_cast<double>(s.epochs) * (N / t.batch_size);
      const double per_step = full_set_stats(s, s.configs[ci], b) ? N : t.batch_size;
      const double run = steps * per_step * train_cost(m) + 3.0 * (N + 2.0 * s.data.n_test) * eval_cost(m);
      work += run;
      if (run > largest) {
        largest = run;
        largest_c = ci;
        largest_b = bi;
      }
    }
  }
  // Each run is one cell (a unit of the pool or of --jobs): it gets the common bound; the sweep as a
  // whole the larger one (documented: 30 seeds of P1), except at research scale (research.h), where
  // outside schedulers run the cells and only each cell's bound holds.
  check_work(largest, "regularization: one run (" + s.configs[largest_c] + " at batch " +
                          std::to_string(s.batch_sizes[largest_b]) + ": epochs x N)");
  const double total = s.seeds.seeds * work;
  if (total > kMaxSweepWork && !ResearchScale::active()) {
    // message_text prints a double as std::ostream would (%g), without iostreams in the module.
    throw Error("regularization: seeds x configs x batch sizes x epochs x N = " + message_text(total) +
                " multiply-adds: more than the sweep limit of " + message_text(kMaxSweepWork) +
                " (30 seeds of the default protocol fit; use fewer seeds, epochs or runs; bn_population costs "
                "n_train / B times a mini-batch run)");
  }
  return s;
}

json to_json(const RegularizationSpec& s) {
  json j;
  write_common_fields(j, "regularization", s.seeds, s.data, s.model, false, s.train);
  j["train"].erase("batch_size");  // the sweep sets it
  FieldWriter out(j);
  regularization_fields(out, s);
  return j;
}

}  // namespace bnlab
