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
SpecSchema* g_schema = nullptr;
bool recording() { return g_schema != nullptr; }
json with_doc(json shape, const char* doc) {
  if (doc) shape["description"] = doc;
  return shape;
}
json enum_of(std::initializer_list<const char*> allowed) {
  json e = json::array();
  for (const char* a : allowed) e.push_back(a);
  return e;
}

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

void SpecReader::note(const std::string& key, json shape, const char* doc) const {
  for (const auto& r : refused_)
    if (r.first == key) return;
  g_schema->record(path_, key, with_doc(std::move(shape), doc));
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

namespace {
// The common blocks' fields, each declared once (read by read_X, written by to_json).
template <class Io, class D>
void data_fields(Io& io, D& d) {
  io.choice("kind", d.kind, {"moons", "circles", "spirals", "xor", "blobs"}, "the 2-D data set (DESIGN section 1)");
  io.integer("n_train", d.n_train, 2, 100000, "training examples drawn from the data set");
  io.integer("n_test", d.n_test, 1, 100000, "test examples, drawn independently of the training set");
  io.number("noise", d.noise, 0.0, 2.0, "standard deviation of the Gaussian noise added to each point");
  io.number("label_flip", d.label_flip, 0.0, 0.5, "fraction of training labels replaced by a random other class");
  io.integer("classes", d.classes, 2, 8, "number of classes (blobs and spirals; moons, circles and xor have 2)");
}

template <class Io, class T>
void train_fields(Io& io, T& t) {
  io.choice("optimizer", t.optimizer.kind, {"sgd", "adam"}, "the optimizer");
  io.positive("lr", t.optimizer.lr, 0.0, 10.0, "learning rate");
  io.number("momentum", t.optimizer.momentum, 0.0, 0.999, "SGD momentum (heavy ball; unused by adam)");
  io.number("weight_decay", t.optimizer.weight_decay, 0.0, 1.0, "L2 weight decay added to the gradient");
  io.integer("batch_size", t.batch_size, 1, 100000, "mini-batch size m");
}

template <class Io, class T>
void transform_fields(Io& io, T& t) {
  io.number("tx", t.tx, -100.0, 100.0, "shift of the inputs along x");
  io.number("ty", t.ty, -100.0, 100.0, "shift of the inputs along y");
  io.positive("scale", t.scale, 0.0, 100.0, "uniform scale of the inputs");
  io.positive("sx", t.sx, 0.0, 100.0, "scale along x, before the rotation");
  io.positive("sy", t.sy, 0.0, 100.0, "scale along y, before the rotation");
  io.number("rotate_deg", t.rotate_deg, -360.0, 360.0, "rotation of the inputs in degrees (x' = scale * R (sx x, sy y) + (tx, ty))");
}
// A whole block read (every field, then no other) or written by its fields function.
template <class T, class Fields>
T read_block(SpecReader& r, T value, Fields fields) {
  FieldReader in(r);
  fields(in, value);
  r.finish();
  return value;
}
template <class T, class Fields>
json write_block(const T& value, Fields fields) {
  json j;
  FieldWriter out(j);
  fields(out, value);
  return j;
}
const auto kData = [](auto& io, auto& d) { data_fields(io, d); };
const auto kTrain = [](auto& io, auto& t) { train_fields(io, t); };
const auto kTransform = [](auto& io, auto& t) { transform_fields(io, t); };
}  // namespace

DataConfig read_data(SpecReader r, DataConfig d) {
  d = read_block(r, d, kData);
  d.validate();
  return d;
}

json to_json(const DataConfig& d) { return write_block(d, kData); }

MlpConfig read_model(SpecReader r, MlpConfig m, const DataConfig& data, bool with_bn) {
  m.inputs = 2;
  m.outputs = data.num_classes();
  m.hidden = r.integers("hidden", m.hidden, 1, 16, 1, 1024, "units of each hidden layer, input side first");
  m.activation = activation_from_name(
      r.choice("activation", activation_name(m.activation), {"relu", "tanh", "sigmoid"}, "the hidden layers' nonlinearity"));
  if (with_bn) m.batch_norm = r.boolean("batch_norm", m.batch_norm, "batch norm between each hidden linear layer and its activation");
  m.dropout = r.number("dropout", m.dropout, 0.0, 0.95, "inverted-dropout drop probability after each hidden activation (0 = off)");
  m.bn_momentum = r.number("bn_momentum", m.bn_momentum, 0.0, 1.0, "weight of the newest batch in the running mean/variance (PyTorch's convention)");
  m.bn_eps = r.positive("bn_eps", m.bn_eps, 0.0, 1.0, "epsilon added to the variance before the square root");
  m.ghost_batch = r.integer("ghost_batch", m.ghost_batch, 0, 100000, "ghost batch norm: normalize over groups of this many examples (0 = off, else >= 2)");
  if (m.ghost_batch == 1) throw Error(r.field("ghost_batch") + " = 1: must be 0 (off) or >= 2");
  m.init_std = r.number("init_std", m.init_std, 0.0, 10.0, "standard deviation of the initial weights (0 = He for relu, Glorot otherwise)");
  r.finish();
  if (with_bn) m.validate();
  return m;
}

json to_json(const MlpConfig& m, bool with_bn) {
  json j = {{"hidden", m.hidden},         {"activation", activation_name(m.activation)},
            {"dropout", m.dropout},       {"bn_momentum", m.bn_momentum},
            {"bn_eps", m.bn_eps},         {"ghost_batch", m.ghost_batch}};
  if (with_bn) j["batch_norm"] = m.batch_norm;
  if (m.init_std > 0.0) j["init_std"] = m.init_std;  // written only when set: 0 (He / Glorot) is every other chapter's default
  return j;
}

TrainConfig read_train(SpecReader r, TrainConfig t) {
  t = read_block(r, t, kTrain);
  t.optimizer.validate();
  return t;
}

json to_json(const TrainConfig& t) { return write_block(t, kTrain); }

InputTransform read_transform(SpecReader r, InputTransform t) { return read_block(r, t, kTransform); }

json to_json(const InputTransform& t) { return write_block(t, kTransform); }

void check_work(double multiply_adds, const std::string& what) {
  if (multiply_adds > kMaxWork) {
    throw Error(what + " = " + message_text(multiply_adds) + " multiply-adds: more than the limit of " +
                message_text(kMaxWork) + " (fewer steps, epochs, seeds or smaller layers)");
  }
}

double eval_cost(const MlpConfig& m) { return static_cast<double>(m.num_params()); }
double train_cost(const MlpConfig& m) { return 3.0 * static_cast<double>(m.num_params()); }

namespace {
// A first pass over the text with nlohmann's SAX parser, which keeps its own stack and does not
// recurse: it bounds the nesting before anything that does recurse (the DOM parser, SpecReader's
// copies, dump) sees the text, refuses a key given twice in one object (json::parse would keep the
// last one), and words number errors with the field they belong to.
class SpecChecker : public nlohmann::json_sax<json> {
 public:
  std::string error;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t x, const string_t& text) override {
    if (x == 0.0) {
      // strtod rounds a tiny non-zero literal (1e-400) to 0; that would change the input.
      const std::string mantissa = text.substr(0, text.find_first_of("eE"));
      if (mantissa.find_first_of("123456789") != std::string::npos)
        return fail(where() + " = " + clip(text, 60) + ": too small for a double (it would become 0)");
    }
    return value();
  }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) return fail(path(k) + ": given twice in one object (each field may appear once)");
    f.key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) override {
    if (e.id == 406)  // number overflow: strtod gave +-inf
      return fail(where() + " = " + clip(token, 60) + ": out of the range of a double (magnitude above 1.8e308)");
    std::string what = e.what();
    const auto at = what.find("parse error");
    return fail("spec: not valid JSON (" + clip(at == std::string::npos ? what : what.substr(at), 200) + ")");
  }

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;
    std::size_t index = 0;
  };
  std::vector<Frame> frames_;

  bool fail(const std::string& message) {
    if (error.empty()) error = message;
    return false;
  }
  std::string path(const std::string& last) const {
    std::string p = "spec";
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool top = i + 1 == frames_.size();
      if (f.object) p += "." + clip(top ? last : f.key, 40);
      else p += "[" + std::to_string(top ? f.index : f.index - 1) + "]";
      if (p.size() > 200) return clip(p, 200);
    }
    return p;
  }
  // The field the value being read belongs to.
  std::string where() const {
    if (frames_.empty()) return "spec";
    const Frame& f = frames_.back();
    return path(f.object ? f.key : std::string());
  }
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool open(bool object) {
    if (frames_.size() >= kMaxSpecDepth)
      return fail(where() + ": nested more than " + std::to_string(kMaxSpecDepth) + " levels deep");
    value();
    frames_.push_back(Frame{object, {}, {}, 0});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
};
}  // namespace

void check_json_text(const std::string& text) {
  if (text.size() > kMaxSpecBytes)
    throw Error("spec: " + std::to_string(text.size()) + " bytes, more than the limit of " +
                std::to_string(kMaxSpecBytes));
  const auto nul = text.find('\0');
  if (nul != std::string::npos)
    throw Error("spec: a NUL byte at offset " + std::to_string(nul) + " (JSON text cannot contain one)");
  SpecChecker checker;
  if (!json::sax_parse(text, &checker) || !checker.error.empty())
    throw Error(checker.error.empty() ? std::string("spec: not valid JSON") : checker.error);
}

json parse_json(const std::string& text) {
  check_json_text(text);
  return json::parse(text);
}

}  // namespace bnlab
