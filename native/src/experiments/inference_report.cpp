// Reports of the inference chapter: the JSON of its records, the summary over seeds, the takeaway.
#include <algorithm>
#include <cmath>

#include "bnlab/stats.h"
#include "inference_records.h"

namespace bnlab {
namespace inference {

namespace {

std::string percent(double a) { return fixed(100.0 * a, 1) + "%"; }

std::string trim(double v) {
  std::string s = fixed(v, 4);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

json eval_json(const ModeEval& e) { return {{"accuracy", e.accuracy}, {"loss", e.loss}}; }

}  // namespace

json checkpoint_json(const CheckpointRecord& c) {
  json running = json::array(), batch = json::array(), point_running = json::array(), point_batch = json::array();
  for (const RunningEval& r : c.running) {
    running.push_back({{"decay", r.decay},
                       {"bn_momentum", 1.0 - r.decay},
                       {"accuracy", r.eval.accuracy},
                       {"loss", r.eval.loss},
                       {"mean_gap", r.mean_gap},
                       {"var_gap", r.var_gap}});
    point_running.push_back(series(r.point));
  }
  for (const BatchEval& b : c.batch) {
    batch.push_back({{"size", b.size}, {"accuracy", b.eval.accuracy}, {"loss", b.eval.loss}});
    point_batch.push_back(
        {{"size", b.size}, {"mean", series(b.point_mean)}, {"min", series(b.point_min)}, {"max", series(b.point_max)}});
  }
  return {{"step", c.step},
          {"population", eval_json(c.population)},
          {"running", running},
          {"batch", batch},
          {"point", {{"population", series(c.point_population)}, {"running", point_running}, {"batch", point_batch}}},
          {"batch1", {{"probabilities", series(c.batch1_probabilities)}, {"max_difference", c.batch1_max_difference}}}};
}

json curve_json(const Curve& c) {
  json ra = json::array(), mg = json::array(), vg = json::array();
  for (std::size_t d = 0; d < c.running_accuracy.size(); ++d) {
    ra.push_back(series(c.running_accuracy[d]));
    mg.push_back(series(c.mean_gap[d]));
    vg.push_back(series(c.var_gap[d]));
  }
  return {{"step", series(c.step)},
          {"population_accuracy", series(c.population_accuracy)},
          {"running_accuracy", ra},
          {"mean_gap", mg},
          {"var_gap", vg}};
}

json summary_over_seeds(const InferenceSpec& spec, const json& seed_runs) {
  auto interval = [](const std::vector<double>& v) {
    const stats::Interval i = stats::t_interval95(v);
    return json{{"mean", i.mean}, {"half_width", i.half_width}};
  };
  auto numbers = [](const json& a) {
    std::vector<double> v;
    for (const json& x : a) v.push_back(x.is_number() ? x.get<double>() : std::nan(""));
    return v;
  };
  json out = json::array();
  for (std::size_t k = 0; k < spec.checkpoints.size(); ++k) {
    std::vector<double> pop;
    std::vector<std::vector<double>> run(spec.ema_decays.size()), bat(spec.test_batch_sizes.size());
    for (const json& seed : seed_runs) {
      // A seed lists its completed checkpoints in order (one that diverged stops early).
      const json& cps = seed["checkpoints"];
      if (k >= cps.size()) continue;
      const json& c = cps[k];
      pop.push_back(c["population"].is_number() ? c["population"].get<double>() : std::nan(""));
      const std::vector<double> r = numbers(c["running"]), b = numbers(c["batch"]);
      for (std::size_t d = 0; d < r.size(); ++d) run[d].push_back(r[d]);
      for (std::size_t i = 0; i < b.size(); ++i) bat[i].push_back(b[i]);
    }
    if (pop.empty()) continue;
    json r = json::array(), b = json::array();
    for (const auto& v : run) r.push_back(interval(v));
    for (const auto& v : bat) b.push_back(interval(v));
    out.push_back({{"step", spec.checkpoints[k]}, {"population", interval(pop)}, {"running", r}, {"batch", b}});
  }
  return out;
}

json seed_run_entry(const std::vector<CheckpointRecord>& cps) {
  json list = json::array();
  for (const CheckpointRecord& c : cps) {
    if (!c.complete) continue;
    std::vector<double> run, bat;
    for (const RunningEval& r : c.running) run.push_back(r.eval.accuracy);
    for (const BatchEval& b : c.batch) bat.push_back(b.eval.accuracy);
    list.push_back({{"step", c.step}, {"population", c.population.accuracy}, {"running", run}, {"batch", bat}});
  }
  return {{"checkpoints", list}};
}

std::string takeaway(const InferenceSpec& spec, const std::vector<CheckpointRecord>& cps, long step, long diverged_at) {
  std::vector<const CheckpointRecord*> done_cps;
  for (const CheckpointRecord& c : cps)
    if (c.complete) done_cps.push_back(&c);
  std::string t;
  if (done_cps.empty()) {
    t = "Training: step " + with_commas(step) + " of " + with_commas(spec.checkpoints.back()) + ".";
  } else {
    const CheckpointRecord& last = *done_cps.back();
    // The decay closest to the lecture's 0.9 stands for "running averages".
    std::size_t typical = 0;
    for (std::size_t d = 1; d < spec.ema_decays.size(); ++d)
      if (std::abs(spec.ema_decays[d] - 0.9) < std::abs(spec.ema_decays[typical] - 0.9)) typical = d;
    t = "After " + with_commas(last.step) + " steps: ";
    for (const BatchEval& b : last.batch)
      if (b.size == 1)
        t += "a test batch of 1 gives " + percent(b.eval.accuracy) + " (chance: one output for every input); ";
    t += "running averages (decay " + trim(spec.ema_decays[typical]) + ") " + percent(last.running[typical].eval.accuracy) + ", population statistics " +
         percent(last.population.accuracy);
    if (!last.batch.empty()) {
      const BatchEval& big = last.batch.back();
      if (big.size > 1) t += ", a test batch of " + std::to_string(big.size) + " " + percent(big.eval.accuracy);
    }
    t += ".";
    // The slowest average at the first checkpoint: does it lag?
    const CheckpointRecord& first = *done_cps.front();
    std::size_t slow = 0;
    for (std::size_t d = 1; d < spec.ema_decays.size(); ++d)
      if (spec.ema_decays[d] > spec.ema_decays[slow]) slow = d;
    if (slow != typical || &first != &last)
      t += " Decay " + trim(spec.ema_decays[slow]) + " after " + with_commas(first.step) + " steps: " +
           percent(first.running[slow].eval.accuracy) + " vs population " + percent(first.population.accuracy) +
           " (its mean is " + fixed(first.running[slow].mean_gap, 2) + " std off).";
  }
  if (diverged_at > 0) t += " Training diverged at step " + with_commas(diverged_at) + ".";
  return t;
}

}  // namespace inference
}  // namespace bnlab
