// The regularization chapter's result: the metrics of every (configuration, batch size) over the
// seeds done, with 95% intervals, the paired rise of the gap, the curves and regions of the first
// seed, and the takeaway. Written the same from the sweep (regularization.cpp) and from its cells
// (regularization_cells.cpp).
#include <cmath>

#include "bnlab/stats.h"
#include "regularization_parts.h"

namespace bnlab {
namespace regularization_parts {

std::string label_of(const std::string& c) {
  if (c == "none") return "no regularization";
  if (c == "bn") return "BN";
  if (c == "bn_population") return "BN, whole-set statistics";
  if (c == "dropout") return "dropout";
  return "BN + dropout";
}

namespace {

template <typename F>
json metric(const SweepState& st, std::size_t c, F field) {
  std::vector<double> mean, half;
  std::vector<int> n;
  json values = json::array();
  for (const std::vector<RunResult>& cell : st.runs[c]) {
    std::vector<double> v;
    for (const RunResult& rr : cell)
      if (rr.present) v.push_back(field(rr));
    const stats::Interval iv = stats::t_interval95(v);
    mean.push_back(v.empty() ? std::nan("") : iv.mean);
    half.push_back(v.empty() ? std::nan("") : iv.half_width);
    n.push_back(iv.n);
    values.push_back(series(v));
  }
  return {{"mean", series(mean)}, {"half_width", series(half)}, {"n", n}, {"values", values}};
}

// gap(last batch size) - gap(first), per seed that has both (paired: same data, init, order).
std::vector<double> rise(const SweepState& st, std::size_t c) {
  std::vector<double> out;
  if (st.runs[c].size() < 2) return out;
  const auto& first = st.runs[c].front();
  const auto& last = st.runs[c].back();
  for (std::size_t s = 0; s < first.size(); ++s)
    if (first[s].present && last[s].present) out.push_back(last[s].gap() - first[s].gap());
  return out;
}

// The index of a configuration in the spec, or -1.
int config_index(const RegularizationSpec& spec, const char* name) {
  for (std::size_t c = 0; c < spec.configs.size(); ++c)
    if (spec.configs[c] == name) return static_cast<int>(c);
  return -1;
}

// A paired effect per batch size: gap(a) - gap(b) on each seed that has both runs (same data,
// init and batch order), as a Metric. `full_batch` (B >= n_train) marks where the two nets are the
// same by construction (noise_effect: mini-batch BN at B = N is whole-set BN): no value there, so a
// zero made by definition is never read as a measurement.
json paired_effect(const RegularizationSpec& spec, const SweepState& st, std::size_t a, std::size_t b, bool skip_full) {
  std::vector<double> mean, half;
  std::vector<int> n;
  std::vector<bool> full;
  json values = json::array();
  for (std::size_t k = 0; k < spec.batch_sizes.size(); ++k) {
    const bool is_full = spec.batch_sizes[k] >= spec.data.n_train;
    full.push_back(is_full);
    std::vector<double> v;
    if (!(skip_full && is_full))
      for (std::size_t s = 0; s < st.runs[a][k].size(); ++s)
        if (st.runs[a][k][s].present && st.runs[b][k][s].present) v.push_back(st.runs[a][k][s].gap() - st.runs[b][k][s].gap());
    const stats::Interval iv = stats::t_interval95(v);
    mean.push_back(v.empty() ? std::nan("") : iv.mean);
    half.push_back(v.empty() ? std::nan("") : iv.half_width);
    n.push_back(iv.n);
    values.push_back(series(v));
  }
  return {{"mean", series(mean)}, {"half_width", series(half)}, {"n", n}, {"values", values}, {"full_batch", full}};
}

// "0.038 +- 0.006" (or just the mean with one seed).
std::string with_interval(const json& effect, std::size_t k) {
  const json& m = effect["mean"][k];
  if (!m.is_number()) return "";
  std::string t = fixed(m.get<double>(), 3);
  if (effect["n"][k].get<int>() > 1) t += " +- " + fixed(effect["half_width"][k].get<double>(), 3);
  return t;
}

// The lecture's sentence, measured: the noise effect at each batch size, then dropout's.
std::string effects_text(const RegularizationSpec& spec, const json& noise, const json& drop) {
  std::string t;
  if (!noise.is_null()) {
    std::vector<std::string> parts;
    std::string full;
    for (std::size_t k = 0; k < spec.batch_sizes.size(); ++k) {
      const std::string B = std::to_string(spec.batch_sizes[k]);
      if (noise["full_batch"][k].get<bool>()) full = B;
      else if (const std::string v = with_interval(noise, k); !v.empty()) parts.push_back(v + " at batch " + B);
    }
    if (!parts.empty()) {
      t = "Regularization from BN's noise (gap of BN with whole-set statistics - gap of BN with mini-batch statistics): ";
      for (std::size_t i = 0; i < parts.size(); ++i) t += (i ? ", " : "") + parts[i];
      if (!full.empty()) t += "; batch " + full + " is the whole training set: full batch, no noise";
      t += ".";
    }
  }
  if (!drop.is_null()) {
    std::vector<std::string> parts;
    for (std::size_t k = 0; k < spec.batch_sizes.size(); ++k)
      if (const std::string v = with_interval(drop, k); !v.empty()) parts.push_back(v + " at " + std::to_string(spec.batch_sizes[k]));
    if (!parts.empty()) {
      t += std::string(t.empty() ? "" : " ") + "Dropout's effect (gap without - gap with dropout): ";
      for (std::size_t i = 0; i < parts.size(); ++i) t += (i ? ", " : "") + parts[i];
      t += ".";
    }
  }
  return t;
}

double mean_gap(const SweepState& st, std::size_t c, std::size_t b) {
  std::vector<double> v;
  for (const RunResult& rr : st.runs[c][b])
    if (rr.present) v.push_back(rr.gap());
  return v.empty() ? std::nan("") : stats::mean(v);
}

std::string takeaway(const RegularizationSpec& spec, const SweepState& st, const Standing& at, const std::string& effects) {
  const std::size_t Bn = spec.batch_sizes.size();
  const std::string lo = std::to_string(spec.batch_sizes.front()), hi = std::to_string(spec.batch_sizes.back());
  // BN leads (it is the claim), the others follow in the spec's order.
  std::vector<std::size_t> order;
  for (std::size_t c = 0; c < spec.configs.size(); ++c)
    if (spec.configs[c] == "bn") order.push_back(c);
  for (std::size_t c = 0; c < spec.configs.size(); ++c)
    if (spec.configs[c] != "bn") order.push_back(c);
  std::string t;
  for (std::size_t c : order) {
    const double a = mean_gap(st, c, 0), b = mean_gap(st, c, Bn - 1);
    if (!std::isfinite(a)) continue;
    const std::string& name = spec.configs[c];
    std::string part;
    if (t.empty()) {
      part = (name == "bn" ? std::string("BN") : label_of(name)) + "'s train/test loss gap: " + fixed(a, 3) +
             " at batch " + lo;
      if (Bn > 1 && std::isfinite(b)) part += ", " + fixed(b, 3) + " at " + hi;
    } else {
      part = label_of(name) + ": " + fixed(a, 3);
      if (Bn > 1 && std::isfinite(b)) part += " -> " + fixed(b, 3);
    }
    const std::vector<double> rs = rise(st, c);
    if (rs.size() >= 2) {
      const stats::Interval iv = stats::t_interval95(rs);
      part += " (" + std::string(iv.mean >= 0 ? "+" : "") + fixed(iv.mean, 3) + " +- " + fixed(iv.half_width, 3) + ")";
    }
    t += (t.empty() ? "" : "; ") + part;
  }
  if (t.empty()) return "Training the first nets...";
  t += ".";
  if (!effects.empty()) t = effects + " " + t;
  if (spec.batch_sizes.back() >= spec.data.n_train && spec.mode != "population")
    t += " Batch " + hi + " is all " + std::to_string(spec.data.n_train) +
         " training examples: full-batch BN, no noise in its statistics.";
  const int seeds = at.seeds_done < spec.seeds.seeds ? at.seeds_done : spec.seeds.seeds;
  if (!at.complete) t += " (" + std::to_string(seeds) + " of " + std::to_string(spec.seeds.seeds) + " seeds done so far.)";
  else if (spec.seeds.seeds > 1) t += " Mean over " + std::to_string(seeds) + " paired seeds; +- is the 95% interval of the rise from batch " + lo + " to " + hi + ".";
  return t;
}

}  // namespace

json write_result(const RegularizationSpec& spec, const json& spec_json, const SweepState& st, const Standing& at) {
  json r = result_envelope("regularization", spec_json, at.progress, at.complete);
  const std::size_t C = spec.configs.size(), Bn = spec.batch_sizes.size();
  r["mode"] = spec.mode;
  r["batch_size"] = spec.batch_sizes;
  r["seeds_done"] = at.seeds_done;
  r["runs_done"] = at.runs_done;
  r["runs_total"] = static_cast<long>(spec.seeds.seeds) * static_cast<long>(C * Bn);
  r["current"] = at.current;
  json configs = json::object();
  for (std::size_t c = 0; c < C; ++c) {
    const std::string& name = spec.configs[c];
    json e;
    e["label"] = label_of(name);
    std::vector<double> lr, ghost;
    std::vector<int> diverged(Bn, 0);
    for (std::size_t b = 0; b < Bn; ++b) {
      const int B = spec.batch_sizes[b];
      lr.push_back(spec.lr_for(B));
      ghost.push_back(uses_bn(name) && name != "bn_population" && B < spec.sgd_batch_for(B) ? B : 0);
      for (const RunResult& rr : st.runs[c][b]) diverged[b] += rr.present && rr.diverged ? 1 : 0;
    }
    e["lr"] = lr;
    if (spec.mode == "ghost") e["ghost_batch"] = ghost;
    e["diverged"] = diverged;
    e["gap"] = metric(st, c, [](const RunResult& x) { return x.gap(); });
    e["train_loss"] = metric(st, c, [](const RunResult& x) { return x.train_loss; });
    e["test_loss"] = metric(st, c, [](const RunResult& x) { return x.test_loss; });
    e["test_clean_loss"] = metric(st, c, [](const RunResult& x) { return x.test_clean_loss; });
    e["train_accuracy"] = metric(st, c, [](const RunResult& x) { return x.train_accuracy; });
    e["test_accuracy"] = metric(st, c, [](const RunResult& x) { return x.test_accuracy; });
    e["test_clean_accuracy"] = metric(st, c, [](const RunResult& x) { return x.test_clean_accuracy; });
    e["memorized"] = metric(st, c, [](const RunResult& x) { return x.memorized; });
    const std::vector<double> rises = rise(st, c);
    if (rises.empty()) {
      e["rise"] = nullptr;
    } else {
      const stats::Interval iv = stats::t_interval95(rises);
      e["rise"] = {{"mean", iv.mean}, {"half_width", iv.half_width}, {"n", iv.n}, {"values", series(rises)}};
    }
    configs[name] = e;
  }
  r["configs"] = configs;
  // The paired effects (present when the spec has both configurations of one).
  const int none = config_index(spec, "none"), bn = config_index(spec, "bn"), pop = config_index(spec, "bn_population"),
            drop = config_index(spec, "dropout");
  json noise_effect, dropout_effect;
  if (bn >= 0 && pop >= 0) r["noise_effect"] = noise_effect = paired_effect(spec, st, static_cast<std::size_t>(pop), static_cast<std::size_t>(bn), true);
  if (none >= 0 && drop >= 0) r["dropout_effect"] = dropout_effect = paired_effect(spec, st, static_cast<std::size_t>(none), static_cast<std::size_t>(drop), false);
  if (spec.eval_every > 0) {
    json curves = json::object();
    for (std::size_t c = 0; c < C; ++c) {
      json list = json::array();
      for (std::size_t b = 0; b < Bn; ++b) {
        const Curve& k = st.curves[c][b];
        list.push_back({{"batch_size", spec.batch_sizes[b]},
                        {"epoch", series(k.epoch)},
                        {"train_loss", series(k.train_loss)},
                        {"test_loss", series(k.test_loss)},
                        {"test_clean_loss", series(k.test_clean_loss)}});
      }
      curves[spec.configs[c]] = list;
    }
    r["curves"] = curves;
  }
  if (spec.grid > 0) {
    json regions = json::object();
    for (std::size_t c = 0; c < C; ++c) regions[spec.configs[c]] = st.regions[c];
    r["regions"] = regions;
    r["train_points"] = st.train_points;
  }
  r["takeaway"] = takeaway(spec, st, at, effects_text(spec, noise_effect, dropout_effect));
  return r;
}

}  // namespace regularization_parts
}  // namespace bnlab
