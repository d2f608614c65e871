#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/loss.h"
#include "bnlab/trainer.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

DataConfig moons(int n) {
  DataConfig d;
  d.kind = "moons";
  d.n_train = n;
  d.n_test = 200;
  d.noise = 0.2;
  return d;
}

MlpConfig small_net(bool bn, double dropout = 0.0) {
  MlpConfig m;
  m.hidden = {16, 16};
  m.batch_norm = bn;
  m.dropout = dropout;
  return m;
}

TrainConfig sgd(int batch, double lr = 0.05) {
  TrainConfig t;
  t.batch_size = batch;
  t.optimizer.lr = lr;
  return t;
}

std::vector<double> curve(Trainer<float>& t, int steps) {
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) losses.push_back(t.step().loss);
  return losses;
}

}  // namespace

TEST_CASE("The same seed gives bitwise identical training curves", "[trainer]") {
  const bool bn = GENERATE(false, true);
  CAPTURE(bn);
  const Dataset data = make_train_set(moons(256), 3);
  Trainer<float> a(small_net(bn, 0.2), sgd(32), data, 17), b(small_net(bn, 0.2), sgd(32), data, 17);
  const std::vector<double> ca = curve(a, 40), cb = curve(b, 40);
  CHECK(ca == cb);
  CHECK(a.model().linear(2).W == b.model().linear(2).W);
  SECTION("and a different seed gives a different curve") {
    Trainer<float> c(small_net(bn, 0.2), sgd(32), data, 18);
    const std::vector<double> cc = curve(c, 40);
    CHECK(cc != ca);
    CHECK(c.model().linear(0).W != a.model().linear(0).W);
  }
}

TEST_CASE("A 2-16-16-2 net memorizes 8 points, with and without BN", "[trainer]") {
  const bool bn = GENERATE(false, true);
  CAPTURE(bn);
  Dataset data;
  Rng rng(21);
  data.x = random_normal(2, 8, rng);
  data.y = {0, 1, 1, 0, 1, 0, 0, 1};
  data.classes = 2;
  TrainConfig t = sgd(8, 0.1);  // full batch, momentum 0.9
  Trainer<float> trainer(small_net(bn), t, data, 5);
  StepReport last;
  for (int s = 0; s < 400; ++s) last = trainer.step();
  CHECK_FALSE(trainer.diverged());
  CHECK(last.accuracy == 1.0);
  CHECK(last.loss < 0.05);
  CHECK(trainer.evaluate(data, BnStats::Running).accuracy == 1.0);
  if (bn) CHECK(trainer.evaluate(data, BnStats::Batch, 8).accuracy == 1.0);
}

TEST_CASE("Each epoch cuts a fresh permutation into floor(N/B) disjoint batches of exactly B", "[trainer]") {
  const Dataset data = make_train_set(moons(100), 4);
  Trainer<double> trainer(small_net(false), sgd(30), data, 9);
  REQUIRE(trainer.steps_per_epoch() == 3);
  std::vector<std::vector<int>> epoch_batches;
  std::vector<int> first_epoch;
  for (int s = 0; s < 6; ++s) {
    const StepReport r = trainer.step();
    CHECK(r.step == s + 1);
    CHECK(r.epoch == s / 3);
    REQUIRE(trainer.batch_indices().size() == 30u);
    epoch_batches.push_back(trainer.batch_indices());
  }
  for (int e = 0; e < 2; ++e) {
    std::set<int> seen;
    for (int k = 0; k < 3; ++k)
      for (int i : epoch_batches[static_cast<std::size_t>(3 * e + k)]) {
        CHECK(i >= 0);
        CHECK(i < 100);
        CHECK(seen.insert(i).second);  // no example twice in an epoch
      }
    CHECK(seen.size() == 90u);
  }
  CHECK(epoch_batches[0] != epoch_batches[3]);  // reshuffled
}

TEST_CASE("Trainers with the same seed, with and without BN, see the same batches in lock-step", "[trainer]") {
  const Dataset data = make_train_set(moons(128), 5);
  Trainer<float> plain(small_net(false), sgd(16), data, 33), bn(small_net(true, 0.1), sgd(16), data, 33);
  for (int s = 0; s < 20; ++s) {
    plain.step();
    bn.step();
    REQUIRE(plain.batch_indices() == bn.batch_indices());
  }
}

TEST_CASE("The observer sees every step after the update, with that step's activations", "[trainer]") {
  const Dataset data = make_train_set(moons(64), 6);
  Trainer<double> trainer(small_net(true), sgd(16), data, 7);
  std::vector<long> steps;
  trainer.observer = [&](const StepReport& r, const Mlp<double>& m) {
    steps.push_back(r.step);
    CHECK(m.pre_activation(0).cols() == 16);
    CHECK(m.batch_norm(0)->num_batches_tracked == r.step);
  };
  for (int s = 0; s < 5; ++s) trainer.step();
  CHECK(steps == std::vector<long>{1, 2, 3, 4, 5});
}

