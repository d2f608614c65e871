// Research scale: a sweep that outside schedulers (GNU parallel, Slurm job arrays, a Python driver)
// run as independent cells, through the CLI's `cells`, `run --cell` and `merge`.
//
// The chapters whose cells split seeds (regularization: one cell per seed, configuration and batch
// size; images: one per net and seed) then take up to kMaxResearchSeeds seeds and no bound on the
// sweep's total work, while each cell is still held to kMaxWork when it starts. Other chapters
// behave as in api.h. The page calls cells / merge / Session::start and a one-process `bnlab run`
// calls Session::start, none of which enters research scale, so their limits stay: the page
// never starts an unbounded sweep.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bnlab/api.h"
#include "bnlab/experiment.h"
#include "bnlab/spec.h"

namespace bnlab {

constexpr int kMaxResearchSeeds = 100000;

// A scoped flag of the calling thread: research scale while an instance lives.
class ResearchScale {
 public:
  ResearchScale();
  ~ResearchScale();
  ResearchScale(const ResearchScale&) = delete;
  ResearchScale& operator=(const ResearchScale&) = delete;
  static bool active();

 private:
  bool before_;
};

// The most seeds of a chapter whose cells split its seeds: `page_max`, or kMaxResearchSeeds at
// research scale.
int sweep_max_seeds(int page_max);

// api.h's validate, cells and merge at research scale.
Outcome research_validate(const std::string& spec_json);
Outcome research_cells(const std::string& spec_json);
Outcome research_merge(const std::string& spec_json, const std::string& cell_results_json);

// session.start for one cell of research_cells(spec) at research scale; a spec that is a sweep
// of several cells is refused (each cell is what the work bound holds).
Outcome start_research_cell(Session& session, const std::string& cell_spec_json);

// For a chapter whose cells() splits only at research scale (speed: one cell per seed): its merge
// outside research scale, the one-cell merge of api.cpp (the one result as it is; null = the run's
// empty start, `empty_start()`).
json one_cell_merge(const std::string& chapter, const json& results, const std::function<json()>& empty_start);

// Seed cells (research scale): a chapter whose multi-seed run shows its first seed (curves,
// takeaway) and lists every seed in "seed_runs" (when seeds > 1) splits into one cell per seed,
// cell i = the spec with "seed": seed + i and "seeds": 1 (cell_spec may also turn off what only the
// first seed draws). merge_seed_cells rebuilds the run's exact bytes: the first cell's result with
// the sweep's spec, "seed_runs" from each cell's result (seed_run gives an entry without "seed"),
// and the fields named in from_last from the last cell's result (what the run holds when it ends).
struct SeedCells {
  std::uint64_t seed = 1;  // the sweep's first seed
  int seeds = 1;
  std::function<json(int)> cell_spec;                               // normalized spec of cell i
  std::function<json(const json&, const std::string&)> seed_run;    // (a cell's result, where) -> entry
  std::vector<std::string> from_last;
  std::function<json()> empty_start;  // the run's result before any work (no cell done yet)
  // Optional: what else the run writes from its seed_runs (distribution: the takeaway's mean).
  std::function<void(json& result, const json& seed_runs)> finish;
  // Optional: what else the run computes from every seed's measurements, read from the cells' own
  // results (those done, in order; shift: its means and intervals over seeds). Called after finish.
  std::function<void(json& result, const std::vector<const json*>& cells)> finish_cells;
};
// The usual start of a chapter's SeedCells: cell i is the spec with "seed": seed + i and
// "seeds": 1; `later` (optional) turns off, in cells i > 0, what only the first seed draws.
template <typename S>
SeedCells seed_cells_for(const S& s, void (*later)(S&) = nullptr) {
  SeedCells c;
  c.seed = s.seeds.seed;
  c.seeds = s.seeds.seeds;
  c.cell_spec = [s, later](int i) {
    S k = s;
    k.seeds.seed = s.seeds.seed + static_cast<std::uint64_t>(i);
    k.seeds.seeds = 1;
    if (i > 0 && later) later(k);
    return to_json(k);
  };
  return c;
}
json seed_cells(const SeedCells& c);
json merge_seed_cells(const json& spec, const json& results, const SeedCells& c);
// Gives chapter c (made by make_chapter<S, E>) one cell per seed at research scale only: the page
// and `bnlab run --jobs` keep running it as one cell (its normalized spec), as before.
template <typename S, typename E>
void split_seeds_at_research_scale(Chapter& c, S (*parse)(const json&), SeedCells (*seed_cells_of)(const S&)) {
  c.cells = [parse, seed_cells_of](const json& j) {
    const S s = parse(j);
    return ResearchScale::active() ? seed_cells(seed_cells_of(s)) : json::array({to_json(s)});
  };
  c.merge = [name = c.name, parse, seed_cells_of](const json& j, const json& results) {
    const S s = parse(j);
    if (ResearchScale::active()) return merge_seed_cells(to_json(s), results, seed_cells_of(s));
    return one_cell_merge(name, results, [&] { return E(s).result(); });
  };
}
// A cell result's field at a path ("nets", "plain", ...), or an Error naming it after `where`.
const json& field_at(const json& j, std::initializer_list<const char*> path, const std::string& where);

}  // namespace bnlab
