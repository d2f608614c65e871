#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/experiments/inference.h"
#include "chapter_support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

json run_spec(const json& spec) { return run_chapter("inference", spec, 500); }

// The default preset (one 2-64-64-2 BN net, 2000 steps, checkpoints 200 and 2000), run once.
const json& preset_result() {
  static const json r = run_spec(find_chapter("inference").preset());
  return r;
}

const json& running_for(const json& checkpoint, double decay) {
  for (const json& r : checkpoint["running"])
    if (r["decay"].get<double>() == decay) return r;
  FAIL("no running average with decay " << decay);
  return checkpoint;
}

std::string error_of(const json& spec) {
  try {
    find_chapter("inference").normalize(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("A test batch of one gives chance accuracy: one output for every input", "[inference][preset]") {
  const json& r = preset_result();
  REQUIRE(r["checkpoints"].size() == 2);
  const double n = r["spec"]["data"]["n_test"];
  for (const json& c : r["checkpoints"]) {
    const json& b1 = c["batch"][0];
    REQUIRE(b1["size"] == 1);
    // Chance on a balanced 2-class test set, within 3 binomial standard deviations.
    CHECK_THAT(b1["accuracy"].get<double>(), WithinAbs(0.5, 3.0 * std::sqrt(0.25 / n)));
    CHECK_THAT(c["batch1"]["max_difference"].get<double>(), WithinAbs(0.0, 1e-12));
    const json& p = c["point"]["batch"][0];
    CHECK(p["min"] == p["max"]);  // the point's companions do not exist: the same output every time
  }
}

TEST_CASE("Running averages approach the population statistics after enough steps", "[inference][preset]") {
  const json& r = preset_result();
  const json& early = r["checkpoints"][0];
  const json& late = r["checkpoints"][1];
  REQUIRE(early["step"] == 200);
  REQUIRE(late["step"] == 2000);
  // Measured (seeds 1-5): |decay 0.9 - population| at 2000 steps <= 0.24 points.
  const double pop = late["population"]["accuracy"];
  CHECK_THAT(running_for(late, 0.9)["accuracy"].get<double>(), WithinAbs(pop, 0.01));
  CHECK_THAT(running_for(late, 0.99)["accuracy"].get<double>(), WithinAbs(pop, 0.01));
  // The slow averages close in on the population statistics as training goes on (seed 1:
  // decay 0.99 mean gap 0.12 -> 0.014 std, decay 0.999 0.38 -> 0.10 std).
  for (double d : {0.99, 0.999})
    CHECK(running_for(late, d)["mean_gap"].get<double>() < 0.5 * running_for(early, d)["mean_gap"].get<double>());
  // The curve starts from PyTorch's initial averages (0, 1), far from the population.
  const json& curve = r["curve"];
  REQUIRE(curve["step"][0] == 0);
  const std::size_t last = curve["step"].size() - 1;
  CHECK(curve["mean_gap"][2][last].get<double>() < 0.2 * curve["mean_gap"][2][0].get<double>());
}

TEST_CASE("A slow running average (decay 0.999) after 200 steps lags behind decay 0.9", "[inference][preset]") {
  const json& early = preset_result()["checkpoints"][0];
  // Measured (seeds 1-5): decay 0.9 beats 0.999 by 24 to 47 points at 200 steps.
  CHECK(running_for(early, 0.9)["accuracy"].get<double>() > running_for(early, 0.999)["accuracy"].get<double>() + 0.1);
  CHECK(running_for(early, 0.999)["mean_gap"].get<double>() > 3.0 * running_for(early, 0.9)["mean_gap"].get<double>());
  CHECK(preset_result()["takeaway"].get<std::string>().find("Decay 0.999 after 200 steps") != std::string::npos);
}

TEST_CASE("Averages tracked beside training equal a net trained with that BN momentum", "[inference][preset]") {
  const json spec = find_chapter("inference").preset();
  const json& cp = preset_result()["checkpoints"][0];
  const InferenceSpec s = parse_inference_spec(spec);
  MlpConfig m = s.model;
  m.bn_momentum = 0.1;  // PyTorch's momentum 0.1 = decay 0.9
  const Dataset train = make_train_set(s.data, s.seeds.seed), test = make_test_set(s.data, s.seeds.seed);
  Trainer<Real> t(m, s.train, train, s.seeds.seed);
  for (int i = 0; i < 200; ++i) t.step();
  const EvalReport e = t.evaluate(test, BnStats::Running);
  const json& r = running_for(cp, 0.9);
  CHECK_THAT(r["bn_momentum"].get<double>(), WithinAbs(0.1, 1e-12));
  CHECK_THAT(r["accuracy"].get<double>(), WithinAbs(e.accuracy, 1.0 / 2048));
  CHECK_THAT(r["loss"].get<double>(), WithinRel(e.loss, 1e-4));
}

TEST_CASE("The same inference spec and seed give the same result", "[inference]") {
  json s = find_chapter("inference").preset();
  s["checkpoints"] = json::array({60, 120});
  s["curve_every"] = 40;
  s["test_batch_sizes"] = json::array({1, 8, 64});
  s["point_batches"] = 4;
  s["seeds"] = 2;
  const json a = run_spec(s), b = run_spec(s);
  CHECK(a.dump() == b.dump());
  REQUIRE(a["summary"].size() == 2);
  CHECK(a["summary"][1]["running"].size() == 5);
  s["seed"] = 3;
  CHECK(run_spec(s)["checkpoints"].dump() != a["checkpoints"].dump());
}

TEST_CASE("A bad inference spec is rejected with a one-line message naming the field", "[inference]") {
  json s = find_chapter("inference").preset();
  auto bad = [&](const char* key, const json& value) {
    json t = s;
    t[key] = value;
    return error_of(t);
  };
  CHECK(bad("ema_decays", json::array({0.9, 1.5})).rfind("spec.ema_decays = [0.9,1.5]: must be a list of", 0) == 0);
  CHECK(bad("checkpoints", json::array({200, 100})) == "spec.checkpoints = [200,100]: must be strictly increasing");
  CHECK(bad("test_batch_sizes", json::array({1, 4096})).rfind("spec.test_batch_sizes = [1,4096]", 0) == 0);
  CHECK(bad("point", json::array({1, 2, 3})).rfind("spec.point = [1,2,3]", 0) == 0);
  json t = s;
  t["model"]["bn_momentum"] = 0.1;
  const std::string m = error_of(t);
  CHECK(m.rfind("spec.model.bn_momentum: not a field of this chapter", 0) == 0);
  CHECK(m.find('\n') == std::string::npos);
  t = s;
  t["train"]["batch_size"] = 1;
  CHECK(error_of(t).rfind("spec.train.batch_size = 1", 0) == 0);
  CHECK(find_chapter("inference").normalize(find_chapter("inference").normalize(s)) == find_chapter("inference").normalize(s));
}
