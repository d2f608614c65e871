// Chapter 3b's isolated claim: the same BN net with noisy mini-batch statistics ("bn") against
// noise-free whole-training-set statistics ("bn_population"), paired by seed, data and batch order.
// noise_effect = gap(bn_population) - gap(bn); dropout_effect = gap(none) - gap(dropout).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/experiment.h"
#include "bnlab/stats.h"
#include "chapter_support.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;

namespace {

json run_regularization(json spec) { return run_chapter("regularization", std::move(spec), 2000); }

std::vector<double> gaps(const json& r, const std::string& config, std::size_t b) {
  return r["configs"][config]["gap"]["values"][b].get<std::vector<double>>();
}

// A short three-arm sweep (plus dropout): cheap enough for the fast suite.
const json kArms = {{"chapter", "regularization"}, {"seed", 7},           {"seeds", 2},
                    {"epochs", 5},                {"batch_sizes", {64, 512}}, {"eval_every", 0},
                    {"configs", {"none", "bn", "bn_population", "dropout"}}};

}  // namespace

TEST_CASE("The default sweep holds the three arms and dropout; the noise-free arm costs N per step",
          "[regularization]") {
  const json preset = find_chapter("regularization").preset();
  CHECK(preset["configs"] == json({"none", "bn", "bn_population", "dropout"}));
  CHECK(preset["mode"] == "batch");
  CHECK(preset["batch_sizes"] == json({64, 128, 256, 512}));
}

TEST_CASE("noise_effect and dropout_effect are the per-seed paired differences of the sweep's gaps",
          "[regularization]") {
  const json r = run_regularization(kArms);
  REQUIRE(r.contains("noise_effect"));
  REQUIRE(r.contains("dropout_effect"));
  const json& noise = r["noise_effect"];
  const json& drop = r["dropout_effect"];
  CHECK(noise["full_batch"] == json({false, true}));
  CHECK(drop["full_batch"] == json({false, true}));
  // At 64: the paired difference of each seed, bit for bit, and its mean and interval.
  const std::vector<double> pop64 = gaps(r, "bn_population", 0), bn64 = gaps(r, "bn", 0);
  const std::vector<double> noise64 = noise["values"][0].get<std::vector<double>>();
  REQUIRE(noise64.size() == 2);
  for (std::size_t s = 0; s < 2; ++s) CHECK(noise64[s] == pop64[s] - bn64[s]);
  const stats::Interval iv = stats::t_interval95(noise64);
  CHECK(noise["mean"][0].get<double>() == iv.mean);
  CHECK(noise["half_width"][0].get<double>() == iv.half_width);
  CHECK(noise["n"] == json({2, 0}));
  for (std::size_t b = 0; b < 2; ++b) {
    const std::vector<double> none = gaps(r, "none", b), dropout = gaps(r, "dropout", b);
    const std::vector<double> d = drop["values"][b].get<std::vector<double>>();
    REQUIRE(d.size() == 2);
    for (std::size_t s = 0; s < 2; ++s) CHECK(d[s] == none[s] - dropout[s]);
  }
  // At 512 = N the mini-batch is the whole set: the noise-free arm is trained exactly as BN (same
  // bits), and the effect is marked full batch with no value, not reported as a measured zero.
  CHECK(gaps(r, "bn_population", 1) == gaps(r, "bn", 1));
  CHECK(noise["mean"][1].is_null());
  CHECK(noise["half_width"][1].is_null());
  CHECK(noise["values"][1] == json::array());
  // The noise-free arm differs from BN below N (else the comparison would be empty).
  CHECK(pop64 != bn64);
  CHECK(r["configs"]["bn_population"]["label"] == "BN, whole-set statistics");
  CHECK_THAT(r["takeaway"].get<std::string>(), Contains("Regularization from BN's noise"));
  CHECK_THAT(r["takeaway"].get<std::string>(), Contains("batch 512 is the whole training set: full batch, no noise"));
}

TEST_CASE("The effects are absent without both of their configurations", "[regularization]") {
  json spec = kArms;
  spec["configs"] = {"none", "bn"};
  spec["epochs"] = 2;
  const json r = run_regularization(spec);
  CHECK_FALSE(r.contains("noise_effect"));
  CHECK_FALSE(r.contains("dropout_effect"));
}

