#include <catch2/catch.hpp>

#include <string>

#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/spec.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {
// The message of the Error f throws, or "" if it does not throw.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("SpecReader reads present fields and falls back on absent or null ones", "[spec]") {
  const json j = json::parse(R"({"lr": 0.5, "n": 7, "on": true, "kind": "adam", "w": [1, 2], "v": [0.5],
                                 "nothing": null, "sub": {"a": 1}, "s": ["x"]})");
  SpecReader r(j, "spec");
  CHECK(r.number("lr", 1.0, 0.0, 1.0) == 0.5);
  CHECK(r.integer("n", 1, 0, 10) == 7);
  CHECK(r.boolean("on", false));
  CHECK(r.choice("kind", "sgd", {"sgd", "adam"}) == "adam");
  CHECK(r.integers("w", {}, 1, 4, 0, 10) == std::vector<int>{1, 2});
  CHECK(r.numbers("v", {}, 1, 4, 0.0, 1.0) == std::vector<double>{0.5});
  CHECK(r.choices("s", {}, {"x", "y"}) == std::vector<std::string>{"x"});
  CHECK(r.number("nothing", 3.0, 0.0, 5.0) == 3.0);
  CHECK(r.number("absent", 4.0, 0.0, 5.0) == 4.0);
  SpecReader sub = r.child("sub");
  CHECK(sub.integer("a", 0, 0, 5) == 1);
  sub.finish();
  CHECK_NOTHROW(r.finish());
  CHECK(r.field("lr") == "spec.lr");
}

TEST_CASE("SpecReader messages name the field, the value and the rule, on one line", "[spec][errors]") {
  const json j = json::parse(R"({"lr": 50, "n": 2.5, "on": "yes", "kind": "rmsprop", "w": [1, 99],
                                 "seed": -1, "big": 1e300, "obj": 3, "name": 5, "s": ["x", "x"]})");
  SpecReader r(j, "spec.train");
  CHECK_THAT(error_of([&] { r.positive("lr", 1.0, 0.0, 10.0); }), Equals("spec.train.lr = 50: must be in (0, 10]"));
  CHECK_THAT(error_of([&] { r.number("lr", 1.0, 0.0, 10.0); }), Equals("spec.train.lr = 50: must be in [0, 10]"));
  CHECK_THAT(error_of([&] { r.integer("n", 1, 0, 10); }),
             Equals("spec.train.n = 2.5: must be a whole number in [0, 10]"));
  CHECK_THAT(error_of([&] { r.boolean("on", false); }), Equals("spec.train.on = \"yes\": must be true or false"));
  CHECK_THAT(error_of([&] { r.choice("kind", "sgd", {"sgd", "adam"}); }),
             Equals("spec.train.kind = \"rmsprop\": must be one of sgd, adam"));
  CHECK_THAT(error_of([&] { r.choice("name", "sgd", {"sgd", "adam"}); }), StartsWith("spec.train.name = 5:"));
  CHECK_THAT(error_of([&] { r.integers("w", {}, 1, 4, 0, 10); }), StartsWith("spec.train.w = [1,99]: must be a list"));
  CHECK_THAT(error_of([&] { r.seed("seed", 1); }), StartsWith("spec.train.seed = -1:"));
  CHECK_THAT(error_of([&] { r.number("big", 1.0, 0.0, 1e6); }), StartsWith("spec.train.big = "));
  CHECK_THAT(error_of([&] { r.child("obj"); }), Equals("spec.train.obj = 3: must be an object"));
  CHECK_THAT(error_of([&] { r.choices("s", {}, {"x", "y"}); }), StartsWith("spec.train.s = [\"x\",\"x\"]:"));
  SECTION("wrong types") {
    const json k = json::parse(R"({"lr": "fast", "n": true, "w": 3})");
    SpecReader q(k, "spec.train");
    CHECK_THAT(error_of([&] { q.positive("lr", 1.0, 0.0, 10.0); }),
               Equals("spec.train.lr = \"fast\": must be a number in (0, 10]"));
    CHECK_THAT(error_of([&] { q.integer("n", 1, 0, 10); }), StartsWith("spec.train.n = true:"));
    CHECK_THAT(error_of([&] { q.integers("w", {}, 1, 4, 0, 10); }), StartsWith("spec.train.w = 3:"));
  }
  SECTION("long values are shortened in the message") {
    const json k = {{"w", std::vector<int>(100, 7)}};
    SpecReader q(k, "spec");
    const std::string m = error_of([&] { q.integers("w", {}, 1, 4, 0, 10); });
    CHECK(m.size() < 160);
    CHECK_THAT(m, Contains("..."));
  }
}

