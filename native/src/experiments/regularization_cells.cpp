// The regularization sweep as independent cells (api.h cells/merge): one cell per (seed,
// configuration, batch size) run, and the sweep's result rebuilt from the cells' results.
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "regularization_parts.h"

namespace bnlab {

using namespace regularization_parts;

namespace {

// The cell of (seed index i, config c, batch size b).
RegularizationSpec cell_spec(const RegularizationSpec& s, int i, std::size_t c, std::size_t b) {
  RegularizationSpec k = s;
  k.seeds.seed = s.seeds.seed + static_cast<std::uint64_t>(i);
  k.seeds.seeds = 1;
  k.configs = {s.configs[c]};
  k.batch_sizes = {s.batch_sizes[b]};
  if (i > 0) {
    k.eval_every = 0;
    k.grid = 0;
  }
  return k;
}

double number_at(const json& j, const std::string& where) {
  if (j.is_null()) return kNan;
  if (!j.is_number()) throw Error(where + ": must be a number");
  return j.get<double>();
}

std::vector<double> numbers_at(const json& j, const std::string& where) {
  if (!j.is_array()) throw Error(where + ": must be an array");
  std::vector<double> v;
  for (std::size_t k = 0; k < j.size(); ++k) v.push_back(number_at(j[k], where + "[" + std::to_string(k) + "]"));
  return v;
}

// The one value of a cell's Metric (its single batch size and seed).
double cell_value(const json& config, const char* metric, const std::string& where) {
  const std::string w = where + "." + metric;
  if (!config.contains(metric) || !config[metric].is_object() || !config[metric].contains("values"))
    throw Error(w + ": missing");
  const json& v = config[metric]["values"];
  if (!v.is_array() || v.size() != 1 || !v[0].is_array() || v[0].size() != 1) throw Error(w + ": must hold one value");
  return number_at(v[0][0], w);
}

}  // namespace

json regularization_cells(const RegularizationSpec& s) {
  json list = json::array();
  for (int i = 0; i < s.seeds.seeds; ++i)
    for (std::size_t c = 0; c < s.configs.size(); ++c)
      for (std::size_t b = 0; b < s.batch_sizes.size(); ++b) list.push_back(to_json(cell_spec(s, i, c, b)));
  return list;
}

json regularization_merge(const RegularizationSpec& s, const json& cells) {
  const std::size_t C = s.configs.size(), Bn = s.batch_sizes.size(), S = static_cast<std::size_t>(s.seeds.seeds);
  const std::size_t total = S * C * Bn;
  if (!cells.is_array() || cells.size() != total)
    throw Error("merge: cell_results must be an array of " + std::to_string(total) +
                " entries (one per cell of cells(spec), null = not done)");
  SweepState st(s);
  Standing at;
  double work_total = 0.0, work_done = 0.0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < S; ++i) {
    bool seed_complete = true;
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t b = 0; b < Bn; ++b, ++k) {
        const double w = run_work(s, c, b);
        work_total += w;
        const json& cell = cells[k];
        if (cell.is_null()) {
          seed_complete = false;
          continue;
        }
        const std::string where = "merge: cell_results[" + std::to_string(k) + "]";
        const RegularizationSpec expected = cell_spec(s, static_cast<int>(i), c, b);
        if (!cell.is_object() || !cell.contains("spec") || cell["spec"] != to_json(expected))
          throw Error(where + ": not the result of cell " + std::to_string(k) + " of this spec");
        if (!cell.contains("complete") || cell["complete"] != true)
          throw Error(where + ": not complete (pass null for a cell that is not done)");
        const std::string& name = s.configs[c];
        if (!cell.contains("configs") || !cell["configs"].is_object() || !cell["configs"].contains(name))
          throw Error(where + ".configs." + name + ": missing");
        const json& e = cell["configs"][name];
        const std::string ew = where + ".configs." + name;
        RunResult rr;
        rr.present = true;
        rr.train_loss = cell_value(e, "train_loss", ew);
        rr.test_loss = cell_value(e, "test_loss", ew);
        rr.test_clean_loss = cell_value(e, "test_clean_loss", ew);
        rr.train_accuracy = cell_value(e, "train_accuracy", ew);
        rr.test_accuracy = cell_value(e, "test_accuracy", ew);
        rr.test_clean_accuracy = cell_value(e, "test_clean_accuracy", ew);
        rr.memorized = cell_value(e, "memorized", ew);
        if (!e.contains("diverged") || !e["diverged"].is_array() || e["diverged"].size() != 1 || !e["diverged"][0].is_number_integer())
          throw Error(ew + ".diverged: must hold one count");
        rr.diverged = e["diverged"][0].get<int>() > 0;
        st.runs[c][b][i] = rr;
        if (i == 0 && s.eval_every > 0) {
          const std::string cw = where + ".curves." + name;
          if (!cell.contains("curves") || !cell["curves"].contains(name) || !cell["curves"][name].is_array() ||
              cell["curves"][name].size() != 1)
            throw Error(cw + ": missing");
          const json& q = cell["curves"][name][0];
          Curve& curve = st.curves[c][b];
          for (const char* f : {"epoch", "train_loss", "test_loss", "test_clean_loss"})
            if (!q.contains(f)) throw Error(cw + "[0]." + f + ": missing");
          curve.epoch = numbers_at(q["epoch"], cw + "[0].epoch");
          curve.train_loss = numbers_at(q["train_loss"], cw + "[0].train_loss");
          curve.test_loss = numbers_at(q["test_loss"], cw + "[0].test_loss");
          curve.test_clean_loss = numbers_at(q["test_clean_loss"], cw + "[0].test_clean_loss");
        }
        if (i == 0 && s.grid > 0) {
          if (!cell.contains("regions") || !cell["regions"].contains(name) || !cell["regions"][name].is_array() ||
              cell["regions"][name].size() != 1)
            throw Error(where + ".regions." + name + ": missing");
          st.regions[c][b] = cell["regions"][name][0];
        }
        work_done += w;
        ++at.runs_done;
      }
    if (seed_complete && at.seeds_done == static_cast<int>(i)) ++at.seeds_done;
  }
  if (s.grid > 0) st.train_points = train_points_json(make_train_set(s.data, s.seeds.seed));
  at.complete = at.runs_done == static_cast<long>(total);
  at.progress = at.complete ? 1.0 : (work_total > 0.0 ? work_done / work_total : 0.0);
  at.current = nullptr;
  return write_result(s, to_json(s), st, at);
}

}  // namespace bnlab
