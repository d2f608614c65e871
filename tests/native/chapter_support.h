// Helpers for the chapter tests: run a spec to the end, the message a spec is refused with, and
// the progress a run reports unit by unit.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab::test {

// The chapter's result for `spec` ("chapter" filled in), run to the end in slices of `slice` units.
inline json run_chapter(const std::string& chapter, json spec, long slice) {
  spec["chapter"] = chapter;
  std::unique_ptr<Experiment> e = find_chapter(chapter).make(spec);
  return run_to_end(*e, slice);
}

// The one-line message the chapter refuses `spec` with, or "(accepted)".
inline std::string refusal_of(const std::string& chapter, const json& spec) {
  try {
    find_chapter(chapter).normalize(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

// Bad specs ("chapter" filled in where absent): each must be refused with one line naming `field`.
struct RefusedCase {
  json spec;
  std::string field;
};
inline void check_refusals(const std::string& chapter, const std::vector<RefusedCase>& cases) {
  for (const RefusedCase& c : cases) {
    json spec = c.spec;
    if (!spec.contains("chapter")) spec["chapter"] = chapter;
    const std::string msg = refusal_of(chapter, spec);
    INFO(spec.dump() << " -> " << msg);
    CHECK_THAT(msg, Catch::Matchers::Contains(c.field));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg != "(accepted)");
  }
}

// A run advanced one unit at a time: progress() after each unit (the last once done) and the result.
struct UnitByUnit {
  std::vector<double> progress;
  json result;
};
inline UnitByUnit run_unit_by_unit(const std::string& chapter, json spec) {
  spec["chapter"] = chapter;
  std::unique_ptr<Experiment> e = find_chapter(chapter).make(spec);
  UnitByUnit r;
  while (!e->done()) {
    e->advance(1);
    r.progress.push_back(e->progress());
  }
  r.result = e->result();
  return r;
}

// Whether every value is i / total for a whole i, never falling, below 1 until the last, which is 1.
inline std::string exact_progress(const std::vector<double>& p, double total) {
  for (std::size_t k = 0; k < p.size(); ++k) {
    const double units = p[k] * total;
    const std::string at = "unit " + std::to_string(k + 1) + ": progress " + std::to_string(p[k]);
    if (std::abs(units - std::round(units)) > 1e-6) return at + " is not a whole number of units of " + std::to_string(total);
    if (k > 0 && p[k] < p[k - 1]) return at + " fell";
    if (k + 1 < p.size() && !(p[k] < 1.0)) return at + " reached 1 before the end";
  }
  if (p.empty() || p.back() != 1.0) return "the last progress is not 1";
  return "";
}

}  // namespace bnlab::test
