#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/experiment.h"
#include "bnlab/experiments/regularization.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

std::string run_ok(const std::string& spec) {
  const Outcome o = bnlab::run(spec);
  REQUIRE(o.ok);
  return o.json;
}

json cell_list(const json& spec) {
  const Outcome o = bnlab::cells(spec.dump());
  REQUIRE(o.ok);
  return json::parse(o.json);
}

// Runs the cells last to first (any order must do) and returns their results in cells() order.
std::vector<std::string> run_cells_backwards(const json& cells) {
  std::vector<std::string> results(cells.size());
  for (std::size_t k = cells.size(); k-- > 0;) results[k] = run_ok(cells[k].dump());
  return results;
}

std::string as_array(const std::vector<std::string>& results, const std::vector<bool>& keep = {}) {
  std::string a = "[";
  for (std::size_t k = 0; k < results.size(); ++k) {
    if (k) a += ",";
    a += (keep.empty() || keep[k]) ? results[k] : "null";
  }
  return a + "]";
}

const json kSweep = {{"chapter", "regularization"}, {"seeds", 2},          {"epochs", 4},
                     {"configs", {"none", "bn"}},   {"batch_sizes", {64, 96}}, {"eval_every", 2},
                     {"grid", 8}};

}  // namespace

TEST_CASE("Sweep cells reproduce the full sweep's per-seed values and merge to its exact bytes", "[cells][api]") {
  const int which = GENERATE(0, 1);
  const json spec = which == 0 ? kSweep
                               : json{{"chapter", "regularization"}, {"seeds", 2},   {"epochs", 3},
                                      {"mode", "ghost"},            {"batch_sizes", {64, 256}}, {"eval_every", 0}};
  CAPTURE(spec.dump());
  const json cells = cell_list(spec);
  const json normalized = json::parse(bnlab::validate(spec.dump()).json);
  const std::size_t C = normalized["configs"].size(), B = normalized["batch_sizes"].size();
  REQUIRE(cells.size() == 2 * C * B);
  // Seed-major: seed, then config, then batch size; one run each.
  CHECK(cells[0]["seed"] == 1);
  CHECK(cells.back()["seed"] == 2);
  CHECK(cells[1]["batch_sizes"] == json::array({normalized["batch_sizes"][1]}));
  CHECK(cells[B]["configs"] == json::array({normalized["configs"][1]}));
  for (const json& c : cells) CHECK(c["seeds"] == 1);
  CHECK(cells.back()["eval_every"] == 0);
  CHECK(cells.back()["grid"] == 0);

  const std::string full = run_ok(spec.dump());
  const std::vector<std::string> results = run_cells_backwards(cells);
  const json whole = json::parse(full);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t b = 0; b < B; ++b) {
        const json cell = json::parse(results[(i * C + c) * B + b]);
        const std::string name = normalized["configs"][c];
        for (const char* m : {"gap", "train_loss", "test_loss", "test_clean_accuracy", "memorized"}) {
          CAPTURE(i, name, b, m);
          CHECK(cell["configs"][name][m]["values"][0][0] == whole["configs"][name][m]["values"][b][i]);
        }
      }
  const Outcome merged = bnlab::merge(spec.dump(), as_array(results));
  REQUIRE(merged.ok);
  CHECK(merged.json == full);
}

TEST_CASE("A merge of some cells is a partial result over the cells done", "[cells][api]") {
  const json cells = cell_list(kSweep);
  const std::vector<std::string> results = run_cells_backwards(cells);
  std::vector<bool> keep(cells.size(), false);
  keep[1] = keep[5] = true;  // seed 1 none at 96, seed 2 none at 96
  const Outcome o = bnlab::merge(kSweep.dump(), as_array(results, keep));
  REQUIRE(o.ok);
  const json r = json::parse(o.json);
  CHECK_FALSE(r["complete"].get<bool>());
  CHECK(r["current"].is_null());
  CHECK(r["runs_done"] == 2);
  CHECK(r["seeds_done"] == 0);
  // Work of a run = epochs x floor(512 / B) x B = 4 x 5 x 96 = 1920 at 96, 4 x 8 x 64 = 2048 at 64.
  CHECK_THAT(r["progress"].get<double>(), WithinAbs(2.0 * 1920 / (2.0 * 2 * (2048 + 1920)), 1e-12));
  CHECK(r["configs"]["none"]["gap"]["n"] == json({0, 2}));
  CHECK(r["configs"]["bn"]["gap"]["n"] == json({0, 0}));
  CHECK(r["configs"]["none"]["rise"].is_null());
  CHECK(r["regions"]["none"][0].is_null());
  CHECK(r["regions"]["none"][1]["n"] == 8);
  CHECK(r["train_points"]["x0"].size() == 512);

  std::vector<bool> first_seed(cells.size(), false);
  for (std::size_t k = 0; k < 4; ++k) first_seed[k] = true;
  const json one = json::parse(bnlab::merge(kSweep.dump(), as_array(results, first_seed)).json);
  CHECK(one["seeds_done"] == 1);
  CHECK(one["configs"]["bn"]["gap"]["n"] == json({1, 1}));
  CHECK(one["configs"]["bn"]["rise"]["n"] == 1);
  CHECK_THAT(one["takeaway"].get<std::string>(), Contains("1 of 2 seeds done so far"));

  const Outcome none = bnlab::merge(kSweep.dump(), as_array(results, std::vector<bool>(cells.size(), false)));
  REQUIRE(none.ok);
  CHECK(json::parse(none.json)["progress"] == 0.0);
}

