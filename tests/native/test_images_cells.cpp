// The images chapter as cells (one net of one seed each, for the page's pool of workers): the cell
// list, the fields a cell spec carries, and merge giving the bytes of one session's run, or a
// sensible partial result while cells are missing or unfinished.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../../native/cli/data_files.h"
#include "fashion_data.h"
#include "bnlab/api.h"
#include "bnlab/idx.h"
#include "chapter_support.h"

using namespace bnlab;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinAbs;

namespace {

using bnlab_test::fashion_bundle;
using bnlab_test::have_data;

// A session on the data with `spec` started; `units` = 0 runs it to the end.
std::string run_images(const json& spec, long units = 0) {
  Session s;
  REQUIRE(s.provide_data(kFashionMnist, fashion_bundle()).ok);
  const Outcome started = s.start(spec.dump());
  REQUIRE(started.ok);
  if (units > 0) REQUIRE(s.advance(units).ok);
  else
    while (!s.done()) REQUIRE(s.advance(500).ok);
  return s.result_json();
}

json cell_list(const json& spec) {
  const Outcome o = bnlab::cells(spec.dump());
  REQUIRE(o.ok);
  return json::parse(o.json);
}

std::string merged(const json& spec, const std::vector<std::string>& results) {
  std::string a = "[";
  for (std::size_t k = 0; k < results.size(); ++k) a += (k ? "," : "") + results[k];
  const Outcome o = bnlab::merge(spec.dump(), a + "]");
  REQUIRE(o.ok);
  return o.json;
}

std::string merge_error(const json& spec, const std::string& results) {
  const Outcome o = bnlab::merge(spec.dump(), results);
  return o.ok ? "(accepted)" : o.error;
}

// Small runs on a slice of the data: two seeds; and one where the plain net diverges (lr 10 with
// momentum from large weights) while the BN net trains on.
const json kTwoSeeds = {{"chapter", "images"}, {"seeds", 2}, {"steps", 30}, {"eval_every", 10}, {"probe_every", 5},
                        {"probe_size", 100}, {"examples", 5}, {"data", {{"n_train", 1200}, {"n_test", 300}}}};
const json kPlainDiverges = {{"chapter", "images"}, {"steps", 60}, {"eval_every", 20}, {"probe_every", 10},
                             {"probe_size", 100}, {"data", {{"n_train", 3000}, {"n_test", 300}}},
                             {"train", {{"lr", 10}, {"momentum", 0.9}}}, {"model", {{"init_std", 3}}}};

}  // namespace

TEST_CASE("Images cells: one per seed and net, seed-major; their fields are checked", "[images][cells][spec]") {
  const json cells = cell_list(kTwoSeeds);
  REQUIRE(cells.size() == 4);
  const char* nets[] = {"plain", "bn", "plain", "bn"};
  for (std::size_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    CHECK(cells[k]["net"] == nets[k]);
    CHECK(cells[k]["seed_index"] == k / 2);
    CHECK(cells[k]["seed"] == 1);
    CHECK(cells[k]["seeds"] == 2);
    json rest = cells[k];
    rest.erase("net");
    rest.erase("seed_index");
    CHECK(rest == json::parse(bnlab::validate(kTwoSeeds.dump()).json));
  }
  // The preset names no cell: "both" is the default and is not written back.
  const json preset = json::parse(bnlab::preset("images").json);
  CHECK_FALSE(preset.contains("net"));
  CHECK_FALSE(preset.contains("seed_index"));
  // A cell is its own only cell.
  CHECK(cell_list(cells[3]) == json::array({cells[3]}));
  test::check_refusals("images", {
                                     {{{"net", "both_nets"}}, "spec.net = \"both_nets\": must be one of both, plain, bn"},
                                     {{{"net", 1}}, "spec.net"},
                                     {{{"net", "bn"}, {"seed_index", 1}}, "spec.seed_index = 1: must be < spec.seeds (1)"},
                                     {{{"net", "bn"}, {"seed_index", -1}}, "spec.seed_index"},
                                     {{{"seeds", 3}, {"seed_index", 2}}, "spec.seed_index = 2: must be 0 unless spec.net"},
                                 });
  CHECK_THAT(merge_error(kTwoSeeds, "[null, null]"), StartsWith("merge: cell_results must be an array of 4 entries"));
  CHECK_THAT(merge_error(cells[1], "[null]"), StartsWith("merge: spec.net = \"bn\": this spec is one cell"));
  // Nothing done yet: an empty partial result of the chapter's shape.
  const json none = json::parse(merged(kTwoSeeds, {"null", "null", "null", "null"}));
  CHECK(none["complete"] == false);
  CHECK(none["progress"] == 0.0);
  CHECK(none["nets"]["bn"]["eval_step"].empty());
  CHECK(none["nets"]["plain"]["final_accuracy"].is_null());
  CHECK(none["seed_runs"].empty());
  CHECK(none["takeaway"] == "");
  CHECK(none["test_time"].is_null());
}

