// Research scale (bnlab/research.h): a sweep run as cells by outside schedulers may be as large as
// asked, each cell keeps the per-run bound, and the page's entry points (validate, cells, merge,
// Session::start) keep their limits before, during and after.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/research.h"
#include "bnlab/spec.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// A tiny regularization sweep: one configuration, one batch size, one epoch on 64 examples.
json tiny_sweep(int seeds) {
  return {{"chapter", "regularization"}, {"seeds", seeds},        {"epochs", 1},
          {"configs", {"bn"}},           {"batch_sizes", {32}},    {"eval_every", 0},
          {"data", {{"n_train", 64}, {"n_test", 64}}}};
}

std::string run_research_cell(const std::string& cell) {
  Session s;
  Outcome o = start_research_cell(s, cell);
  REQUIRE(o.ok);
  while (!s.done()) REQUIRE(s.advance(1000).ok);
  return s.result_json();
}

// A 3-seed spec run both ways: the page keeps it as one cell; research scale splits it into one
// cell per seed, each run on its own, and their merge is the one-process run's bytes.
struct SeedCellRun {
  json list;                         // the research-scale cells
  std::vector<std::string> results;  // each cell's result, in order
  Outcome whole;                     // the one-process run
};
SeedCellRun run_in_seed_cells(const json& spec) {
  const Outcome page = cells(spec.dump());
  REQUIRE(page.ok);
  CHECK(json::parse(page.json).size() == 1);
  const Outcome listed = research_cells(spec.dump());
  REQUIRE(listed.ok);
  SeedCellRun r{json::parse(listed.json), {}, bnlab::run(spec.dump())};
  REQUIRE(r.list.size() == 3);
  for (const json& c : r.list) r.results.push_back(run_research_cell(c.dump()));
  REQUIRE(r.whole.ok);
  const Outcome merged = research_merge(spec.dump(), "[" + r.results[0] + "," + r.results[1] + "," + r.results[2] + "]");
  REQUIRE(merged.ok);
  CHECK(merged.json == r.whole.json);
  return r;
}

// Cells in the wrong order: the first misplaced one is named, nothing is merged.
void check_cells_out_of_order(const json& spec, const std::vector<std::string>& results) {
  const Outcome swapped = research_merge(spec.dump(), "[" + results[1] + "," + results[0] + "," + results[2] + "]");
  CHECK_FALSE(swapped.ok);
  CHECK(swapped.error == "merge: cell_results[0]: not the result of cell 0 of this spec");
}

// 200 seeds at research scale are 200 cells; one process keeps the chapter's limit.
void check_seed_limit(const json& spec, int limit) {
  json many = spec;
  many["seeds"] = 200;
  CHECK(json::parse(research_cells(many.dump()).json).size() == 200);
  CHECK(validate(many.dump()).error == "spec.seeds = 200: must be a whole number in [1, " + std::to_string(limit) + "]");
}

}  // namespace

TEST_CASE("Research scale lifts the seeds limit of a sweep run as cells, and only there", "[cells][research]") {
  const std::string spec = tiny_sweep(45).dump();
  // The page's and the one-process run's entry points refuse 45 seeds (the limit is 30).
  for (const Outcome& o : {validate(spec), cells(spec), bnlab::run(spec)}) {
    CHECK_FALSE(o.ok);
    CHECK(o.error == "spec.seeds = 45: must be a whole number in [1, 30]");
  }
  const Outcome listed = research_cells(spec);
  REQUIRE(listed.ok);
  const json list = json::parse(listed.json);
  REQUIRE(list.size() == 45);
  CHECK(list[44]["seed"] == 45);
  CHECK(list[44]["seeds"] == 1);
  // The flag is scoped: after the call the limits are back.
  CHECK_FALSE(ResearchScale::active());
  CHECK_FALSE(validate(spec).ok);
  // Every cell runs, and the merge is complete, over all 45 seeds.
  std::string all = "[";
  for (std::size_t k = 0; k < list.size(); ++k) all += (k ? "," : "") + run_research_cell(list[k].dump());
  all += "]";
  const Outcome merged = research_merge(spec, all);
  REQUIRE(merged.ok);
  const json result = json::parse(merged.json);
  CHECK(result["complete"] == true);
  CHECK(result["spec"]["seeds"] == 45);
  CHECK_FALSE(merge(spec, all).ok);  // the page's merge keeps the limit
}

