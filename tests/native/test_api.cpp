#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnlab/api.h"
#include "bnlab/experiment.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {
// A speed run small enough for a unit test: 2 nets x 30 steps on 128 points.
std::string tiny_speed_spec() {
  return R"({"chapter": "speed", "seed": 3,
             "data": {"n_train": 128, "n_test": 64},
             "model": {"hidden": [8, 8]},
             "train": {"batch_size": 32},
             "steps": 30, "eval_every": 10, "grid": 0})";
}
bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }
}  // namespace

// The order itself (lecture order) is checked against README's chapter table and the page's
// registry by tests/js/registry.test.js (through `bnlab chapters`) and tests/js/wasm.test.js.
TEST_CASE("chapters() lists the registry's chapters in its order, each once, each with a preset", "[api]") {
  std::vector<std::string> registered;
  for (const Chapter& c : all_chapters()) registered.push_back(c.name);
  CHECK(chapters() == registered);
  CHECK(registered.size() >= 8);
  CHECK(std::set<std::string>(registered.begin(), registered.end()).size() == registered.size());
  for (const std::string& name : chapters()) {
    INFO(name);
    CHECK(find_chapter(name).name == name);
    const Outcome o = preset(name);
    REQUIRE(o.ok);
    CHECK(json::parse(o.json)["chapter"] == name);
    const Outcome v = validate(o.json);
    REQUIRE(v.ok);
    CHECK(json::parse(v.json) == json::parse(o.json));
  }
}

TEST_CASE("preset returns the chapter's default spec, and an error for an unknown chapter", "[api]") {
  const Outcome o = preset("speed");
  REQUIRE(o.ok);
  const json spec = json::parse(o.json);
  CHECK(spec["chapter"] == "speed");
  const Outcome v = validate(o.json);
  REQUIRE(v.ok);
  CHECK(json::parse(v.json) == spec);
  const Outcome bad = preset("sped");
  CHECK_FALSE(bad.ok);
  CHECK(one_line(bad.error));
  CHECK_THAT(bad.error, Contains("sped") && Contains("speed"));
}

TEST_CASE("validate returns errors as values with a one-line message naming the field", "[api][errors]") {
  struct Bad {
    const char* spec;
    const char* message_start;
  };
  const Bad cases[] = {
      {R"({"chapter": "speed", "train": {"lr": 50}})", "spec.train.lr = 50: must be in (0, 10]"},
      {R"({"chapter": "speed", "train": {"lr": "fast"}})", "spec.train.lr = \"fast\": must be a number"},
      {R"({"chapter": "speed", "stepz": 10})", "spec.stepz: unknown field"},
      {R"({"chapter": "speed", "model": {"hidden": [0]}})", "spec.model.hidden = [0]:"},
      {R"({"chapter": "speed", "model": {"dropout": 1}})", "spec.model.dropout = 1:"},
      {R"({"chapter": "speed", "data": {"kind": "swirls"}})", "spec.data.kind = \"swirls\":"},
      {R"({"chapter": "speed", "data": 5})", "spec.data = 5: must be an object"},
      {R"({"chapter": "speed", "train": {"batch_size": 2000}})", "spec.train.batch_size = 2000:"},
      {R"({"chapter": "spede"})", "chapter = \"spede\": must be one of"},
      {R"({"seed": 1})", "spec.chapter: missing"},
      {R"([1, 2])", "spec: must be a JSON object"},
      {R"({"chapter": "speed",})", "spec: not valid JSON"},
      {"", "spec: not valid JSON"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.spec);
    const Outcome o = validate(b.spec);
    CHECK_FALSE(o.ok);
    CHECK(one_line(o.error));
    CHECK_THAT(o.error, StartsWith(b.message_start));
    CHECK(o.json.empty());
  }
}

TEST_CASE("A Session refuses to advance before it has a run", "[api][errors]") {
  Session s;
  const Outcome o = s.advance(10);
  CHECK_FALSE(o.ok);
  CHECK_THAT(o.error, Equals("no run: start a spec first"));
  CHECK_FALSE(s.running());
  CHECK_FALSE(s.done());
  CHECK(s.progress() == 0.0);
  CHECK(s.result_json() == "null");
}