TEST_CASE("Unknown fields are refused by name", "[spec][errors]") {
  const json j = json::parse(R"({"lr": 0.1, "lrr": 0.2})");
  SpecReader r(j, "spec.train");
  r.number("lr", 1.0, 0.0, 1.0);
  CHECK_THAT(error_of([&] { r.finish(); }), Equals("spec.train.lrr: unknown field (check the spelling)"));
  SECTION("ignore() and raw() mark fields as known") {
    SpecReader q(j, "spec");
    q.ignore("lr");
    CHECK(q.raw("lrr") != nullptr);
    CHECK(q.raw("absent") == nullptr);
    CHECK_NOTHROW(q.finish());
  }
}

TEST_CASE("A spec block must be an object", "[spec][errors]") {
  CHECK_THAT(error_of([] { SpecReader(json::array(), "spec.data"); }), Equals("spec.data = []: must be an object"));
  CHECK_NOTHROW(SpecReader(json(nullptr), "spec"));
}

TEST_CASE("Seeds are whole numbers up to 2^53", "[spec]") {
  const json j = {{"a", 9007199254740992ULL}, {"b", 9007199254740993ULL}, {"c", 3.0}, {"d", 1.5}};
  SpecReader r(j, "spec");
  CHECK(r.seed("a", 0) == 9007199254740992ULL);
  CHECK_THAT(error_of([&] { r.seed("b", 0); }), StartsWith("spec.b = 9007199254740993:"));
  CHECK(r.seed("c", 0) == 3);
  CHECK_THAT(error_of([&] { r.seed("d", 0); }), StartsWith("spec.d = 1.5:"));
}

TEST_CASE("The common blocks read every field and write it back", "[spec]") {
  const json data = json::parse(R"({"kind": "blobs", "n_train": 300, "n_test": 50, "noise": 0.3,
                                    "label_flip": 0.2, "classes": 4})");
  const DataConfig d = read_data(SpecReader(data, "spec.data"), DataConfig{});
  CHECK(to_json(d) == data);
  CHECK(d.num_classes() == 4);
  const json model = json::parse(R"({"hidden": [8, 4], "activation": "tanh", "batch_norm": true,
                                     "dropout": 0.2, "bn_momentum": 0.05, "bn_eps": 0.001, "ghost_batch": 16})");
  const MlpConfig m = read_model(SpecReader(model, "spec.model"), MlpConfig{}, d);
  CHECK(to_json(m) == model);
  CHECK(m.outputs == 4);
  const json train = json::parse(R"({"optimizer": "adam", "lr": 0.002, "momentum": 0.5,
                                     "weight_decay": 0.0001, "batch_size": 32})");
  CHECK(to_json(read_train(SpecReader(train, "spec.train"), TrainConfig{})) == train);
  const json tr = json::parse(R"({"tx": 1, "ty": -2, "scale": 2, "sx": 1, "sy": 0.5, "rotate_deg": 45})");
  CHECK(to_json(read_transform(SpecReader(tr, "spec.transform"), InputTransform{})) == tr);
}

TEST_CASE("The common blocks refuse bad fields with their full path", "[spec][errors]") {
  const DataConfig d;
  auto model = [&](const char* text) {
    return error_of([&] { read_model(SpecReader(json::parse(text), "spec.model"), MlpConfig{}, d); });
  };
  CHECK_THAT(model(R"({"hidden": [0]})"), StartsWith("spec.model.hidden = [0]:"));
  CHECK_THAT(model(R"({"hidden": []})"), StartsWith("spec.model.hidden = []:"));
  CHECK_THAT(model(R"({"dropout": 1})"), StartsWith("spec.model.dropout = 1:"));
  CHECK_THAT(model(R"({"ghost_batch": 1, "batch_norm": true})"), StartsWith("spec.model.ghost_batch = 1:"));
  CHECK_THAT(model(R"({"activation": "gelu"})"), StartsWith("spec.model.activation = \"gelu\":"));
  CHECK_THAT(model(R"({"bn_eps": 0})"), StartsWith("spec.model.bn_eps = 0:"));
  CHECK_THAT(model(R"({"width": 3})"), Equals("spec.model.width: unknown field (check the spelling)"));
  CHECK_THAT(model(R"({"ghost_batch": 8})"), Contains("ghost_batch") && Contains("batch_norm"));
  auto data = [&](const char* text) {
    return error_of([&] { read_data(SpecReader(json::parse(text), "spec.data"), DataConfig{}); });
  };
  CHECK_THAT(data(R"({"kind": "swirls"})"), StartsWith("spec.data.kind = \"swirls\":"));
  CHECK_THAT(data(R"({"n_train": 1})"), StartsWith("spec.data.n_train = 1:"));
  CHECK_THAT(data(R"({"label_flip": 0.7})"), StartsWith("spec.data.label_flip = 0.7:"));
  auto train = [&](const char* text) {
    return error_of([&] { read_train(SpecReader(json::parse(text), "spec.train"), TrainConfig{}); });
  };
  CHECK_THAT(train(R"({"lr": 50})"), Equals("spec.train.lr = 50: must be in (0, 10]"));
  CHECK_THAT(train(R"({"lr": 0})"), Equals("spec.train.lr = 0: must be in (0, 10]"));
  CHECK_THAT(train(R"({"batch_size": 0})"), StartsWith("spec.train.batch_size = 0:"));
  CHECK_THAT(train(R"({"optimizer": "rmsprop"})"), StartsWith("spec.train.optimizer = \"rmsprop\":"));
  auto transform = [&](const char* text) {
    return error_of([&] { read_transform(SpecReader(json::parse(text), "spec.transform"), InputTransform{}); });
  };
  CHECK_THAT(transform(R"({"scale": 0})"), StartsWith("spec.transform.scale = 0:"));
  CHECK_THAT(transform(R"({"rotate_deg": 361})"), StartsWith("spec.transform.rotate_deg = 361:"));
}