TEST_CASE("Research-scale cells are the page's cells where both exist, and merge to the same bytes", "[cells][research]") {
  const std::string spec = tiny_sweep(3).dump();
  const Outcome page = cells(spec), research = research_cells(spec);
  REQUIRE(page.ok);
  REQUIRE(research.ok);
  CHECK(page.json == research.json);
  std::string all = "[";
  const json list = json::parse(research.json);
  for (std::size_t k = 0; k < list.size(); ++k) all += (k ? "," : "") + run_research_cell(list[k].dump());
  all += "]";
  const Outcome a = research_merge(spec, all), b = bnlab::run(spec);
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  CHECK(a.json == b.json);
  CHECK(research_validate(spec).json == validate(spec).json);
}

TEST_CASE("Research scale keeps each cell's bound, and a cell start takes one cell only", "[cells][research]") {
  // One run over kMaxWork: refused at either scale, naming the run.
  json heavy = tiny_sweep(2);
  heavy["epochs"] = 10000;
  heavy["model"] = {{"hidden", {512, 512, 512}}};
  heavy["data"] = {{"n_train", 2048}, {"n_test", 64}};
  const Outcome o = research_cells(heavy.dump());
  CHECK_FALSE(o.ok);
  CHECK_THAT(o.error, StartsWith("regularization: one run (bn at batch 32: epochs x N)") && Contains("more than the limit of"));
  // A sweep of several cells is not started as one cell.
  Session s;
  const Outcome whole = start_research_cell(s, tiny_sweep(2).dump());
  CHECK_FALSE(whole.ok);
  CHECK(whole.error == "spec: a sweep of 2 cells, not one cell (run one of its cells: bnlab cells)");
  // Images: 60 seeds are 120 cells at research scale; the page's start refuses such a cell.
  const json images = {{"chapter", "images"}, {"seeds", 60}, {"steps", 10}};
  const Outcome listed = research_cells(images.dump());
  REQUIRE(listed.ok);
  const json cells_of_images = json::parse(listed.json);
  REQUIRE(cells_of_images.size() == 120);
  CHECK(cells_of_images[119]["seed_index"] == 59);
  CHECK(cells_of_images[119]["net"] == "bn");
  Session page;
  const Outcome refused = page.start(cells_of_images[119].dump());
  CHECK_FALSE(refused.ok);
  CHECK(refused.error == "spec.seeds = 60: must be a whole number in [1, 10]");
  // An images cell over the bound (one net of one seed) is refused at research scale too.
  const json heavy_images = {{"chapter", "images"}, {"seeds", 20}, {"steps", 100000}};
  const Outcome too_much = research_cells(heavy_images.dump());
  CHECK_FALSE(too_much.ok);
  CHECK_THAT(too_much.error, StartsWith("images: one cell (one net of one seed"));
}

TEST_CASE("Speed at research scale: one cell per seed, merged into the bytes of the multi-seed run", "[cells][research]") {
  const json spec = {{"chapter", "speed"}, {"seeds", 3}, {"steps", 40}, {"eval_every", 10}, {"grid", 6},
                     {"data", {{"n_train", 256}, {"n_test", 256}}}};
  const SeedCellRun run = run_in_seed_cells(spec);
  const std::vector<std::string>& results = run.results;
  // Partial: what is there, marked incomplete; a cell of another seed in the wrong place is named.
  const Outcome partial = research_merge(spec.dump(), "[" + results[0] + ",null," + results[2] + "]");
  REQUIRE(partial.ok);
  const json p = json::parse(partial.json);
  CHECK(p["complete"] == false);
  CHECK(p["seed_runs"].size() == 2);
  check_cells_out_of_order(spec, results);
  check_seed_limit(spec, 20);
}

