#include "bnlab/experiment.h"

#include "bnlab/error.h"

namespace bnlab {

// The registry: chapters.def names each chapter's registration function once, in lecture order.
#define BNLAB_CHAPTER(function) Chapter function();
#include "experiments/chapters.def"
#undef BNLAB_CHAPTER

const std::vector<Chapter>& all_chapters() {
#ifdef BNLAB_ONLY_CHAPTER
  // A module of one chapter (the wasm build's first-chapter module, bnlab-first.wasm: what the
  // page loads for the chapter it opens on). The other chapters' code is then never linked in.
  static const std::vector<Chapter> chapters = {BNLAB_ONLY_CHAPTER()};
#else
  static const std::vector<Chapter> chapters = {
#define BNLAB_CHAPTER(function) function(),
#include "experiments/chapters.def"
#undef BNLAB_CHAPTER
  };
#endif
  return chapters;
}

const Chapter& find_chapter(const std::string& name) {
  std::string names;
  for (const Chapter& c : all_chapters()) {
    if (c.name == name) return c;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  throw Error("chapter = " + show(json(name)) + ": must be one of " + names);
}

json result_envelope(const std::string& chapter, const json& normalized_spec, double progress, bool complete) {
  return {{"chapter", chapter}, {"spec", normalized_spec}, {"progress", progress}, {"complete", complete}};
}

json run_to_end(Experiment& e, long units_per_slice) {
  while (!e.done()) e.advance(units_per_slice);
  return e.result();
}

}  // namespace bnlab
