#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/experiments/ics.h"
#include "bnlab/loss.h"
#include "chapter_support.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

json run_ics(const json& spec) { return run_chapter("ics", spec, 500); }

// A 4 x 32 net on spirals after `warmup` steps, and the model before and after one more step.
struct StepPair {
  Dataset data;
  std::unique_ptr<Trainer<Real>> trainer;
  Mlp<Real> before, after;
  Mat<Real> x;
  std::vector<int> y;
  StepPair(bool bn, double lr, int warmup)
      : data(make_train_set(spirals(), 5)),
        trainer(std::make_unique<Trainer<Real>>(model(bn), train(lr), data, 5)),
        before(trainer->model()),
        after(trainer->model()) {
    for (int i = 0; i < warmup; ++i) trainer->step();
    before = trainer->model();
    trainer->step();
    after = trainer->model();
    gather(data, trainer->batch_indices(), 0, trainer->batch_indices().size(), x, y);
  }
  static DataConfig spirals() {
    DataConfig d;
    d.kind = "spirals";
    d.n_train = 512;
    d.noise = 0.05;
    return d;
  }
  static MlpConfig model(bool bn) {
    MlpConfig m;
    m.hidden = {32, 32, 32, 32};
    m.batch_norm = bn;
    return m;
  }
  static TrainConfig train(double lr) {
    TrainConfig t;
    t.optimizer.lr = lr;
    return t;
  }
};

}  // namespace

TEST_CASE("Layer 1 has no earlier layer, so its G' is exactly G", "[ics]") {
  for (bool bn : {false, true}) {
    StepPair p(bn, 0.05, 20);
    const std::vector<GradientShift> g = measure_gradient_shift(p.before, p.after, p.x, p.y, {1});
    INFO("bn " << bn);
    REQUIRE(g.size() == 1);
    CHECK(g[0].layer == 1);
    CHECK(g[0].l2_diff == 0.0);
    CHECK(g[0].grad_norm > 0.0);
    CHECK_THAT(g[0].cosine, WithinAbs(1.0, 1e-12));
  }
}

TEST_CASE("When the earlier layers do not move, G' equals G for every layer", "[ics]") {
  for (bool bn : {false, true}) {
    StepPair p(bn, 0.05, 20);
    // The same model "after": nothing moved at all.
    const std::vector<GradientShift> same = measure_gradient_shift(p.before, p.before, p.x, p.y, {1, 2, 3, 4, 5});
    for (const GradientShift& g : same) {
      INFO("bn " << bn << " layer " << g.layer);
      CHECK(g.l2_diff == 0.0);
      CHECK_THAT(g.grad_norm_after, WithinRel(g.grad_norm, 1e-12));
    }
  }
}

// The first step with lr 1e-7 moves the weights by ~1e-8 (|g| ~ 0.1), so G' may differ from G
// only to first order in lr: measured ||G - G'|| / ||G|| = 2e-8..4e-7 (plain) and 6e-7..1.1e-6 (BN)
// over layers 2-5. With lr 0.05 the same step changes it by 0.036..0.27 (plain) and 0.50..0.73
// (BN). The thresholds 1e-4 and 1e-2 sit between, with a margin of >= 3.6x on each side.
TEST_CASE("G' approaches G as the learning rate goes to zero", "[ics]") {
  for (bool bn : {false, true}) {
    StepPair tiny(bn, 1e-7, 0);
    StepPair normal(bn, 0.05, 0);
    const std::vector<int> layers{2, 3, 4, 5};
    const std::vector<GradientShift> a = measure_gradient_shift(tiny.before, tiny.after, tiny.x, tiny.y, layers);
    const std::vector<GradientShift> b = measure_gradient_shift(normal.before, normal.after, normal.x, normal.y, layers);
    for (std::size_t l = 0; l < layers.size(); ++l) {
      INFO("bn " << bn << " layer " << layers[l] << ": relative " << a[l].l2_diff / a[l].grad_norm << " vs "
                 << b[l].l2_diff / b[l].grad_norm);
      CHECK(a[l].l2_diff / a[l].grad_norm < 1e-4);
      CHECK(a[l].cosine > 0.999999);
      CHECK(b[l].l2_diff / b[l].grad_norm > 1e-2);
    }
  }
}

