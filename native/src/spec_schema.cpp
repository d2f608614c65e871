// SpecSchema: while one is alive, every SpecReader call records its field; json_schema() turns the
// record into the JSON Schema of a chapter's spec (bnlab schema, web/generated schemas).
#include <algorithm>

#include "bnlab/error.h"
#include "bnlab/spec.h"

namespace bnlab {

namespace {
SpecSchema* g_schema = nullptr;

void widen(json& kept, const json& seen) {
  if (kept.contains("default") && (!seen.contains("default") || seen["default"] != kept["default"])) {
    kept.erase("default");
    kept["$comment"] = "its default depends on the other fields of its item";
  }
  for (const char* lower : {"minimum", "exclusiveMinimum"})
    if (kept.contains(lower) && seen.contains(lower))
      kept[lower] = std::min(kept[lower].get<double>(), seen[lower].get<double>());
  if (kept.contains("maximum") && seen.contains("maximum"))
    kept["maximum"] = std::max(kept["maximum"].get<double>(), seen["maximum"].get<double>());
}
}  // namespace

SpecSchema::SpecSchema() {
  if (g_schema) throw Error("SpecSchema: one at a time");
  g_schema = this;
}
SpecSchema::~SpecSchema() { g_schema = nullptr; }
SpecSchema* SpecSchema::active() { return g_schema; }


void SpecSchema::record(const std::string& path, const std::string& key, json shape) {
  std::string folded;
  for (std::size_t i = 0; i < path.size(); ++i) {
    folded += path[i];
    if (path[i] == '[') {
      while (i + 1 < path.size() && path[i + 1] != ']') ++i;
    }
  }
  const std::string name = folded + "." + key;
  for (auto& f : fields_) {
    if (f.first != name) continue;
    for (auto it = shape.begin(); it != shape.end(); ++it)  // e.g. a description the first read lacked
      if (it.key() != "default" && !f.second.contains(it.key())) f.second[it.key()] = *it;
    // Seen again (another list item): where its rules follow the item's other fields (a sweep's
    // kind sets its range and defaults), the schema keeps the widest range and no default.
    widen(f.second, shape);
    if (f.second.contains("items") && shape.contains("items")) widen(f.second["items"], shape["items"]);
    return;
  }
  fields_.emplace_back(name, std::move(shape));
}

json SpecSchema::json_schema(const std::string& title) const {
  json root = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
               {"title", title},
               {"type", "object"},
               {"additionalProperties", false},
               {"properties", json::object()}};
  for (const auto& f : fields_) {
    // "spec.a.b[].c": walk from the root; "x[]" is a list whose items are objects.
    json* node = &root;
    std::size_t start = f.first.find('.') + 1;
    while (true) {
      const std::size_t dot = f.first.find('.', start);
      std::string part = f.first.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        (*node)["properties"][part] = f.second;
        break;
      }
      const bool list = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
      if (list) part.resize(part.size() - 2);
      json& next = (*node)["properties"][part];
      if (list) {
        next["type"] = "array";
        json& items = next["items"];
        items["type"] = "object";
        items["additionalProperties"] = false;
        node = &items;
      } else {
        next["type"] = "object";
        next["additionalProperties"] = false;
        node = &next;
      }
      start = dot + 1;
    }
  }
  return root;
}

}  // namespace bnlab