TEST_CASE("Images cells merge to the bytes of one session's run, partial results on the way", "[images][cells]") {
  if (!have_data()) return;
  const json spec = GENERATE(kTwoSeeds, kPlainDiverges);
  CAPTURE(spec.dump());
  const std::string full = run_images(spec);
  const json whole = json::parse(full);
  REQUIRE(whole["complete"] == true);
  if (spec.contains("train")) REQUIRE(whole["nets"]["plain"]["diverged_at"].is_number());
  if (spec.contains("train")) REQUIRE(whole["nets"]["bn"]["diverged_at"].is_null());

  const json cells = cell_list(spec);
  std::vector<std::string> results(cells.size());
  for (std::size_t k = cells.size(); k-- > 0;) results[k] = run_images(cells[k]);  // any order
  // Each cell is its net of the pair, exactly.
  const json bn_cell = json::parse(results[1]);
  CHECK(bn_cell["nets"].size() == 1);
  CHECK(bn_cell["nets"]["bn"] == whole["nets"]["bn"]);
  CHECK(bn_cell["test_time"] == whole["test_time"]);
  CHECK(json::parse(results[0])["test_time"].is_null());
  CHECK(merged(spec, results) == full);

  // Cells swapped, or a cell of another spec: refused, naming the entry.
  std::vector<std::string> swapped = results;
  std::swap(swapped[0], swapped[1]);
  std::string list = "[" + swapped[0];
  for (std::size_t k = 1; k < swapped.size(); ++k) list += "," + swapped[k];
  CHECK_THAT(merge_error(spec, list + "]"), StartsWith("merge: cell_results[0]: not the result of cell 0 of this spec"));
  std::vector<std::string> broken = results;
  json bad = json::parse(results[1]);
  bad["nets"]["bn"].erase("test_accuracy");
  broken[1] = bad.dump();
  list = "[" + broken[0];
  for (std::size_t k = 1; k < broken.size(); ++k) list += "," + broken[k];
  CHECK(merge_error(spec, list + "]") == "merge: cell_results[1].nets.bn.test_accuracy: missing");

  // Partial: the BN cell not reported, then reported half way through its training.
  std::vector<std::string> partial = results;
  partial[1] = "null";
  json p = json::parse(merged(spec, partial));
  CHECK(p["complete"] == false);
  CHECK(p["progress"].get<double>() < 1.0);
  CHECK(p["nets"]["plain"] == whole["nets"]["plain"]);
  CHECK(p["nets"]["bn"]["eval_step"].empty());
  CHECK(p["takeaway"] == "");
  const long half = whole["spec"]["steps"].get<long>() / 2;
  partial[1] = run_images(cells[1], half);
  p = json::parse(merged(spec, partial));
  CHECK(p["complete"] == false);
  const double expected = (static_cast<double>(cells.size()) - 1.0 + 0.5) / static_cast<double>(cells.size());
  CHECK_THAT(p["progress"].get<double>(), WithinAbs(expected, 1e-12));
  const json& steps = p["nets"]["bn"]["eval_step"];
  const json& all_steps = whole["nets"]["bn"]["eval_step"];
  REQUIRE(!steps.empty());
  CHECK(steps.size() < all_steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) CHECK(p["nets"]["bn"]["test_accuracy"][i] == whole["nets"]["bn"]["test_accuracy"][i]);
  CHECK(p["nets"]["bn"]["final_accuracy"].is_null());
  CHECK(p["test_time"].is_null());
  CHECK_THAT(p["takeaway"].get<std::string>(), StartsWith("After " + std::to_string(static_cast<long>(steps.back().get<double>())) + " steps"));
  if (cells.size() == 4) CHECK(p["seed_runs"].size() == 1);  // seed 2 complete, seed 1 not
}

TEST_CASE("Images cells of the preset merge to the bytes of its run on all the data", "[images][cells][slow]") {
  if (!have_data()) return;
  const json spec = json::parse(bnlab::preset("images").json);
  const std::string full = run_images(spec);
  const json cells = cell_list(spec);
  REQUIRE(cells.size() == 2);
  CHECK(merged(spec, {run_images(cells[0]), run_images(cells[1])}) == full);
}
