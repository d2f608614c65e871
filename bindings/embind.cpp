// embind registration of the facade (native/include/bnlab/api.h). No maths, no defaults.
// Results cross as {meta, arrays}: meta is the result JSON with every numeric array (4 or more
// numbers) replaced by {"$array": k}, arrays[k] is a Float64Array copy (null becomes NaN). The
// echoed "spec" is left as it is, so it can be sent back unchanged.
// web/src/unpack.js puts them back together.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>
#include <emscripten/val.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/bench.h"

using emscripten::EM_VAL;
using emscripten::val;
using nlohmann::json;

namespace {

constexpr std::size_t kMinPackedLength = 4;

bool isNumericArray(const json& node) {
  if (!node.is_array() || node.size() < kMinPackedLength) return false;
  bool anyNumber = false;
  for (const auto& item : node) {
    if (item.is_number()) {
      anyNumber = true;
    } else if (!item.is_null()) {
      return false;
    }
  }
  return anyNumber;
}

void pack(json& node, std::vector<std::vector<double>>& arrays) {
  if (isNumericArray(node)) {
    std::vector<double> values;
    values.reserve(node.size());
    for (const auto& item : node) {
      values.push_back(item.is_null() ? std::numeric_limits<double>::quiet_NaN() : item.get<double>());
    }
    json ref = {{"$array", arrays.size()}};
    arrays.push_back(std::move(values));
    node = std::move(ref);
    return;
  }
  if (node.is_array() || node.is_object()) {
    for (auto& child : node) pack(child, arrays);
  }
}

val packedResult(const std::string& resultJson) {
  val out = val::object();
  json parsed = json::parse(resultJson, nullptr, false);
  if (parsed.is_discarded()) {
    out.set("meta", resultJson);
    out.set("arrays", val::array());
    return out;
  }
  std::vector<std::vector<double>> arrays;
  if (parsed.is_object()) {
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
      if (it.key() != "spec") pack(it.value(), arrays);  // the echoed spec stays plain JSON
    }
  } else {
    pack(parsed, arrays);
  }
  val list = val::array();
  val float64Array = val::global("Float64Array");
  for (const auto& values : arrays) {
    val view(emscripten::typed_memory_view(values.size(), values.data()));
    list.call<void>("push", float64Array.new_(view));
  }
  out.set("meta", parsed.dump());
  out.set("arrays", list);
  return out;
}

val outcome(const bnlab::Outcome& result) {
  val out = val::object();
  out.set("ok", result.ok);
  out.set("error", result.error);
  out.set("value", result.ok ? val(result.json) : val::null());
  return out;
}

class Lab {
 public:
  val start(const std::string& spec) { return outcome(session_.start(spec)); }
  val advance(double units) {
    if (!(units >= 1 && units <= bnlab::kMaxAdvanceUnits) || std::floor(units) != units) {  // no UB cast
      char text[40];
      std::snprintf(text, sizeof text, "%.17g", units);
      return outcome(bnlab::Outcome{false, std::string("advance: units = ") + text + ": must be a whole number in [1, " +
                                               std::to_string(bnlab::kMaxAdvanceUnits) + "]", ""});
    }
    return outcome(session_.advance(static_cast<long>(units)));
  }
  bool running() const { return session_.running(); }
  bool done() const { return session_.done(); }
  double progress() const { return session_.progress(); }
  void cancel() { session_.cancel(); }
  val result() const { return packedResult(session_.result_json()); }
  std::string resultJson() const { return session_.result_json(); }

 private:
  bnlab::Session session_;
};

val chapters() {
  val list = val::array();
  for (const auto& name : bnlab::chapters()) list.call<void>("push", val(name));
  return list;
}

val preset(const std::string& chapter) { return outcome(bnlab::preset(chapter)); }
val validate(const std::string& spec) { return outcome(bnlab::validate(spec)); }

// Calls onProgress(fraction) inside a JS try/catch: a JS exception thrown through C++ frames
// would skip their destructors (a leak per call). Returns the exception's message, or null.
EM_JS(EM_VAL, bnlab_call_progress, (EM_VAL fn, double fraction), {
  try {
    Emval.toValue(fn)(fraction);
    return Emval.toHandle(null);
  } catch (e) {
    return Emval.toHandle(String((e && e.message) || e));
  }
});

struct ProgressThrew {
  std::string message;
};

void reportProgress(double fraction, void* user) {
  val error = val::take_ownership(bnlab_call_progress(static_cast<val*>(user)->as_handle(), fraction));
  if (!error.isNull()) throw ProgressThrew{error.as<std::string>()};  // a C++ exception unwinds bnlab::run
}

// One-shot run (Node tests, the CLI's equivalent): onProgress(fraction) after every slice.
val run(const std::string& spec, val onProgress) {
  const bool hasCallback = onProgress.typeOf().as<std::string>() == "function";
  try {
    return outcome(hasCallback ? bnlab::run(spec, &reportProgress, &onProgress) : bnlab::run(spec));
  } catch (const ProgressThrew& e) {
    return outcome(bnlab::Outcome{false, "onProgress threw: " + e.message.substr(0, 200), ""});
  }
}

// Bytes malloc has handed out and not taken back (the long-use test watches it stay flat), and
// the size of the wasm memory (it only grows).
val heap() {
  const struct mallinfo m = mallinfo();
  val out = val::object();
  out.set("used", static_cast<double>(m.uordblks));
  out.set("total", static_cast<double>(emscripten_get_heap_size()));
  return out;
}

val packJson(const std::string& resultJson) { return packedResult(resultJson); }

// Training throughput in this engine: the figures `bnlab bench` prints natively.
val bench(int steps) {
  if (steps < 10 || steps > 1000000) return outcome(bnlab::Outcome{false, "bench steps = " + std::to_string(steps) + ": must be in [10, 1000000]", ""});
  nlohmann::json list = nlohmann::json::array();
  for (const bnlab::BenchFigure& f : bnlab::bench_training(steps, [] { return emscripten_get_now() / 1000.0; }))
    list.push_back({{"name", f.name}, {"steps", f.steps}, {"batch", f.batch}, {"seconds", f.seconds},
                    {"samples_per_second", f.samples_per_second}});
  return outcome(bnlab::Outcome{true, "", list.dump()});
}

}  // namespace

EMSCRIPTEN_BINDINGS(bnlab) {
  emscripten::class_<Lab>("Lab")
      .constructor<>()
      .function("start", &Lab::start)
      .function("advance", &Lab::advance)
      .function("running", &Lab::running)
      .function("done", &Lab::done)
      .function("progress", &Lab::progress)
      .function("cancel", &Lab::cancel)
      .function("result", &Lab::result)
      .function("resultJson", &Lab::resultJson);
  emscripten::function("chapters", &chapters);
  emscripten::function("preset", &preset);
  emscripten::function("validate", &validate);
  emscripten::function("run", &run);
  emscripten::function("pack", &packJson);
  emscripten::function("bench", &bench);
  emscripten::function("heap", &heap);
}
