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

json seed_cells(const SeedCells& c) {
  json list = json::array();
  for (int i = 0; i < c.seeds; ++i) list.push_back(c.cell_spec(i));
  return list;
}

const json& field_at(const json& j, std::initializer_list<const char*> path, const std::string& where) {
  const json* at = &j;
  std::string w = where;
  for (const char* key : path) {
    w += std::string(".") + key;
    if (!at->is_object() || !at->contains(key)) throw Error(w + ": missing");
    at = &(*at)[key];
  }
  return *at;
}

json merge_seed_cells(const json& spec, const json& results, const SeedCells& c) {
  const std::size_t n = static_cast<std::size_t>(c.seeds);
  if (!results.is_array() || results.size() != n)
    throw Error("merge: cell_results must be an array of " + std::to_string(n) +
                " entries (one per cell of cells(spec), null = not done)");
  json seed_runs = json::array();
  const json* first = nullptr;
  const json* last = nullptr;
  std::size_t done = 0;
  std::vector<const json*> done_cells;
  for (std::size_t i = 0; i < n; ++i) {
    const json& cell = results[i];
    if (cell.is_null()) continue;
    const std::string where = "merge: cell_results[" + std::to_string(i) + "]";
    if (!cell.is_object() || !cell.contains("spec") || cell["spec"] != c.cell_spec(static_cast<int>(i)))
      throw Error(where + ": not the result of cell " + std::to_string(i) + " of this spec");
    if (cell.value("complete", json()) != true) throw Error(where + ": not complete (pass null for a cell that is not done)");
    json run = c.seed_run(cell, where);
    run["seed"] = c.seed + i;
    for (const std::string& f : c.from_last)
      if (!cell.contains(f)) throw Error(where + "." + f + ": missing");
    seed_runs.push_back(std::move(run));
    if (i == 0) first = &cell;
    last = &cell;
    done_cells.push_back(&cell);
    ++done;
  }
  json r = first ? *first : c.empty_start();
  r["spec"] = spec;
  r["complete"] = done == n;
  r["progress"] = done == n ? 1.0 : static_cast<double>(done) / static_cast<double>(n);
  if (last)
    for (const std::string& f : c.from_last) r[f] = (*last)[f];
  if (n > 1) r["seed_runs"] = seed_runs;
  if (c.finish && first) c.finish(r, seed_runs);
  if (c.finish_cells && first) c.finish_cells(r, done_cells);
  return r;
}

}  // namespace bnlab