TEST_CASE("Inference at research scale: one cell per seed, merged into the bytes of the multi-seed run", "[cells][research]") {
  const json spec = {{"chapter", "inference"}, {"seeds", 3},          {"checkpoints", {15, 30}}, {"curve_every", 10},
                     {"test_batch_sizes", {1, 16}}, {"point_batches", 2}, {"data", {{"n_train", 128}, {"n_test", 128}}}};
  const SeedCellRun run = run_in_seed_cells(spec);
  const json& list = run.list;
  const std::vector<std::string>& results = run.results;
  const Outcome& whole = run.whole;
  CHECK(list[2]["seed"] == spec.value("seed", 1) + 2);
  CHECK(list[0]["curve_every"] == 10);
  CHECK(list[1]["curve_every"] == 0);  // the run draws the curve for its first seed only
  const json w = json::parse(whole.json);
  REQUIRE(w["summary"].size() == 2);  // the summary over seeds is part of what matched
  CHECK(w["seed_runs"].size() == 3);
  // Partial: what is there, marked incomplete, with no summary over seeds yet (as a run in progress).
  const Outcome partial = research_merge(spec.dump(), "[" + results[0] + ",null," + results[2] + "]");
  REQUIRE(partial.ok);
  const json p = json::parse(partial.json);
  CHECK(p["complete"] == false);
  CHECK(p["seed_runs"].size() == 2);
  CHECK(p["seed_runs"][1]["seed"] == w["seed_runs"][2]["seed"]);
  CHECK_FALSE(p.contains("summary"));
  check_cells_out_of_order(spec, results);
  // A hand-edited cell (an accuracy that is not a number) is named, not averaged.
  json edited = json::parse(results[1]);
  edited["checkpoints"][0]["population"]["accuracy"] = "high";
  const Outcome bad = research_merge(spec.dump(), "[" + results[0] + "," + edited.dump() + "," + results[2] + "]");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == "merge: cell_results[1].checkpoints[0].population.accuracy: must be a number");
  check_seed_limit(spec, 10);
}

TEST_CASE("ICS at research scale: one cell per seed, merged into the bytes of the multi-seed run", "[cells][research]") {
  // A target the nets reach in this short run, so the race's means over seeds are merged too.
  const json spec = {{"chapter", "ics"}, {"seeds", 3}, {"steps", 60}, {"measure_every", 10}, {"target_loss", 0.68},
                     {"model", {{"hidden", {16, 16, 16}}}}, {"data", {{"n_train", 256}, {"n_test", 256}}}};
  const SeedCellRun run = run_in_seed_cells(spec);
  const std::vector<std::string>& results = run.results;
  const Outcome& whole = run.whole;
  const json w = json::parse(whole.json);
  CHECK_THAT(w["takeaway"].get<std::string>(), Contains("mean over 3 seeds"));
  CHECK(w["mean_over_seeds"]["race"]["bn"]["l2_diff"].is_number());
  // Partial: the means and the takeaway over the seeds there, marked incomplete.
  const Outcome partial = research_merge(spec.dump(), "[" + results[0] + ",null," + results[2] + "]");
  REQUIRE(partial.ok);
  const json p = json::parse(partial.json);
  CHECK(p["complete"] == false);
  CHECK(p["seed_runs"].size() == 2);
  CHECK_THAT(p["takeaway"].get<std::string>(), Contains("mean over 2 seeds"));
  CHECK(p["mean_over_seeds"] != w["mean_over_seeds"]);
  check_cells_out_of_order(spec, results);
  json edited = json::parse(results[2]);
  edited["seed_runs"][0]["bn"]["cosine"] = "steady";
  const Outcome bad = research_merge(spec.dump(), "[" + results[0] + "," + results[1] + "," + edited.dump() + "]");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == "merge: cell_results[2].seed_runs[0].bn.cosine: must be a number or null");
  check_seed_limit(spec, 20);
}

