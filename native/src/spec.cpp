// SpecReader: reads one object of a spec field by field (range checks, one-line messages naming the
// field) and, while a SpecSchema records, notes each field's shape. Also the message helpers
// clip() and show(). The other concerns of specs have their own files: spec_schema.cpp (the
// recorded JSON Schema), spec_blocks.cpp (the blocks every chapter shares: data, model, train,
// transform; work limits), json_text.cpp (the checks on the raw text before it is parsed).
#include "bnlab/spec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bnlab/error.h"

namespace bnlab {

namespace {
// Length of the well-formed UTF-8 sequence starting at text[i], or 0 if it is not one.
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}
}  // namespace

std::string clip(const std::string& text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (chars == max_chars) return out + "...";
    ++chars;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (n == 0 || c < 0x20 || c == 0x7F) {  // a control character or a byte that is not UTF-8
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.append(text, i, n);
      i += n;
      continue;
    }
    ++i;
  }
  return out;
}

std::string show(const json& v) {
  // Bounded: values reaching here come from parse_json (at most kMaxSpecBytes, kMaxSpecDepth deep).
  return clip(v.dump(-1, ' ', false, json::error_handler_t::replace), 60);
}

namespace {
std::string fmt(double x) { return message_text(x); }
}  // namespace

SpecReader::SpecReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
  if (j_.is_null()) j_ = json::object();
  if (!j_.is_object()) throw Error(path_ + " = " + show(j) + ": must be an object");
}

void SpecReader::fail(const std::string& key, const json& value, const std::string& rule) const {
  throw Error(field(key) + " = " + show(value) + ": " + rule);
}

const json* SpecReader::get(const std::string& key) {
  seen_.insert(key);
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  return &*it;
}
namespace {
bool recording() { return SpecSchema::active() != nullptr; }
json with_doc(json shape, const char* doc) {
  if (doc) shape["description"] = doc;
  return shape;
}
json enum_of(std::initializer_list<const char*> allowed) {
  json e = json::array();
  for (const char* a : allowed) e.push_back(a);
  return e;
}
}  // namespace

void SpecReader::note(const std::string& key, json shape, const char* doc) const {
  for (const auto& r : refused_)
    if (r.first == key) return;
  SpecSchema::active()->record(path_, key, with_doc(std::move(shape), doc));
}

void SpecReader::refuse(const std::string& dotted, const std::string& why) {
  if (dotted.find('.') == std::string::npos && j_.contains(dotted)) throw Error(field(dotted) + ": " + why);
  refused_.emplace_back(dotted, why);
}

const json* SpecReader::raw(const std::string& key, const char* doc, json shape) {
  if (recording()) note(key, std::move(shape), doc);
  return get(key);
}

double SpecReader::number(const std::string& key, double fallback, double lo, double hi, const char* doc) {
  if (recording()) note(key, {{"type", "number"}, {"default", fallback}, {"minimum", lo}, {"maximum", hi}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, *v, "must be a number in [" + fmt(lo) + ", " + fmt(hi) + "]");
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi)) fail(key, *v, "must be in [" + fmt(lo) + ", " + fmt(hi) + "]");
  return x;
}

