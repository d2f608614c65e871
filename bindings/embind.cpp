// embind registration of the facade (native/include/bnlab/api.h). No maths, no defaults.
// A result crosses as the core's own JSON text (Lab.resultJson): the page parses it once, so every
// field has one JS type (numbers, plain Arrays, objects; NaN is null, as the core writes it).
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/heap.h>
#include <malloc.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "bnlab/api.h"
#include "bnlab/bench.h"

using emscripten::EM_VAL;
using emscripten::val;

namespace {

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
  // bytes: a Uint8Array (embind copies it into a std::string).
  val provideData(const std::string& name, const std::string& bytes) { return outcome(session_.provide_data(name, bytes)); }
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
std::string requiredData(const std::string& chapter) { return bnlab::required_data(chapter); }
val validate(const std::string& spec) { return outcome(bnlab::validate(spec)); }
val cells(const std::string& spec) { return outcome(bnlab::cells(spec)); }
val merge(const std::string& spec, const std::string& results) { return outcome(bnlab::merge(spec, results)); }

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

#ifndef BNLAB_FIRST_MODULE
// Training throughput in this engine: the figures `bnlab bench --json` prints natively.
// clock: optional JS function returning seconds (e.g. CPU time under Node); default wall time.
// Not in the first chapter's module (bnlab-first.wasm), which the page loads for its first
// chapter and never benchmarks: the bench scripts load bnlab.mjs.
val bench(int steps, val clock) {
  if (steps < 10 || steps > 1000000) return outcome(bnlab::Outcome{false, "bench steps = " + std::to_string(steps) + ": must be in [10, 1000000]", ""});
  const bool custom = clock.typeOf().as<std::string>() == "function";
  return outcome(bnlab::Outcome{true, "", bnlab::bench_json(bnlab::bench(steps, [&] {
    return custom ? clock().as<double>() : emscripten_get_now() / 1000.0;
  }))});
}
#endif

}  // namespace

EMSCRIPTEN_BINDINGS(bnlab) {
  emscripten::class_<Lab>("Lab")
      .constructor<>()
      .function("start", &Lab::start)
      .function("provideData", &Lab::provideData)
      .function("advance", &Lab::advance)
      .function("running", &Lab::running)
      .function("done", &Lab::done)
      .function("progress", &Lab::progress)
      .function("cancel", &Lab::cancel)
      .function("resultJson", &Lab::resultJson);
  emscripten::function("chapters", &chapters);
  emscripten::function("preset", &preset);
  emscripten::function("requiredData", &requiredData);
  emscripten::function("validate", &validate);
  emscripten::function("cells", &cells);
  emscripten::function("merge", &merge);
  emscripten::function("run", &run);
#ifndef BNLAB_FIRST_MODULE
  emscripten::function("bench", &bench);
#endif
  emscripten::function("heap", &heap);
}