TEST_CASE("Shift at research scale: one cell per seed, merged into the bytes of the multi-seed run", "[cells][research]") {
  const json spec = {{"chapter", "shift"}, {"seeds", 3}, {"steps", 60}, {"grid", 6},
                     {"data", {{"n_train", 256}, {"n_test", 256}}}};
  const SeedCellRun run = run_in_seed_cells(spec);
  const json& list = run.list;
  const std::vector<std::string>& results = run.results;
  const Outcome& whole = run.whole;
  CHECK(list[0]["grid"] == 6);
  CHECK(list[1]["grid"] == 0);  // the run draws the decision grids for its first seed only
  const json w = json::parse(whole.json);
  REQUIRE(!w["shifts"].empty());
  CHECK(w["shifts"][0]["seeds_done"] == 3);
  CHECK(w["shifts"][0]["accuracy_half_width"]["bn_running"].is_number());  // an interval over 3 seeds
  // Partial: the means over the seeds there, marked incomplete.
  const Outcome partial = research_merge(spec.dump(), "[" + results[0] + ",null," + results[2] + "]");
  REQUIRE(partial.ok);
  const json p = json::parse(partial.json);
  CHECK(p["complete"] == false);
  CHECK(p["seed_runs"].size() == 2);
  CHECK(p["shifts"][0]["seeds_done"] == 2);
  CHECK(p["shifts"][0]["boundary"] == w["shifts"][0]["boundary"]);  // the first seed's grids
  check_cells_out_of_order(spec, results);
  json edited = json::parse(results[1]);
  edited["shifts"][0]["loss"]["adabn"] = "low";
  const Outcome bad = research_merge(spec.dump(), "[" + results[0] + "," + edited.dump() + "," + results[2] + "]");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == "merge: cell_results[1].shifts[0].loss.adabn: must be a number or null");
  check_seed_limit(spec, 20);
}

TEST_CASE("Noise at research scale: one cell per seed, merged into the bytes of the multi-seed run", "[cells][research][noise]") {
  // A short run with a full batch (m = N = 256: zero noise) and a trained, frozen net.
  const json spec = {{"chapter", "noise"}, {"seeds", 3}, {"batches", 40}, {"train_steps", 20},
                     {"batch_sizes", {16, 64, 256}}, {"data", {{"n_train", 256}}}};
  const SeedCellRun run = run_in_seed_cells(spec);
  const json& list = run.list;
  const std::vector<std::string>& results = run.results;
  const Outcome& whole = run.whole;
  CHECK(list[2]["seed"] == 3);
  CHECK(list[2]["seeds"] == 1);
  // The kurtosis over seeds is the mean of the seeds' means and the extremes of their extremes.
  const json w = json::parse(whole.json);
  std::vector<json> c;
  for (const std::string& r : results) c.push_back(json::parse(r));
  double sum = 0.0, lo = c[0]["kurtosis"]["min"], hi = c[0]["kurtosis"]["max"];
  for (const json& r : c) {
    sum += r["kurtosis"]["mean"].get<double>();
    lo = std::min(lo, r["kurtosis"]["min"].get<double>());
    hi = std::max(hi, r["kurtosis"]["max"].get<double>());
  }
  CHECK(w["kurtosis"]["mean"].get<double>() == sum / 3.0);
  CHECK(w["kurtosis"]["min"].get<double>() == lo);
  CHECK(w["kurtosis"]["max"].get<double>() == hi);
  CHECK(w["full_batch"][2] == true);
  CHECK(w["mean_noise"][2] == 0.0);
  REQUIRE(w["seed_runs"].size() == 3);
  CHECK(w["seed_runs"][1]["mean_noise"] == c[1]["mean_noise"]);
  // Partial: the means over the seeds there (0 and 2), marked incomplete.
  const Outcome partial = research_merge(spec.dump(), "[" + results[0] + ",null," + results[2] + "]");
  REQUIRE(partial.ok);
  const json p = json::parse(partial.json);
  CHECK(p["complete"] == false);
  CHECK(p["seed_runs"].size() == 2);
  CHECK(p["mean_noise"][0].get<double>() ==
        (c[0]["mean_noise"][0].get<double>() + c[2]["mean_noise"][0].get<double>()) / 2.0);
  CHECK(p["kurtosis"]["mean"].get<double>() ==
        (c[0]["kurtosis"]["mean"].get<double>() + c[2]["kurtosis"]["mean"].get<double>()) / 2.0);
  CHECK(p["sample"] == w["sample"]);  // the first seed's histograms
  check_cells_out_of_order(spec, results);
  json edited = c[1];
  edited["dropout"]["relative_std"][1] = "small";
  const Outcome bad = research_merge(spec.dump(), "[" + results[0] + "," + edited.dump() + "," + results[2] + "]");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error == "merge: cell_results[1].dropout.relative_std[1]: must be a number or null");
  edited = c[2];
  edited["kurtosis"].erase("max");
  const Outcome missing = research_merge(spec.dump(), "[" + results[0] + "," + results[1] + "," + edited.dump() + "]");
  CHECK_FALSE(missing.ok);
  CHECK(missing.error == "merge: cell_results[2].kurtosis.max: missing");
  check_seed_limit(spec, 20);
}