TEST_CASE("A chapter that is not a sweep is one cell: its result unchanged", "[cells][api]") {
  const json spec = {{"chapter", "noise"}, {"batch_sizes", {32, 64}}, {"batches", 40}};
  const json cells = cell_list(spec);
  REQUIRE(cells.size() == 1);
  CHECK(cells[0] == json::parse(bnlab::validate(spec.dump()).json));
  const std::string full = run_ok(spec.dump());
  const Outcome o = bnlab::merge(spec.dump(), "[" + full + "]");
  REQUIRE(o.ok);
  CHECK(o.json == full);
  const Outcome empty = bnlab::merge(spec.dump(), "[null]");
  REQUIRE(empty.ok);
  CHECK_FALSE(json::parse(empty.json)["complete"].get<bool>());
}

TEST_CASE("merge refuses results that do not belong to the spec's cells, with a one-line message", "[cells][api][errors]") {
  const json cells = cell_list(kSweep);
  CHECK_THAT(bnlab::merge(kSweep.dump(), "[null]").error, Contains("array of 8 entries"));
  CHECK_THAT(bnlab::merge(kSweep.dump(), "{").error, Contains("cell_results must be a JSON array"));
  std::vector<std::string> results(cells.size(), "null");
  results[3] = run_ok(cells[2].dump());  // a cell's result in another cell's place
  CHECK_THAT(bnlab::merge(kSweep.dump(), as_array(results)).error, Contains("cell_results[3]: not the result of cell 3"));
  CHECK_THAT(bnlab::merge("{\"chapter\":\"speed\"}", "[1, 2]").error, Contains("1 entry"));
  CHECK_FALSE(bnlab::cells("{\"chapter\":\"regularization\",\"grid\":1}").ok);
  CHECK_THAT(bnlab::cells("{\"chapter\":\"regularization\",\"grid\":1}").error, Contains("spec.grid = 1"));
}

TEST_CASE("The regularization result carries regions, the training points with their flips, and the memorized share",
          "[cells][regularization]") {
  const json r = json::parse(run_ok(kSweep.dump()));
  const json& pts = r["train_points"];
  const std::size_t N = 512;
  REQUIRE(pts["x0"].size() == N);
  REQUIRE(pts["x1"].size() == N);
  REQUIRE(pts["label"].size() == N);
  REQUIRE(pts["flipped"].size() == N);
  int flipped = 0;
  for (const json& f : pts["flipped"]) flipped += f.get<int>();
  CHECK(flipped == 154);  // exactly round(0.3 x 512)
  for (const char* c : {"none", "bn"}) {
    for (std::size_t b = 0; b < 2; ++b) {
      const json& g = r["regions"][c][b];
      CHECK(g["n"] == 8);
      CHECK(g["class"].size() == 64);
      CHECK(g["confidence"].size() == 64);
      // The square covers every training point.
      for (std::size_t i = 0; i < N; ++i) {
        CHECK(pts["x0"][i].get<double>() > g["lo"].get<double>());
        CHECK(pts["x1"][i].get<double>() < g["hi"].get<double>());
      }
      for (const json& share : r["configs"][c]["memorized"]["values"][b]) {
        const double m = share.get<double>();
        CHECK(m >= 0.0);
        CHECK(m <= 1.0);
        // A share of the 154 flipped examples: a whole number of them.
        CHECK_THAT(m * flipped, WithinAbs(std::round(m * flipped), 1e-9));
      }
    }
  }
  // Without grid there are no regions or points.
  json plain = kSweep;
  plain.erase("grid");
  plain["seeds"] = 1;
  const json q = json::parse(run_ok(plain.dump()));
  CHECK_FALSE(q.contains("regions"));
  CHECK_FALSE(q.contains("train_points"));
  CHECK(q["configs"]["bn"].contains("memorized"));
}

// The docs allow 30 seeds; the work bound holds each run (one cell) to kMaxWork and the sweep to
// kMaxSweepWork, which 30 seeds of the default protocol fit.
TEST_CASE("The work bound admits the documented 30 seeds of P1 and still refuses a runaway sweep",
          "[cells][regularization][errors]") {
  for (int seeds : {16, 30}) {
    CAPTURE(seeds);
    CHECK(bnlab::validate(json{{"chapter", "regularization"}, {"seeds", seeds}}.dump()).ok);
  }
  const Outcome big = bnlab::validate(json{{"chapter", "regularization"}, {"seeds", 30}, {"epochs", 800}}.dump());
  CHECK_FALSE(big.ok);
  CHECK_THAT(big.error, Contains("sweep limit"));
  const Outcome run = bnlab::validate(json{{"chapter", "regularization"}, {"seeds", 1}, {"epochs", 10000},
                                           {"model", {{"hidden", {512, 512}}}}, {"batch_sizes", {64}}}.dump());
  CHECK_FALSE(run.ok);
  CHECK_THAT(run.error, Contains("one run"));
}
