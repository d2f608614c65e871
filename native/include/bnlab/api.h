// The facade: the one surface that the CLI and the WebAssembly bindings call.
//
// Everything crosses as JSON text (the spec/result schema documented in README.md), so the CLI,
// the page and the URL hash speak one language and validation happens here, once.
// Nothing here throws: every failure comes back as a value with a one-line message.
//
// A run is steppable: start(spec) builds the experiment, advance(units) does a bounded amount of
// work (one unit ~ one mini-batch step of one network; the caller chooses how many per slice so a
// browser can keep frames flowing), result() is the partial result so far (final once done()).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bnlab {

class Experiment;

constexpr long kMaxAdvanceUnits = 2147483647;

struct Outcome {
  bool ok = true;
  std::string error;  // one line naming the field, the value and the allowed range
  std::string json;   // the payload when ok
};

// Chapter names in lecture order, from the registry (src/experiments/chapters.def).
std::vector<std::string> chapters();

// The data a chapter needs from the host before it can start ("" = none; "fashion-mnist" for
// images: an IDX bundle, see idx.h). Unknown chapters give "".
std::string required_data(const std::string& chapter);

// The chapter's default spec (the protocol of DESIGN section 2), as JSON.
Outcome preset(const std::string& chapter);

// A chapter's spec as JSON Schema (draft 2020-12), made by reading its preset with the readers
// recording: every field's type, default, range and description. "" = all chapters (oneOf).
Outcome schema(const std::string& chapter);

// Parses and validates a spec; on success json is the normalized spec with every default filled in.
Outcome validate(const std::string& spec_json);

// A sweep as independent cells, so a pool of workers (the page) or threads (`bnlab run --jobs N`)
// can run them in any order and get the same bytes. cells(spec): json = a JSON array of cell specs,
// each a complete spec for Session::start; for the regularization sweep one per (seed, config,
// batch size) run in the sweep's seed-major order; for any other chapter the normalized spec alone.
Outcome cells(const std::string& spec_json);
// merge(spec, results): results = a JSON array as long as cells(spec) and in its order, each entry
// the final result of that cell's run or null when not done. json = the chapter's result: once
// every entry is there, byte-identical to running the whole spec; with nulls a partial result
// ("complete": false, "progress" = share of the cells' work done, metrics over the cells done).
Outcome merge(const std::string& spec_json, const std::string& cell_results_json);

class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Validates the spec and prepares the run; replaces any run in progress.
  Outcome start(const std::string& spec_json);
  // Hands over data a chapter needs (the library does no I/O): kept for every later start.
  // `name` must be one a chapter asks for (required_data); contents are checked at start.
  Outcome provide_data(const std::string& name, std::string bytes);
  // Does at most `units` units of work; returns an error outcome if the run failed, or if units
  // is outside [1, kMaxAdvanceUnits] (the largest long in wasm32; more than any run has).
  Outcome advance(long units);
  bool running() const;   // started, not done, not cancelled
  bool done() const;
  double progress() const;  // 0..1
  // The result so far as JSON (partial while running, with "complete": false).
  std::string result_json() const;
  void cancel();

 private:
  std::unique_ptr<Experiment> experiment_;
  std::map<std::string, std::shared_ptr<const std::string>> data_;
  bool cancelled_ = false;
  std::string failure_;
};

// One-shot convenience for the CLI and tests: start + advance to the end.
// `on_progress` (may be empty) is called after every slice with progress in 0..1 and the
// partial result is available through the session if needed.
Outcome run(const std::string& spec_json, void (*on_progress)(double, void*) = nullptr,
            void* user = nullptr);

}  // namespace bnlab