TEST_CASE("The reported step loss is the batch loss before the update", "[trainer]") {
  const Dataset data = make_train_set(moons(64), 8);
  Trainer<double> trainer(small_net(false), sgd(16), data, 11);
  Mlp<double> before = trainer.model();
  const StepReport r = trainer.step();
  Mat<double> x;
  std::vector<int> y;
  gather(data, trainer.batch_indices(), 0, 16, x, y);
  const double expected = softmax_cross_entropy(before.forward(x, Mode::Train), y, static_cast<MatD*>(nullptr));
  CHECK(r.loss == expected);
  CHECK(before.linear(0).W != trainer.model().linear(0).W);
}

TEST_CASE("evaluate equals a direct computation and chunks do not change it", "[trainer]") {
  const Dataset data = make_train_set(moons(300), 10);
  Trainer<double> trainer(small_net(true), sgd(32), data, 12);
  for (int s = 0; s < 30; ++s) trainer.step();
  Mat<double> x = data.x;
  Mlp<double> copy = trainer.model();
  const MatD& logits = copy.forward(x, Mode::Eval, BnStats::Running);
  const double loss = softmax_cross_entropy(logits, data.y, static_cast<MatD*>(nullptr));
  const double acc = accuracy(logits, data.y);
  const EvalReport whole = trainer.evaluate(data, BnStats::Running);
  CHECK_THAT(whole.loss, WithinRel(loss, 1e-14));
  CHECK(whole.accuracy == acc);
  const EvalReport chunked = trainer.evaluate(data, BnStats::Running, 64);
  CHECK_THAT(chunked.loss, WithinRel(loss, 1e-12));
  CHECK_THAT(chunked.accuracy, WithinRel(acc, 1e-12));
  SECTION("batch statistics depend on the evaluated batch size") {
    const EvalReport b1 = trainer.evaluate(data, BnStats::Batch, 1);
    const EvalReport b300 = trainer.evaluate(data, BnStats::Batch, 300);
    // A batch of one normalises every unit to beta: every example gets the same logits.
    const double one_class = static_cast<double>(std::count(data.y.begin(), data.y.end(), 0)) / 300.0;
    CHECK((b1.accuracy == one_class || b1.accuracy == 1.0 - one_class));
    CHECK(b300.accuracy > b1.accuracy);
  }
  SECTION("an evaluation order permutes the chunks, not the result for fixed statistics") {
    std::vector<int> order(300);
    for (int i = 0; i < 300; ++i) order[static_cast<std::size_t>(i)] = 299 - i;
    CHECK_THAT(trainer.evaluate(data, BnStats::Running, 64, &order).loss, WithinRel(loss, 1e-12));
  }
}

TEST_CASE("A blown-up run is marked diverged, reports finite numbers and stops", "[trainer]") {
  const Dataset data = make_train_set(moons(256), 13);
  TrainConfig t = sgd(32, 10.0);
  Trainer<float> trainer(small_net(false), t, data, 14);
  StepReport r;
  for (int s = 0; s < 200 && !trainer.diverged(); ++s) {
    r = trainer.step();
    REQUIRE(std::isfinite(r.loss));
  }
  REQUIRE(trainer.diverged());
  CHECK(r.diverged);
  CHECK(trainer.diverged_at() == r.step);
  const long at = trainer.steps();
  const StepReport after = trainer.step();
  CHECK(after.diverged);
  CHECK(trainer.steps() == at);
  CHECK(std::isfinite(trainer.evaluate(data, BnStats::Running).loss));
}

TEST_CASE("Impossible training settings are refused with the field's name", "[trainer][errors]") {
  const Dataset data = make_train_set(moons(50), 15);
  CHECK_THROWS_WITH(Trainer<float>(small_net(false), sgd(51), data, 1), Contains("train.batch_size"));
  CHECK_THROWS_WITH(Trainer<float>(small_net(false), sgd(0), data, 1), Contains("train.batch_size"));
  CHECK_THROWS_WITH(Trainer<float>(small_net(true), sgd(1), data, 1), Contains("train.batch_size"));
  MlpConfig wrong = small_net(false);
  wrong.inputs = 3;
  CHECK_THROWS_WITH(Trainer<float>(wrong, sgd(10), data, 1), Contains("model.inputs"));
  wrong = small_net(false);
  wrong.outputs = 3;
  CHECK_THROWS_WITH(Trainer<float>(wrong, sgd(10), data, 1), Contains("model.outputs"));
  TrainConfig bad = sgd(10, 0.0);
  CHECK_THROWS_WITH(Trainer<float>(small_net(false), bad, data, 1), Contains("train.lr"));
  SECTION("batch size = N is full-batch training") {
    Trainer<float> full(small_net(false), sgd(50), data, 1);
    full.step();
    CHECK(full.batch_indices().size() == 50u);
    CHECK(full.steps_per_epoch() == 1);
  }
}