TEST_CASE("G is the gradient the step used and G' the gradient after the layers below moved", "[ics]") {
  for (bool bn : {false, true}) {
    StepPair p(bn, 0.05, 30);
    const int L = p.before.depth() + 1;  // the output layer
    const std::vector<GradientShift> g = measure_gradient_shift(p.before, p.after, p.x, p.y, {2, L});
    // The trainer's model keeps the gradients of its last backward, taken at the "before" weights.
    INFO("bn " << bn);
    CHECK_THAT(g[0].grad_norm, WithinRel(p.trainer->model().linear(1).dW.cast<double>().norm(), 1e-6));
    CHECK_THAT(g[1].grad_norm, WithinRel(p.trainer->model().linear(L - 1).dW.cast<double>().norm(), 1e-6));
    // The output layer's G', built the other way round: the new model with the old output layer.
    Mlp<Real> m = p.after;
    m.linear(L - 1).W = p.before.linear(L - 1).W;
    m.linear(L - 1).b = p.before.linear(L - 1).b;
    Mat<Real> dlogits;
    softmax_cross_entropy(m.forward(p.x, Mode::Train, BnStats::Running), p.y, &dlogits);
    m.backward(dlogits);
    CHECK_THAT(g[1].grad_norm_after, WithinRel(m.linear(L - 1).dW.cast<double>().norm(), 1e-6));
    CHECK(g[1].l2_diff > 0.0);
  }
}

TEST_CASE("A small step along the negative gradient lowers the batch loss", "[ics]") {
  StepPair p(true, 0.05, 10);
  const LandscapeProbe q = probe_landscape(p.before, p.x, p.y, {1e-3, 0.05});
  REQUIRE(q.loss.size() == 3);
  CHECK(q.loss[1] < q.loss[0]);
  CHECK(q.grad_change > 0.0);
  CHECK_THAT(q.loss_range, WithinAbs(*std::max_element(q.loss.begin(), q.loss.end()) -
                                         *std::min_element(q.loss.begin(), q.loss.end()), 1e-15));
}

TEST_CASE("Bad ics specs are rejected with one line naming the field", "[ics]") {
  const std::vector<RefusedCase> cases = {
      {{{"chapter", "shift"}}, "spec.chapter"},
      {{{"train", {{"lr", 50}}}}, "spec.train.lr"},
      {{{"model", {{"dropout", 0.2}}}}, "spec.model.dropout"},
      {{{"layers", {7}}}, "spec.layers"},
      {{{"layers", {2, 2}}}, "spec.layers"},
      {{{"layers", json::array()}}, "spec.layers"},
      {{{"measure_every", 0}}, "spec.measure_every"},
      {{{"landscape_factors", json::array()}}, "spec.landscape_factors"},
      {{{"landscape", "yes"}}, "spec.landscape"},
      {{{"target_loss", 0}}, "spec.target_loss"},
      {{{"unknown", 1}}, "spec.unknown"},
      {{{"train", {{"batch_size", 1}}}}, "spec.train.batch_size"},
      {{{"steps", 200000}, {"measure_every", 1}, {"model", {{"hidden", {1024, 1024, 1024, 1024}}}}}, "ics:"},
  };
  check_refusals("ics", cases);
}

TEST_CASE("The ics preset measures every layer but the first of chapter 1's net", "[ics]") {
  const json preset = find_chapter("ics").preset();
  CHECK(preset["model"]["hidden"] == json({64, 64, 64, 64}));
  CHECK(preset["layers"] == json({2, 3, 4, 5}));
  CHECK(find_chapter("ics").normalize(preset) == preset);
  // A different depth gets its own default layers.
  const json n = find_chapter("ics").normalize({{"chapter", "ics"}, {"model", {{"hidden", {8, 8}}}}});
  CHECK(n["layers"] == json({2, 3}));
}

