// Specs: the one experiment language. A spec is plain JSON data (chapter, seed, data, model,
// training, chapter fields); each chapter parses it into a typed struct with these readers and
// writes the struct back out, so "validate" = parse + write (every default filled in) and a preset
// is simply the default struct written out.
//
// Validation lives here, once: the CLI and the page reject bad input with the same one-line
// message, e.g.  spec.train.lr = 50: must be in (0, 10]
// Unknown fields are errors too (a typo must not silently fall back to a default).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnlab/dataset.h"
#include "bnlab/model.h"
#include "bnlab/trainer.h"

namespace bnlab {

using json = nlohmann::json;

class SpecReader {
 public:
  // `j` must be an object (or null: all defaults). `path` prefixes messages, e.g. "spec.train".
  SpecReader(const json& j, std::string path);

  // Every reader takes a last `doc`: the field's one-line description for `bnlab schema`. The call
  // is the field's one declaration: name, type, default (the fallback), range and doc line.
  double number(const std::string& key, double fallback, double lo, double hi, const char* doc = nullptr);
  // Like number, but the range is open at lo: lo < value <= hi.
  double positive(const std::string& key, double fallback, double lo, double hi, const char* doc = nullptr);
  int integer(const std::string& key, int fallback, int lo, int hi, const char* doc = nullptr);
  std::uint64_t seed(const std::string& key, std::uint64_t fallback, const char* doc = nullptr);  // 0 .. 2^53
  bool boolean(const std::string& key, bool fallback, const char* doc = nullptr);
  std::string choice(const std::string& key, const std::string& fallback, std::initializer_list<const char*> allowed,
                     const char* doc = nullptr);
  std::vector<int> integers(const std::string& key, const std::vector<int>& fallback, std::size_t min_len,
                            std::size_t max_len, int lo, int hi, const char* doc = nullptr);
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback, std::size_t min_len,
                              std::size_t max_len, double lo, double hi, const char* doc = nullptr);
  std::vector<std::string> choices(const std::string& key, const std::vector<std::string>& fallback,
                                   std::initializer_list<const char*> allowed, const char* doc = nullptr);
  SpecReader child(const std::string& key, const char* doc = nullptr);  // a nested object (absent = all defaults)
  // Marks the key as known; null if absent. `shape` is its JSON Schema for `bnlab schema` (the
  // caller checks the value itself); fields read from inside it (list items) are added to it.
  const json* raw(const std::string& key, const char* doc = nullptr, json shape = json::object());
  void ignore(const std::string& key) { seen_.insert(key); }
  // A field a shared block would read but this chapter sets itself (e.g. "train.batch_size"):
  // given, it is refused with `why` as soon as its object is reached; the schema leaves it out.
  // A dotted path is handed down to the child reader of its first part.
  void refuse(const std::string& dotted, const std::string& why);
  // Throws on the first field that no reader asked for.
  void finish() const;
  std::string field(const std::string& key) const { return path_ + "." + key; }

 private:
  void note(const std::string& key, json shape, const char* doc) const;
  const json* get(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const json& value, const std::string& rule) const;
  json j_;
  std::string path_;
  std::set<std::string> seen_;
  std::vector<std::pair<std::string, std::string>> refused_;  // dotted path below this reader -> why
};

// A chapter's own fields are declared once, in a function template over an `Io`:
//   template <class Io, class S> void speed_fields(Io& io, S& s) {
//     io.integer("steps", s.steps, 1, 200000, "training steps of each net"); ... }
// Called with a FieldReader it reads each field (the member's value is the default, the range is
// checked, the field is recorded for `bnlab schema`); with a FieldWriter (and a const spec) it
// writes each one back. Checks across fields stay after the call, in the chapter's parser.
class FieldReader {
 public:
  static constexpr bool reading = true;
  explicit FieldReader(SpecReader& r) : r_(r) {}
  void integer(const char* key, int& v, int lo, int hi, const char* doc) { v = r_.integer(key, v, lo, hi, doc); }
  void number(const char* key, double& v, double lo, double hi, const char* doc) { v = r_.number(key, v, lo, hi, doc); }
  void positive(const char* key, double& v, double lo, double hi, const char* doc) { v = r_.positive(key, v, lo, hi, doc); }
  void boolean(const char* key, bool& v, const char* doc) { v = r_.boolean(key, v, doc); }
  void choice(const char* key, std::string& v, std::initializer_list<const char*> allowed, const char* doc) {
    v = r_.choice(key, v, allowed, doc);
  }
  void integers(const char* key, std::vector<int>& v, std::size_t min_len, std::size_t max_len, int lo, int hi,
                const char* doc) {
    v = r_.integers(key, v, min_len, max_len, lo, hi, doc);
  }
  void numbers(const char* key, std::vector<double>& v, std::size_t min_len, std::size_t max_len, double lo, double hi,
               const char* doc) {
    v = r_.numbers(key, v, min_len, max_len, lo, hi, doc);
  }
  void choices(const char* key, std::vector<std::string>& v, std::initializer_list<const char*> allowed,
               const char* doc) {
    v = r_.choices(key, v, allowed, doc);
  }
  SpecReader& reader() { return r_; }