TEST_CASE("A Session reports a bad spec or chapter as a value and stays usable", "[api][errors]") {
  Session s;
  Outcome o = s.start(R"({"chapter": "nope"})");
  CHECK_FALSE(o.ok);
  CHECK_THAT(o.error, StartsWith("chapter = \"nope\""));
  CHECK_FALSE(s.running());
  CHECK_FALSE(s.advance(1).ok);
  o = s.start("{not json");
  CHECK_FALSE(o.ok);
  CHECK_THAT(o.error, StartsWith("spec: not valid JSON"));
  o = s.start(tiny_speed_spec());
  CHECK(o.ok);
  CHECK(s.running());
}

TEST_CASE("A Session runs a spec in slices with partial results and moving progress", "[api]") {
  Session s;
  REQUIRE(s.start(tiny_speed_spec()).ok);
  double last = s.progress();
  CHECK(last == 0.0);
  const json partial0 = json::parse(s.result_json());
  CHECK(partial0["complete"] == false);
  CHECK(partial0["chapter"] == "speed");
  int slices = 0;
  while (!s.done()) {
    REQUIRE(s.advance(7).ok);
    CHECK(s.progress() > last);
    last = s.progress();
    const json partial = json::parse(s.result_json());
    CHECK(partial["progress"].get<double>() == s.progress());
    REQUIRE(++slices < 100);
  }
  CHECK(slices >= 3);  // 30 lock-step units in slices of 7
  CHECK(s.progress() == 1.0);
  CHECK_FALSE(s.running());
  const json result = json::parse(s.result_json());
  CHECK(result["complete"] == true);
  CHECK(result["spec"] == json::parse(validate(tiny_speed_spec()).json));
  CHECK(result.contains("takeaway"));
  CHECK(s.advance(5).ok);  // advancing a finished run is harmless
}

TEST_CASE("Cancelling a Session stops it and marks the result", "[api]") {
  Session s;
  REQUIRE(s.start(tiny_speed_spec()).ok);
  REQUIRE(s.advance(3).ok);
  s.cancel();
  CHECK_FALSE(s.running());
  const double p = s.progress();
  CHECK(s.advance(10).ok);
  CHECK(s.progress() == p);
  CHECK(json::parse(s.result_json())["cancelled"] == true);
  SECTION("starting again replaces the cancelled run") {
    REQUIRE(s.start(tiny_speed_spec()).ok);
    CHECK(s.running());
    CHECK(json::parse(s.result_json()).contains("cancelled") == false);
  }
}

TEST_CASE("run() gives the same result as a Session, and the same seed gives the same result", "[api]") {
  std::vector<double> seen;
  const Outcome a = run(tiny_speed_spec(), [](double p, void* user) { static_cast<std::vector<double>*>(user)->push_back(p); },
                        &seen);
  REQUIRE(a.ok);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back() == 1.0);
  const Outcome b = run(tiny_speed_spec());
  REQUIRE(b.ok);
  CHECK(a.json == b.json);
  Session s;
  REQUIRE(s.start(tiny_speed_spec()).ok);
  while (!s.done()) REQUIRE(s.advance(1).ok);
  CHECK(s.result_json() == a.json);  // slicing does not change the result
  SECTION("a different seed gives a different result") {
    json spec = json::parse(tiny_speed_spec());
    spec["seed"] = 4;
    const Outcome c = run(spec.dump());
    REQUIRE(c.ok);
    CHECK(json::parse(c.json)["nets"] != json::parse(a.json)["nets"]);
  }
  SECTION("run() reports a bad spec as a value") {
    const Outcome bad = run(R"({"chapter": "speed", "steps": 0})");
    CHECK_FALSE(bad.ok);
    CHECK_THAT(bad.error, StartsWith("spec.steps = 0:"));
  }
}

// Every number in a result, walked in memory (dump() would print NaN as null and hide it).
static bool all_finite(const json& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>());
  if (j.is_array() || j.is_object())
    for (const json& e : j)
      if (!all_finite(e)) return false;
  return true;
}

TEST_CASE("Speed results hold no NaN or infinity even when a net diverges", "[api]") {
  json spec = json::parse(tiny_speed_spec());
  spec["train"]["lr"] = 10;
  const std::unique_ptr<Experiment> e = find_chapter("speed").make(spec);
  const json r = run_to_end(*e);
  CHECK(all_finite(r));
  // At lr 10 the BN net of this spec blows up (step 29); the plain one loses its ReLUs instead.
  CHECK((r["nets"]["plain"]["diverged_at"].is_number_integer() || r["nets"]["bn"]["diverged_at"].is_number_integer()));
  json partial_spec = json::parse(tiny_speed_spec());
  const std::unique_ptr<Experiment> p = find_chapter("speed").make(partial_spec);
  p->advance(5);
  CHECK(all_finite(p->result()));
}
