// An experiment: a chapter of the lab as a steppable computation from a spec to a result.
//
// advance(units) does a bounded amount of work (a unit is about one mini-batch step of one
// network) so the browser's worker, or the main thread in time slices, can interleave drawing;
// result() may be called at any time and gives the partial result so far. Everything in and out
// is plain JSON (the schema in README.md); a run is a pure function of its spec (seed included).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "bnlab/spec.h"

namespace bnlab {

class Experiment {
 public:
  virtual ~Experiment() = default;
  virtual void advance(long units) = 0;
  virtual bool done() const = 0;
  virtual double progress() const = 0;  // 0..1
  virtual json result() const = 0;
};

// Data a host hands over as bytes (the library does no I/O): name -> contents. Sessions share
// the bytes with the experiments they start; nothing copies them until a chapter parses them.
using DataStore = std::map<std::string, std::shared_ptr<const std::string>>;

struct Chapter {
  std::string name;   // "speed"
  std::string title;  // "Normalizing speeds up learning"
  // The default spec (DESIGN section 2's protocol), fully written out.
  std::function<json()> preset;
  // Parse + write back: the normalized spec (throws Error with a one-line message).
  std::function<json(const json&)> normalize;
  // A ready-to-advance run of a spec (validated again inside).
  std::function<std::unique_ptr<Experiment>(const json&)> make;
  // Sweeps made of independent runs (api.h cells/merge); empty for a chapter that runs as one
  // cell. cells(spec) -> array of cell specs; merge(spec, [cell result | null ...]) -> the result.
  std::function<json(const json&)> cells;
  std::function<json(const json&, const json&)> merge;
  // Chapters on real data: the name of the data they need from the host ("" = none) and a make
  // that receives it (make then fails with a message saying what is missing and how to get it).
  std::string data;
  std::function<std::unique_ptr<Experiment>(const json&, const DataStore&)> make_with_data;
};

// All chapters in lecture order.
const std::vector<Chapter>& all_chapters();
const Chapter& find_chapter(const std::string& name);  // throws Error listing the names

// The common envelope every result starts with.
json result_envelope(const std::string& chapter, const json& normalized_spec, double progress, bool complete);

// Runs an experiment to the end (tests and the CLI).
json run_to_end(Experiment& e, long units_per_slice = 1000);

// Chapter registration: each chapter file in experiments/ defines `Chapter NAME_chapter()` with
// make_chapter below, and src/experiments/chapters.def lists it once (lecture order); all_chapters()
// is built from that list and everything else (api chapters(), the CLI, the bindings, the tests)
// iterates all_chapters(). docs/adding-a-chapter.md walks through it.
//
// The one way to make a Chapter: from a typed spec S with S parse(const json&) and
// json to_json(const S&) (found by overload resolution), and an experiment class E built either
// from (const S&) or, for a chapter on real data, from (const S&, const DataStore&) (make then
// gets an empty store and fails with the chapter's message; make_with_data gets the host's).
// A chapter adds its own extras to the result (cells/merge, data).
template <typename S, typename E>
Chapter make_chapter(std::string name, std::string title, S (*parse)(const json&)) {
  Chapter c;
  c.name = std::move(name);
  c.title = std::move(title);
  c.preset = [] { return to_json(S{}); };
  c.normalize = [parse](const json& j) { return to_json(parse(j)); };
  if constexpr (std::is_constructible_v<E, const S&, const DataStore&>) {
    c.make = [parse](const json& j) -> std::unique_ptr<Experiment> { return std::make_unique<E>(parse(j), DataStore{}); };
    c.make_with_data = [parse](const json& j, const DataStore& store) -> std::unique_ptr<Experiment> {
      return std::make_unique<E>(parse(j), store);
    };
  } else {
    c.make = [parse](const json& j) -> std::unique_ptr<Experiment> { return std::make_unique<E>(parse(j)); };
  }
  return c;
}

}  // namespace bnlab