TEST_CASE("Bad JSON is refused with one line", "[spec][errors]") {
  const std::string m = error_of([] { parse_json("{\"chapter\": \"speed\",}"); });
  CHECK_THAT(m, StartsWith("spec: not valid JSON"));
  CHECK(m.find('\n') == std::string::npos);
  CHECK(parse_json("{\"a\": 1}")["a"] == 1);
}

TEST_CASE("check_work refuses specs beyond the work limit and names them", "[spec][errors]") {
  CHECK_NOTHROW(check_work(kMaxWork, "x"));
  CHECK_THAT(error_of([] { check_work(2.0 * kMaxWork, "speed: steps"); }),
             StartsWith("speed: steps = ") && Contains("multiply-adds"));
  MlpConfig m;
  m.inputs = 2;
  m.hidden = {3};
  m.outputs = 2;
  CHECK(eval_cost(m) == m.num_params());
  CHECK(train_cost(m) == 3.0 * m.num_params());
}

TEST_CASE("Every chapter's preset normalizes to itself", "[spec]") {
  for (const Chapter& c : all_chapters()) {
    DYNAMIC_SECTION(c.name) {
      const json preset = c.preset();
      CHECK(preset["chapter"] == c.name);
      CHECK(c.normalize(preset) == preset);
      // Normalizing is idempotent and fills every default from a minimal spec.
      CHECK(c.normalize(json{{"chapter", c.name}}) == preset);
    }
  }
}

TEST_CASE("Every chapter refuses unknown fields and a wrong chapter name", "[spec][errors]") {
  for (const Chapter& c : all_chapters()) {
    DYNAMIC_SECTION(c.name) {
      json spec = c.preset();
      spec["no_such_field"] = 1;
      CHECK_THAT(error_of([&] { c.normalize(spec); }), Equals("spec.no_such_field: unknown field (check the spelling)"));
      spec = c.preset();
      spec["chapter"] = "other";
      CHECK_THAT(error_of([&] { c.normalize(spec); }), StartsWith("spec.chapter = \"other\""));
      spec = c.preset();
      spec["seed"] = -3;
      CHECK_THAT(error_of([&] { c.normalize(spec); }), StartsWith("spec.seed = -3:"));
      spec = c.preset();
      spec["seeds"] = 0;
      CHECK_THAT(error_of([&] { c.normalize(spec); }), StartsWith("spec.seeds = 0:"));
    }
  }
}

TEST_CASE("find_chapter lists the chapters when the name is unknown", "[spec][errors]") {
  CHECK(find_chapter("speed").name == "speed");
  CHECK_THAT(error_of([] { find_chapter("sped"); }),
             StartsWith("chapter = \"sped\": must be one of speed, distribution, shift, noise"));
}

TEST_CASE("The speed chapter checks its own fields", "[spec][errors]") {
  const Chapter& c = find_chapter("speed");
  json spec = c.preset();
  spec["train"]["batch_size"] = spec["data"]["n_train"].get<int>() + 1;
  CHECK_THAT(error_of([&] { c.normalize(spec); }), StartsWith("spec.train.batch_size = "));
  spec = c.preset();
  spec["train"]["batch_size"] = 1;
  CHECK_THAT(error_of([&] { c.normalize(spec); }), Contains("batch_size") && Contains(">= 2"));
  spec = c.preset();
  spec["steps"] = 200000;
  spec["seeds"] = 20;
  CHECK_THAT(error_of([&] { c.normalize(spec); }), Contains("multiply-adds"));
  spec = c.preset();
  spec["model"]["hidden"] = {64, 0};
  CHECK_THAT(error_of([&] { c.normalize(spec); }), StartsWith("spec.model.hidden = [64,0]:"));
  spec = c.preset();
  spec["model"]["batch_norm"] = true;  // speed trains both nets: batch_norm is not its field
  CHECK_THAT(error_of([&] { c.normalize(spec); }), Equals("spec.model.batch_norm: unknown field (check the spelling)"));
}
