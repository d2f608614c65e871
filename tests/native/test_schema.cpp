// `bnlab schema`: the JSON Schema made by reading each chapter's preset with the readers recording.
// It must describe every field, accept the preset, and agree with the readers: each default is what
// validate() fills in for an absent field, and each bound is one validate() enforces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/spec.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

json schema_of(const std::string& chapter) {
  const Outcome o = schema(chapter);
  REQUIRE(o.ok);
  return json::parse(o.json);
}

json preset_of(const std::string& chapter) {
  const Outcome o = preset(chapter);
  REQUIRE(o.ok);
  return json::parse(o.json);
}

// A leaf of the schema with the preset's value for it: `where` is the path into the preset
// (object keys and list indices), `path` the field's name as messages spell it.
struct Leaf {
  std::vector<json> where;
  std::string path;
  json schema;
  json value;
};

void walk(const json& schema, const json& value, std::vector<json> where, const std::string& path,
          std::vector<Leaf>& out) {
  const std::string type = schema.value("type", "");
  if (type == "object") {
    for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
      if (!value.contains(it.key())) continue;  // written only when set (model.init_std)
      std::vector<json> w = where;
      w.push_back(it.key());
      walk(*it, value[it.key()], w, path + "." + it.key(), out);
    }
    return;
  }
  if (type == "array" && schema["items"].value("type", "") == "object") {
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::vector<json> w = where;
      w.push_back(i);
      walk(schema["items"], value[i], w, path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  out.push_back({where, path, schema, value});
}

json& at(json& j, const std::vector<json>& where) {
  json* node = &j;
  for (const json& k : where) node = k.is_string() ? &(*node)[k.get<std::string>()] : &(*node)[k.get<std::size_t>()];
  return *node;
}

void erase_at(json& j, const std::vector<json>& where) {
  std::vector<json> parent(where.begin(), where.end() - 1);
  at(j, parent).erase(where.back().get<std::string>());
}

// The value's conformance to a leaf schema: "" or what is wrong.
std::string conforms(const json& s, const json& v) {
  const std::string type = s.value("type", "");
  if (s.contains("const")) return v == s["const"] ? "" : "not the const";
  if (type == "number" && !v.is_number()) return "not a number";
  if (type == "integer" && !(v.is_number_integer() || (v.is_number() && v.get<double>() == static_cast<long long>(v.get<double>()))))
    return "not an integer";
  if (type == "boolean" && !v.is_boolean()) return "not a boolean";
  if (type == "string" && !v.is_string()) return "not a string";
  if (type == "array") {
    if (!v.is_array()) return "not a list";
    if (s.contains("minItems") && v.size() < s["minItems"].get<std::size_t>()) return "too short";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<std::size_t>()) return "too long";
    for (const json& e : v) {
      const std::string why = conforms(s["items"], e);
      if (!why.empty()) return "item " + why;
    }
    return "";
  }
  if (v.is_number()) {
    const double x = v.get<double>();
    if (s.contains("minimum") && x < s["minimum"].get<double>()) return "below minimum";
    if (s.contains("exclusiveMinimum") && x <= s["exclusiveMinimum"].get<double>()) return "not above exclusiveMinimum";
    if (s.contains("maximum") && x > s["maximum"].get<double>()) return "above maximum";
  }
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) return "not in the enum";
  return "";
}

void each_property(const json& schema, const std::string& path, const std::function<void(const std::string&, const json&)>& f) {
  if (!schema.contains("properties")) return;
  for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
    f(path + "." + it.key(), *it);
    each_property(*it, path + "." + it.key(), f);
    if (it->contains("items")) each_property((*it)["items"], path + "." + it.key() + "[]", f);
  }
}

// Values just outside a leaf's bounds (none for a boolean or a free-form field).
std::vector<json> outside(const json& s) {
  std::vector<json> bad;
  const std::string type = s.value("type", "");
  if (type == "number" || type == "integer") {
    if (s.contains("maximum")) bad.push_back(s["maximum"].get<double>() * 2 + 1);
    if (s.contains("minimum")) bad.push_back(s["minimum"].get<double>() - 1);
    if (s.contains("exclusiveMinimum")) bad.push_back(s["exclusiveMinimum"]);
    if (type == "integer") bad.push_back(s["minimum"].get<double>() + 0.5);
    bad.push_back("text");
  } else if (type == "string" && s.contains("enum")) {
    bad.push_back("no-such-value");
  } else if (type == "array" && s["items"].value("type", "") != "object") {
    if (s.value("minItems", 0) > 0) bad.push_back(json::array());
    json long_list = json::array();
    for (std::size_t i = 0; i <= s["maxItems"].get<std::size_t>(); ++i) long_list.push_back(s.value("default", json::array()).empty() ? json(1) : s["default"][0]);
    bad.push_back(long_list);
    const json& items = s["items"];
    if (items.contains("maximum")) bad.push_back(json::array({items["maximum"].get<double>() * 2 + 1}));
    if (items.contains("enum")) bad.push_back(json::array({"no-such-value"}));
  } else if (type == "boolean") {
    bad.push_back(1);
  }
  return bad;
}

}  // namespace