 private:
  SpecReader& r_;
};

class FieldWriter {
 public:
  static constexpr bool reading = false;
  explicit FieldWriter(json& j) : j_(j) {}
  template <typename T>
  void integer(const char* key, const T& v, int, int, const char*) { j_[key] = v; }
  void number(const char* key, double v, double, double, const char*) { j_[key] = v; }
  void positive(const char* key, double v, double, double, const char*) { j_[key] = v; }
  void boolean(const char* key, bool v, const char*) { j_[key] = v; }
  void choice(const char* key, const std::string& v, std::initializer_list<const char*>, const char*) { j_[key] = v; }
  template <typename T>
  void integers(const char* key, const std::vector<T>& v, std::size_t, std::size_t, int, int, const char*) { j_[key] = v; }
  void numbers(const char* key, const std::vector<double>& v, std::size_t, std::size_t, double, double, const char*) {
    j_[key] = v;
  }
  void choices(const char* key, const std::vector<std::string>& v, std::initializer_list<const char*>, const char*) {
    j_[key] = v;
  }
  json& out() { return j_; }

 private:
  json& j_;
};

// While a SpecSchema is alive, every SpecReader call records its field (the library has no
// threads; one at a time). Reading a chapter's fully written-out preset then visits every field,
// list items included, and json_schema() assembles them into a JSON Schema (draft 2020-12):
// types, defaults, ranges, enums, list lengths, descriptions, additionalProperties false.
class SpecSchema {
 public:
  SpecSchema();
  ~SpecSchema();
  SpecSchema(const SpecSchema&) = delete;
  SpecSchema& operator=(const SpecSchema&) = delete;
  static SpecSchema* active();
  // `path` as a reader has it ("spec.train", "spec.shifts[2]"); list indices are folded to [].
  void record(const std::string& path, const std::string& key, json shape);
  json json_schema(const std::string& title) const;

 private:
  std::vector<std::pair<std::string, json>> fields_;  // "spec.train.lr" -> its schema, first seen
};

// The common blocks' descriptions (for the `child` that reads them).
inline constexpr char kDataDoc[] = "the data set, drawn from the seed";
inline constexpr char kModelDoc[] = "the MLP (input 2, the hidden layers, a softmax output)";
inline constexpr char kTrainDoc[] = "the optimizer and the mini-batch";

// The common blocks. `with_bn` false: the chapter sets batch_norm itself (e.g. it trains both).
DataConfig read_data(SpecReader r, DataConfig d);
json to_json(const DataConfig& d);
MlpConfig read_model(SpecReader r, MlpConfig m, const DataConfig& data, bool with_bn = true);
json to_json(const MlpConfig& m, bool with_bn = true);
TrainConfig read_train(SpecReader r, TrainConfig t);
json to_json(const TrainConfig& t);
InputTransform read_transform(SpecReader r, InputTransform t);
json to_json(const InputTransform& t);

// Bounds on total work so a typo cannot hang the page or the CLI: multiply-adds of all training
// and evaluation, estimated before anything runs. 2e11 is a few minutes natively.
constexpr double kMaxWork = 2e11;
void check_work(double multiply_adds, const std::string& what);
// Forward + backward multiply-adds of one example through the model (about 3x the forward).
double train_cost(const MlpConfig& m);
double eval_cost(const MlpConfig& m);

// Parses JSON text; a syntax error becomes Error("spec: not valid JSON: ...").
// Limits on spec text, checked before anything recursive (json::parse, SpecReader, dump) runs.
// A spec is a few hundred bytes and 3 levels deep; these leave ample room.
constexpr std::size_t kMaxSpecBytes = 1000000;
constexpr std::size_t kMaxSpecDepth = 32;

// Throws Error, one line naming the field: over kMaxSpecBytes, a NUL byte, deeper than
// kMaxSpecDepth, a key given twice in one object, a number outside a double (1e400) or one that
// would round to 0 (1e-400), or text that is not JSON.
void check_json_text(const std::string& text);
json parse_json(const std::string& text);  // check_json_text, then the parsed value

// For messages: at most max_chars characters (UTF-8 aware) then "...", control characters escaped,
// so a message stays one short line whatever the input holds.
std::string clip(const std::string& text, std::size_t max_chars);
std::string show(const json& v);  // v.dump() through clip(.., 60)

}  // namespace bnlab
