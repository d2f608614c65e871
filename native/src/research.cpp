#include "bnlab/research.h"

#include "bnlab/error.h"
#include "bnlab/spec.h"

namespace bnlab {

namespace {
thread_local bool research_scale_active = false;
}  // namespace

ResearchScale::ResearchScale() : before_(research_scale_active) { research_scale_active = true; }
ResearchScale::~ResearchScale() { research_scale_active = before_; }
bool ResearchScale::active() { return research_scale_active; }

int sweep_max_seeds(int page_max) { return research_scale_active ? kMaxResearchSeeds : page_max; }

Outcome research_validate(const std::string& spec_json) {
  ResearchScale scope;
  return validate(spec_json);
}

Outcome research_cells(const std::string& spec_json) {
  ResearchScale scope;
  return cells(spec_json);
}

Outcome research_merge(const std::string& spec_json, const std::string& cell_results_json) {
  ResearchScale scope;
  return merge(spec_json, cell_results_json);
}

Outcome start_research_cell(Session& session, const std::string& cell_spec_json) {
  ResearchScale scope;
  const Outcome listed = cells(cell_spec_json);
  if (!listed.ok) return listed;
  const std::size_t n = json::parse(listed.json).size();
  if (n != 1)
    return Outcome{false,
                   "spec: a sweep of " + std::to_string(n) + " cells, not one cell (run one of its cells: bnlab cells)",
                   ""};
  return session.start(cell_spec_json);
}

json one_cell_merge(const std::string& chapter, const json& results, const std::function<json()>& empty_start) {
  if (!results.is_array() || results.size() != 1)
    throw Error("merge: cell_results must have 1 entry for chapter \"" + chapter + "\" (it has " +
                std::to_string(results.is_array() ? results.size() : 0) + ")");
  if (results[0].is_null()) return empty_start();
  if (!results[0].is_object() || results[0].value("chapter", json()) != chapter)
    throw Error("merge: cell_results[0]: not a result of chapter \"" + chapter + "\"");
  return results[0];
}

}  // namespace bnlab
