// The images chapter's spec: reading it (defaults, ranges, the cost check) and writing it back.
// The experiment itself is in images.cpp.
#include "bnlab/experiments/images.h"

#include <string>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {
// The data block's fields (the images' own: no toy data set here).
template <class Io, class S>
void images_data_fields(Io& io, S& s) {
  io.choice("source", s.source, {"fashion-mnist"}, "the image set: Fashion-MNIST, 28 x 28 grey, 10 classes");
  io.integer("n_train", s.n_train, 0, 1000000,
             "the first n provided training images (0 = all: 60000 in the CLI, a subset in the page)");
  io.integer("n_test", s.n_test, 0, 1000000,
             "the first n provided test images (0 = all: 10000 in the CLI, a subset in the page)");
}

// The chapter's top-level fields, declared once: read by parse_images_spec, written by to_json.
template <class Io, class S>
void images_fields(Io& io, S& s) {
  io.integer("steps", s.steps, 1, 100000, "training steps of each net (the two step in lock-step)");
  io.integer("eval_every", s.eval_every, 1, 100000,
             "steps between test-set evaluations (step 0 and the last step are always evaluated)");
  probe_fields(io, s, 10000);
  io.integers("test_batch_sizes", s.test_batch_sizes, 1, 8, 1, 10000,
              "test batch sizes m whose own statistics the trained BN net is evaluated with");
  io.integer("examples", s.examples, 0, 20, "test images shown with both nets' predictions");
}
}  // namespace

ImagesSpec parse_images_spec(const json& j) {
  ImagesSpec s;
  SpecReader r(j, "spec");
  s.seeds = read_seed_fields(r, "images", s.seeds, sweep_max_seeds(10));
  {
    SpecReader d = r.child("data", "the image set, and how many of the provided images are used");
    FieldReader din(d);
    images_data_fields(din, s);
    d.finish();
  }
  // read_model sets inputs and outputs from a toy data block: overwritten with the images' here.
  s.model = read_model(r.child("model", "the MLP (784 pixel inputs, the hidden layers, 10 outputs)"), s.model, DataConfig{},
                       /*with_bn=*/false);
  s.model.inputs = kImageDims;
  s.model.outputs = kImageClasses;
  s.train = read_train(r.child("train", kTrainDoc), s.train);
  FieldReader in(r);
  images_fields(in, s);
  s.net = r.choice("net", s.net, {"both", "plain", "bn"},
                   "the nets trained: both in lock-step (the chapter), or one alone: a cell of the worker pool");
  s.seed_index = r.integer("seed_index", s.seed_index, 0, sweep_max_seeds(10) - 1, "a cell's seed: seed + seed_index (0 unless net names one net)");
  r.finish();
  if (s.seed_index >= s.seeds.seeds)
    throw Error("spec.seed_index = " + std::to_string(s.seed_index) + ": must be < spec.seeds (" +
                std::to_string(s.seeds.seeds) + ")");
  if (!s.is_cell() && s.seed_index != 0)
    throw Error("spec.seed_index = " + std::to_string(s.seed_index) +
                ": must be 0 unless spec.net names one net (\"plain\" or \"bn\": a cell)");

  if (s.train.batch_size < 2)
    throw Error("spec.train.batch_size = 1: must be >= 2 (the BN net needs a batch variance)");
  if (s.n_train > 0) s.train.validate(s.n_train);
  MlpConfig bn = s.model;
  bn.batch_norm = true;
  bn.validate();
  const int width = s.model.hidden.back();
  if (s.probe_unit >= width)
    throw Error("spec.probe_unit = " + std::to_string(s.probe_unit) + ": must be in [0, " + std::to_string(width - 1) +
                "] (a unit of the last hidden layer)");
  if (s.n_test > 0 && s.probe_size > s.n_test)
    throw Error("spec.probe_size = " + std::to_string(s.probe_size) + ": must be <= spec.data.n_test (" +
                std::to_string(s.n_test) + ")");
  // Work bound before the data are known: 0 (all) counts as the full Fashion-MNIST sizes.
  const double n_test = s.n_test > 0 ? s.n_test : 10000.0;
  const double evals = static_cast<double>(s.steps) / s.eval_every + 2.0;
  const double probes = static_cast<double>(s.steps) / s.probe_every + 2.0;
  const double per_net = s.steps * s.train.batch_size * train_cost(bn) + probes * s.probe_size * eval_cost(bn) +
                         (evals + s.test_batch_sizes.size() + 1.0) * n_test * eval_cost(bn);
  // At research scale (research.h) outside schedulers run the cells: each cell (one net of one
  // seed) is held to the bound, the whole sweep is as large as asked.
  if (ResearchScale::active())
    check_work(per_net, "images: one cell (one net of one seed: steps x batch + probes x probe_size + evaluations x n_test)");
  else
    check_work(s.seeds.seeds * 2.0 * per_net,
               "images: seeds x 2 nets x (steps x batch + probes x probe_size + evaluations x n_test)");
  return s;
}

json to_json(const ImagesSpec& s) {
  json j;
  j["chapter"] = "images";
  j["seed"] = s.seeds.seed;
  j["seeds"] = s.seeds.seeds;
  FieldWriter data(j["data"] = json::object());
  images_data_fields(data, s);
  j["model"] = to_json(s.model, /*with_bn=*/false);
  j["train"] = to_json(s.train);
  FieldWriter out(j);
  images_fields(out, s);
  if (s.is_cell()) {
    j["net"] = s.net;
    j["seed_index"] = s.seed_index;
  }
  return j;
}

}  // namespace bnlab