TEST_CASE("The gradient shift is measured for both nets, finite, and reproducible", "[ics]") {
  const json spec = {{"chapter", "ics"},   {"steps", 120},         {"measure_every", 20},
                     {"seeds", 2},         {"layers", {1, 3, 5}}, {"landscape_factors", {1, 4}}};
  std::unique_ptr<Experiment> e = find_chapter("ics").make(spec);
  double last = 0.0;
  while (!e->done()) {
    e->advance(37);
    CHECK(e->progress() >= last);
    last = e->progress();
  }
  CHECK(last == 1.0);
  const json r = e->result();
  CHECK(r == run_ics(spec));
  CHECK(r["layers"] == json({1, 3, 5}));
  for (const char* net : {"plain", "bn"}) {
    const json& n = r["nets"][net];
    INFO(net);
    const std::size_t measured = 7;  // steps 1, 20, 40, ..., 120
    REQUIRE(n["step"].size() == measured);
    REQUIRE(n["per_layer"].size() == 3);
    for (const json& l : n["per_layer"])
      for (const char* key : {"l2_diff", "cosine", "grad_norm", "relative"}) {
        REQUIRE(l[key].size() == measured);
        for (const json& v : l[key]) CHECK(v.is_number());
      }
    // Layer 1 is the built-in control: zero shift at every measured step.
    for (const json& v : n["per_layer"][0]["l2_diff"]) CHECK(v.get<double>() == 0.0);
    for (const json& v : n["per_layer"][1]["l2_diff"]) CHECK(v.get<double>() > 0.0);
    CHECK(n["loss_range"].size() == measured);
    CHECK(n["summary"]["l2_diff"].is_number());
    CHECK(n["summary"]["cosine"].is_number());
    CHECK(n["final"]["train_loss"].is_number());
  }
  CHECK(r["seed_runs"].size() == 2);
  CHECK(r["seed_runs"][0]["bn"] != r["seed_runs"][1]["bn"]);
  CHECK(r["mean_over_seeds"]["bn"]["relative"].is_number());
  // BN reaches the target loss within these 120 steps: the race window exists and is summarized.
  REQUIRE(r["race"]["until_step"].is_number());
  CHECK(r["race"]["until_step"].get<long>() <= 120);
  CHECK(r["race"]["bn"]["l2_diff"].is_number());
  CHECK(r["mean_over_seeds"]["race"]["plain"]["cosine"].is_number());
  CHECK_THAT(r["takeaway"].get<std::string>(), Contains("Santurkar"));
  CHECK(r.dump().find("NaN") == std::string::npos);
}

TEST_CASE("Measuring does not disturb training: the same steps give the same losses", "[ics]") {
  const json base = {{"chapter", "ics"}, {"steps", 80}, {"landscape", false}, {"layers", {3}}};
  json dense = base, sparse = base;
  dense["measure_every"] = 10;
  sparse["measure_every"] = 40;
  const json a = run_ics(dense), b = run_ics(sparse);
  for (const char* net : {"plain", "bn"}) {
    const json &sa = a["nets"][net]["step"], &sb = b["nets"][net]["step"];
    REQUIRE(sb == json({1, 40, 80}));
    for (std::size_t j = 0; j < sb.size(); ++j)
      for (std::size_t i = 0; i < sa.size(); ++i)
        if (sa[i] == sb[j]) {
          CHECK(a["nets"][net]["batch_loss"][i] == b["nets"][net]["batch_loss"][j]);
          CHECK(a["nets"][net]["per_layer"][0]["l2_diff"][i] == b["nets"][net]["per_layer"][0]["l2_diff"][j]);
        }
    CHECK(a["nets"][net]["final"] == b["nets"][net]["final"]);
  }
}

// The chapter's headline on its default net (docs/chapters/ics.md). Measured over seeds 1-5: until
// the first net reaches mean batch loss 0.3 (steps 75-125, BN first every time), BN's ||G - G'|| is
// 4.3-6.7x the plain net's, its relative change larger and its cosine lower, in every seed. The
// test asks for 2x and the two orderings on seed 1 (the trajectory does not depend on `steps`).
TEST_CASE("While BN pulls ahead on chapter 1's net, its gradient shift is larger, not smaller", "[ics]") {
  const json r = run_ics({{"steps", 300}, {"landscape", false}});
  const json& race = r["race"];
  INFO(race.dump());
  REQUIRE(race["until_step"].is_number());
  CHECK(race["until_step"].get<long>() <= 150);
  CHECK(r["nets"]["bn"]["steps_to_target"] == race["until_step"]);
  CHECK(race["bn"]["l2_diff"].get<double>() > 2.0 * race["plain"]["l2_diff"].get<double>());
  CHECK(race["bn"]["relative"].get<double>() > race["plain"]["relative"].get<double>());
  CHECK(race["bn"]["cosine"].get<double>() < race["plain"]["cosine"].get<double>());
  CHECK_THAT(r["takeaway"].get<std::string>(), Contains("BN's shift was larger"));
}