// The page's live view trains each arm as its own one-seed run at the slider's batch (with curves
// and decision regions); those runs give exactly the sweep's per-seed values.
TEST_CASE("One-arm runs at one batch size reproduce the three-arm sweep's per-seed gaps", "[regularization]") {
  const json r = run_regularization(kArms);
  for (int i = 0; i < 2; ++i)
    for (const char* arm : {"bn", "bn_population", "none"}) {
      json one = kArms;
      one["seed"] = 7 + i;
      one["seeds"] = 1;
      one["configs"] = {arm};
      one["batch_sizes"] = {64};
      one["eval_every"] = 1;
      one["grid"] = 8;
      const json live = run_regularization(one);
      CAPTURE(i, arm);
      CHECK(live["configs"][arm]["gap"]["values"][0][0] == r["configs"][arm]["gap"]["values"][0][i]);
    }
}

TEST_CASE("The three-arm sweep as cells merges to the sweep's exact bytes", "[regularization][cells]") {
  const Outcome cells = bnlab::cells(kArms.dump());
  REQUIRE(cells.ok);
  const json list = json::parse(cells.json);
  REQUIRE(list.size() == 2 * 4 * 2);
  std::string all = "[";
  for (std::size_t k = 0; k < list.size(); ++k) {
    const Outcome one = bnlab::run(list[k].dump());
    REQUIRE(one.ok);
    all += (k ? "," : "") + one.json;
  }
  all += "]";
  const Outcome merged = bnlab::merge(kArms.dump(), all);
  REQUIRE(merged.ok);
  const Outcome whole = bnlab::run(kArms.dump());
  REQUIRE(whole.ok);
  CHECK(merged.json == whole.json);
}

TEST_CASE("bn_population in ghost mode does not see the ghost size: one run per seed stands for all",
          "[regularization]") {
  const json r = run_regularization({{"seeds", 1}, {"epochs", 3}, {"mode", "ghost"}, {"eval_every", 0},
                                     {"batch_sizes", {64, 256}}, {"configs", {"bn", "bn_population"}}});
  CHECK(r["configs"]["bn_population"]["ghost_batch"] == json({0, 0}));
  CHECK(r["configs"]["bn"]["ghost_batch"] == json({64, 256}));
  CHECK(gaps(r, "bn_population", 0) == gaps(r, "bn_population", 1));
}

// The claim on seeds no other test uses (201-204), full P1 (400 epochs). Measured on 20 fresh seeds
// (issue 16): the effect is 0.038 (sd 0.014) at 64 and 0.013 (sd 0.016) at 256. Tolerances from
// that spread: each seed's effect at 64 is positive (0.038 is 2.7 sd above 0), and the 4-seed mean
// lies within 3 standard errors of 0.038 (3 x 0.014 / sqrt(4) = 0.021) and above the 256 mean.
TEST_CASE("BN's noise regularizes: the noise effect at 64 is positive and larger than at 256",
          "[regularization][slow]") {
  const json r = run_regularization({{"seed", 201},
                                     {"seeds", 4},
                                     {"configs", {"bn", "bn_population"}},
                                     {"batch_sizes", {64, 256}},
                                     {"eval_every", 0}});
  const std::vector<double> e64 = r["noise_effect"]["values"][0].get<std::vector<double>>();
  const std::vector<double> e256 = r["noise_effect"]["values"][1].get<std::vector<double>>();
  REQUIRE(e64.size() == 4);
  REQUIRE(e256.size() == 4);
  for (std::size_t s = 0; s < 4; ++s) {
    CAPTURE(s, e64[s], e256[s]);
    CHECK(e64[s] > 0.0);
  }
  const double m64 = stats::mean(e64), m256 = stats::mean(e256);
  CAPTURE(m64, m256);
  WARN("noise effect, seeds 201-204: " << m64 << " at 64, " << m256 << " at 256");
  CHECK(std::abs(m64 - 0.038) < 0.021);
  CHECK(m64 > m256);
}