TEST_CASE("every chapter's schema describes every field it has", "[schema]") {
  for (const std::string& chapter : chapters()) {
    CAPTURE(chapter);
    const json s = schema_of(chapter);
    CHECK(s["additionalProperties"] == false);
    CHECK(s["properties"]["chapter"]["const"] == chapter);
    for (const char* common : {"chapter", "seed", "seeds"}) CHECK(s["properties"].contains(common));
    int fields = 0;
    each_property(s, "spec", [&](const std::string& path, const json& p) {
      CAPTURE(path);
      ++fields;
      CHECK(p.contains("description"));
      CHECK_FALSE(p.value("description", std::string()).empty());
    });
    CHECK(fields >= 10);
  }
}

TEST_CASE("each preset conforms to its schema, and every default is what validate fills in", "[schema]") {
  for (const std::string& chapter : chapters()) {
    CAPTURE(chapter);
    const json s = schema_of(chapter);
    const json p = preset_of(chapter);
    // additionalProperties false: no preset key the schema does not name
    std::function<void(const json&, const json&, const std::string&)> known = [&](const json& sch, const json& v, const std::string& path) {
      if (!v.is_object()) return;
      for (auto it = v.begin(); it != v.end(); ++it) {
        CAPTURE(path + "." + it.key());
        REQUIRE(sch["properties"].contains(it.key()));
        const json& sub = sch["properties"][it.key()];
        if (sub.value("type", "") == "object") known(sub, *it, path + "." + it.key());
        if (sub.value("type", "") == "array" && sub["items"].value("type", "") == "object")
          for (const json& item : *it) known(sub["items"], item, path + "." + it.key() + "[]");
      }
    };
    known(s, p, "spec");
    std::vector<Leaf> leaves;
    walk(s, p, {}, "spec", leaves);
    REQUIRE(leaves.size() >= 10);
    for (const Leaf& leaf : leaves) {
      CAPTURE(leaf.path, leaf.value.dump());
      CHECK(conforms(leaf.schema, leaf.value).empty());
      // The field left out: validate writes the schema's default back. (Not inside list items,
      // whose defaults may follow the item's other fields, e.g. a sweep's kind.)
      const bool in_item = std::any_of(leaf.where.begin(), leaf.where.end(), [](const json& k) { return k.is_number(); });
      if (!leaf.schema.contains("default") || in_item) continue;
      json without = p;
      erase_at(without, leaf.where);
      const Outcome o = validate(without.dump());
      REQUIRE(o.ok);
      json normalized = json::parse(o.json);
      CHECK(at(normalized, leaf.where) == leaf.schema["default"]);
    }
  }
}

TEST_CASE("a value just outside a field's schema is refused by validate, naming the field", "[schema]") {
  for (const std::string& chapter : chapters()) {
    CAPTURE(chapter);
    const json s = schema_of(chapter);
    const json p = preset_of(chapter);
    std::vector<Leaf> leaves;
    walk(s, p, {}, "spec", leaves);
    int tried = 0;
    for (const Leaf& leaf : leaves) {
      for (const json& bad : outside(leaf.schema)) {
        CAPTURE(leaf.path, bad.dump());
        json spec = p;
        at(spec, leaf.where) = bad;
        const Outcome o = validate(spec.dump());
        CHECK_FALSE(o.ok);
        CHECK_THAT(o.error, StartsWith(leaf.path));
        ++tried;
      }
    }
    CHECK(tried >= 20);
  }
}

TEST_CASE("a field the schema lists but the preset leaves out is accepted at its default", "[schema]") {
  // e.g. model.init_std (written only when set); a field the chapter refuses must not be listed.
  for (const std::string& chapter : chapters()) {
    CAPTURE(chapter);
    const json s = schema_of(chapter);
    const json p = preset_of(chapter);
    int tried = 0;
    std::function<void(const json&, const json&, std::vector<json>, const std::string&)> visit =
        [&](const json& sch, const json& value, std::vector<json> where, const std::string& path) {
          for (auto it = sch["properties"].begin(); it != sch["properties"].end(); ++it) {
            std::vector<json> w = where;
            w.push_back(it.key());
            if (value.contains(it.key())) {
              if (it->value("type", "") == "object") visit(*it, value[it.key()], w, path + "." + it.key());
              continue;
            }
            CAPTURE(path + "." + it.key());
            REQUIRE(it->contains("default"));
            json spec = p;
            at(spec, w) = (*it)["default"];
            const Outcome o = validate(spec.dump());
            CHECK(o.ok);
            CHECK(o.error.empty());
            ++tried;
          }
        };
    visit(s, p, {}, "spec");
    if (chapter == "speed") CHECK(tried >= 1);  // model.init_std
  }
}

TEST_CASE("bnlab schema of all chapters is one oneOf; an unknown chapter is a one-line error", "[schema]") {
  const Outcome all = schema("");
  REQUIRE(all.ok);
  const json j = json::parse(all.json);
  CHECK(j["oneOf"].size() == chapters().size());
  const Outcome bad = schema("nope");
  CHECK_FALSE(bad.ok);
  CHECK_THAT(bad.error, Contains("nope"));
}