double SpecReader::positive(const std::string& key, double fallback, double lo, double hi, const char* doc) {
  if (recording())
    note(key, {{"type", "number"}, {"default", fallback}, {"exclusiveMinimum", lo}, {"maximum", hi}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) fail(key, *v, "must be a number in (" + fmt(lo) + ", " + fmt(hi) + "]");
  const double x = v->get<double>();
  if (!(x > lo && x <= hi)) fail(key, *v, "must be in (" + fmt(lo) + ", " + fmt(hi) + "]");
  return x;
}

int SpecReader::integer(const std::string& key, int fallback, int lo, int hi, const char* doc) {
  if (recording()) note(key, {{"type", "integer"}, {"default", fallback}, {"minimum", lo}, {"maximum", hi}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  const std::string rule = "must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v->is_number()) fail(key, *v, rule);
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi) || std::floor(x) != x) fail(key, *v, rule);
  return static_cast<int>(x);
}

std::uint64_t SpecReader::seed(const std::string& key, std::uint64_t fallback, const char* doc) {
  if (recording())
    note(key, {{"type", "integer"}, {"default", fallback}, {"minimum", 0}, {"maximum", 1ULL << 53}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  const std::string rule = "must be a whole number in [0, 9007199254740992]";
  if (!v->is_number()) fail(key, *v, rule);
  if (v->is_number_unsigned()) {
    const auto x = v->get<std::uint64_t>();
    if (x > (1ULL << 53)) fail(key, *v, rule);
    return x;
  }
  const double x = v->get<double>();
  if (!(x >= 0 && x <= 9007199254740992.0) || std::floor(x) != x) fail(key, *v, rule);
  return static_cast<std::uint64_t>(x);
}

bool SpecReader::boolean(const std::string& key, bool fallback, const char* doc) {
  if (recording()) note(key, {{"type", "boolean"}, {"default", fallback}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) fail(key, *v, "must be true or false");
  return v->get<bool>();
}

std::string SpecReader::choice(const std::string& key, const std::string& fallback,
                               std::initializer_list<const char*> allowed, const char* doc) {
  if (recording()) note(key, {{"type", "string"}, {"default", fallback}, {"enum", enum_of(allowed)}}, doc);
  const json* v = get(key);
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (!v) return fallback;
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    for (const char* a : allowed)
      if (s == a) return s;
  }
  fail(key, *v, "must be one of " + list);
}

std::vector<int> SpecReader::integers(const std::string& key, const std::vector<int>& fallback, std::size_t min_len,
                                      std::size_t max_len, int lo, int hi, const char* doc) {
  if (recording())
    note(key, {{"type", "array"}, {"default", fallback}, {"minItems", min_len}, {"maxItems", max_len},
               {"items", {{"type", "integer"}, {"minimum", lo}, {"maximum", hi}}}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  const std::string rule = "must be a list of " + std::to_string(min_len) + " to " + std::to_string(max_len) +
                           " whole numbers in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!v->is_array() || v->size() < min_len || v->size() > max_len) fail(key, *v, rule);
  std::vector<int> out;
  for (const json& e : *v) {
    if (!e.is_number()) fail(key, *v, rule);
    const double x = e.get<double>();
    if (!(x >= lo && x <= hi) || std::floor(x) != x) fail(key, *v, rule);
    out.push_back(static_cast<int>(x));
  }
  return out;
}

std::vector<double> SpecReader::numbers(const std::string& key, const std::vector<double>& fallback,
                                        std::size_t min_len, std::size_t max_len, double lo, double hi,
                                        const char* doc) {
  if (recording())
    note(key, {{"type", "array"}, {"default", fallback}, {"minItems", min_len}, {"maxItems", max_len},
               {"items", {{"type", "number"}, {"minimum", lo}, {"maximum", hi}}}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  const std::string rule = "must be a list of " + std::to_string(min_len) + " to " + std::to_string(max_len) +
                           " numbers in [" + fmt(lo) + ", " + fmt(hi) + "]";
  if (!v->is_array() || v->size() < min_len || v->size() > max_len) fail(key, *v, rule);
  std::vector<double> out;
  for (const json& e : *v) {
    if (!e.is_number()) fail(key, *v, rule);
    const double x = e.get<double>();
    if (!(x >= lo && x <= hi)) fail(key, *v, rule);
    out.push_back(x);
  }
  return out;
}

std::vector<std::string> SpecReader::choices(const std::string& key, const std::vector<std::string>& fallback,
                                             std::initializer_list<const char*> allowed, const char* doc) {
  if (recording())
    note(key, {{"type", "array"}, {"default", fallback}, {"minItems", 1}, {"maxItems", allowed.size()},
               {"uniqueItems", true}, {"items", {{"type", "string"}, {"enum", enum_of(allowed)}}}}, doc);
  const json* v = get(key);
  if (!v) return fallback;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  const std::string rule = "must be a non-empty list of distinct values from " + list;
  if (!v->is_array() || v->empty() || v->size() > allowed.size()) fail(key, *v, rule);
  std::vector<std::string> out;
  for (const json& e : *v) {
    bool ok = false;
    if (e.is_string())
      for (const char* a : allowed) ok = ok || e.get<std::string>() == a;
    if (!ok) fail(key, *v, rule);
    for (const std::string& o : out)
      if (o == e.get<std::string>()) fail(key, *v, rule);
    out.push_back(e.get<std::string>());
  }
  return out;
}

SpecReader SpecReader::child(const std::string& key, const char* doc) {
  if (recording()) note(key, {{"type", "object"}, {"additionalProperties", false}}, doc);
  const json* v = get(key);
  if (v && !v->is_object()) fail(key, *v, "must be an object");
  SpecReader c(v ? *v : json::object(), field(key));
  const std::string prefix = key + ".";
  for (const auto& r : refused_)
    if (r.first.compare(0, prefix.size(), prefix) == 0) c.refuse(r.first.substr(prefix.size()), r.second);
  return c;
}

void SpecReader::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (!seen_.count(it.key())) throw Error(field(clip(it.key(), 60)) + ": unknown field (check the spelling)");
}

}  // namespace bnlab
