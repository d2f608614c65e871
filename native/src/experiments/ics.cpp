#include "bnlab/experiments/ics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"

namespace bnlab {

std::vector<int> IcsSpec::measured_layers() const {
  if (!layers.empty()) return layers;
  std::vector<int> all;
  for (int i = 2; i <= static_cast<int>(model.hidden.size()) + 1; ++i) all.push_back(i);
  return all;
}

namespace {

struct LayerSeries {
  int layer = 0;
  std::vector<double> l2_diff, cosine, grad_norm, relative;
};

struct NetRecord {
  std::vector<double> step, batch_loss, window_loss, loss_range, grad_change;
  std::vector<LayerSeries> layers;
  double window_sum = 0.0;  // batch losses since the last measurement
  int window_n = 0;
  long steps_to_target = 0;
  json final_eval = nullptr;
};

struct Summary {
  double l2_diff = std::nan(""), cosine = std::nan(""), relative = std::nan("");
  double loss_range = std::nan(""), grad_change = std::nan("");
};

double finite_mean(const std::vector<double>& v) {
  double s = 0.0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) {
      s += x;
      ++n;
    }
  return n ? s / n : std::nan("");
}

// Means over the measured steps <= until (all by default) and the measured layers but layer 1
// (the control: zero by definition, it would only dilute the means); relative = mean ||G - G'|| /
// mean ||G||.
Summary summarize(const NetRecord& r, double until = 1e300) {
  std::vector<double> l2, cs, norm, range, change;
  for (std::size_t i = 0; i < r.step.size() && r.step[i] <= until; ++i) {
    for (const LayerSeries& l : r.layers) {
      if (l.layer == 1) continue;
      l2.push_back(l.l2_diff[i]);
      cs.push_back(l.cosine[i]);
      norm.push_back(l.grad_norm[i]);
    }
    if (i < r.loss_range.size()) {
      range.push_back(r.loss_range[i]);
      change.push_back(r.grad_change[i]);
    }
  }
  Summary s;
  s.l2_diff = finite_mean(l2);
  s.cosine = finite_mean(cs);
  // A ratio of means, not a mean of ratios: a dead layer (||G|| ~ 0) would dominate the latter.
  const double mean_norm = finite_mean(norm);
  s.relative = mean_norm > 0.0 ? s.l2_diff / mean_norm : std::nan("");
  s.loss_range = finite_mean(range);
  s.grad_change = finite_mean(change);
  return s;
}

// The "race": measured steps up to the first time either net reached the target loss, where the
// speed difference is made. 0 if neither has.
long race_until(const NetRecord& plain, const NetRecord& bn) {
  const long a = plain.steps_to_target, b = bn.steps_to_target;
  if (a > 0 && b > 0) return std::min(a, b);
  return std::max(a, b);
}

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json summary_json(const Summary& s) {
  return {{"l2_diff", num(s.l2_diff)},
          {"cosine", num(s.cosine)},
          {"relative", num(s.relative)},
          {"loss_range", num(s.loss_range)},
          {"grad_change", num(s.grad_change)}};
}

Summary mean_of(const std::vector<Summary>& v) {
  auto col = [&](double Summary::*f) {
    std::vector<double> x;
    for (const Summary& s : v) x.push_back(s.*f);
    return finite_mean(x);
  };
  Summary m;
  m.l2_diff = col(&Summary::l2_diff);
  m.cosine = col(&Summary::cosine);
  m.relative = col(&Summary::relative);
  m.loss_range = col(&Summary::loss_range);
  m.grad_change = col(&Summary::grad_change);
  return m;
}

std::string sig(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::fabs(v);
  return fixed(v, a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : a >= 0.01 ? 4 : 5);
}

// A summary_json back (null = not finite), `where` naming it in a cell's result.
Summary summary_from(const json& j, const std::string& where) {
  Summary s;
  for (auto [key, field] : {std::pair<const char*, double Summary::*>{"l2_diff", &Summary::l2_diff},
                            {"cosine", &Summary::cosine},
                            {"relative", &Summary::relative},
                            {"loss_range", &Summary::loss_range},
                            {"grad_change", &Summary::grad_change}}) {
    if (!j.is_object() || !j.contains(key)) throw Error(where + "." + key + ": missing");
    const json& v = j[key];
    if (!(v.is_null() || v.is_number())) throw Error(where + "." + key + ": must be a number or null");
    s.*field = v.is_number() ? v.get<double>() : std::nan("");
  }
  return s;
}

// The means over the finished seeds, from the result's seed_runs: over each whole run, and over
// each race (the seeds where a net reached the target). One function for the run and for the
// merge of its per-seed cells, so both write the same bytes.
struct SeedMeans {
  std::array<Summary, 2> all, race;
};
SeedMeans means_over_seeds(const json& seed_runs) {
  std::array<std::vector<Summary>, 2> all, race;
  const std::array<const char*, 2> keys{"plain", "bn"};
  for (std::size_t i = 0; i < seed_runs.size(); ++i) {
    const json& run = seed_runs[i];
    const std::string where = "seed_runs[" + std::to_string(i) + "]";
    const bool raced = run.contains("race_until") && !run["race_until"].is_null();
    for (std::size_t k = 0; k < 2; ++k) {
      all[k].push_back(summary_from(run.value(keys[k], json()), where + "." + keys[k]));
      if (raced) race[k].push_back(summary_from(run.value(std::string("race_") + keys[k], json()), where + ".race_" + keys[k]));
    }
  }
  return {{mean_of(all[0]), mean_of(all[1])}, {mean_of(race[0]), mean_of(race[1])}};
}

// "larger" / "smaller" / "mixed (...)": BN's shift against the plain net's, by Santurkar et al.'s
// two numbers (||G - G'|| and the cosine).
std::string verdict(const Summary& b, const Summary& p) {
  const bool more_l2 = b.l2_diff >= p.l2_diff, less_cos = b.cosine <= p.cosine;
  if (more_l2 && less_cos) return "larger";
  if (!more_l2 && !less_cos) return "smaller";
  return more_l2 ? "mixed (a bigger change, but a steadier direction)" : "mixed (a smaller change, but a less steady direction)";
}

std::string numbers(const Summary& b, const Summary& p) {
  return "||G - G'|| " + sig(b.l2_diff) + " vs " + sig(p.l2_diff) + ", relative to ||G|| " + sig(b.relative) + " vs " +
         sig(p.relative) + ", cosine " + fixed(b.cosine, 3) + " vs " + fixed(p.cosine, 3);
}

// What the takeaway reads besides the spec: the means (over the finished seeds, or the first
// seed's own while it runs), the first seed's steps to the target and divergence, the steps in
// the horizon and how many seeds have finished.
struct TakeawayInputs {
  std::array<Summary, 2> mean, race;
  std::array<long, 2> steps_to_target{0, 0}, diverged_at{0, 0};
  long horizon = 0;
  std::size_t seeds_done = 0;
};

std::string ics_takeaway(const IcsSpec& spec, const TakeawayInputs& in) {
  const Summary &p = in.mean[0], &b = in.mean[1];
  const std::array<Summary, 2>& race = in.race;
  if (!std::isfinite(p.l2_diff) || !std::isfinite(b.l2_diff)) return "Measuring...";
  const std::string target = "mean batch loss " + fixed(spec.target_loss, 2);
  const std::string horizon = with_commas(in.horizon) + " steps";
  auto at = [&](long k) { return k > 0 ? "step " + with_commas(k) : "not in " + horizon; };
  std::string t =
      "Santurkar et al. (2018) measure internal covariate shift as the change in a layer's gradient when the "
      "layers before it take their step; they found BN does not reduce it. Here (BN vs no BN" +
      (in.seeds_done > 1 ? ", mean over " + std::to_string(in.seeds_done) + " seeds" : std::string()) + "): ";
  if (std::isfinite(race[0].l2_diff) && std::isfinite(race[1].l2_diff)) {
    t += "until the first net reached " + target + " (" + (in.seeds_done > 1 ? "first seed: " : "") + "BN " +
         at(in.steps_to_target[kBn]) + ", without BN " +
         at(in.steps_to_target[kPlain]) + "), BN's shift was " + verdict(race[1], race[0]) + ": " + numbers(race[1], race[0]) +
         ". Over the whole run it was " + verdict(b, p) + ": " + numbers(b, p) + ".";
  } else {
    t += "over the run BN's shift was " + verdict(b, p) + ": " + numbers(b, p) + ". Neither net reached " + target +
         " in " + horizon + ".";
  }
  for (std::size_t k = 0; k < 2; ++k) {
    const long div = in.diverged_at[k];
    if (div > 0) t += std::string(k == 0 ? " Without" : " With") + " BN the net diverged at step " + with_commas(div) + ".";
  }
  if (std::isfinite(b.loss_range) && std::isfinite(p.loss_range)) {
    const bool smoother = b.loss_range < p.loss_range && b.grad_change < p.grad_change;
    t += std::string(" Along the gradient the loss varied ") + (b.loss_range < p.loss_range ? "less" : "more") +
         " with BN (range " + sig(b.loss_range) + " vs " + sig(p.loss_range) + ") and the gradient changed " +
         (b.grad_change < p.grad_change ? "less" : "more") + " (" + sig(b.grad_change) + " vs " + sig(p.grad_change) +
         ")" + (smoother ? ": the smoother landscape they propose as BN's real effect." : ": not the smoother landscape they report.");
  }
  return t;
}

json mean_over_seeds_json(const std::array<Summary, 2>& m, const std::array<Summary, 2>& race) {
  return {{"plain", summary_json(m[0])},
          {"bn", summary_json(m[1])},
          {"race", {{"plain", summary_json(race[0])}, {"bn", summary_json(race[1])}}}};
}

class IcsExperiment : public LockStepExperiment {
 public:
  explicit IcsExperiment(const IcsSpec& s)
      : LockStepExperiment(s.seeds, s.steps), spec_(s), spec_json_(to_json(s)), layers_(s.measured_layers()) {
    for (double f : spec_.landscape_factors) step_sizes_.push_back(f * spec_.train.optimizer.lr);
    measure_units_ = 1 + static_cast<long>(layers_.size()) +
                     (spec_.landscape ? static_cast<long>(spec_.landscape_factors.size()) + 1 : 0);
    long measurements = 0;
    for (long t = 1; t <= spec_.steps; ++t) measurements += measured(t) ? 1 : 0;
    seed_units_ = 2 * (spec_.steps + measurements * measure_units_);
    start_seed();
  }

  // A measured step costs more than a plain one: progress counts the units (lock_step's costs).
  double progress() const override {
    if (done()) return 1.0;
    const double total = static_cast<double>(seed_units_) * seeds_.count();
    return std::min(1.0, (static_cast<double>(seeds_.index()) * seed_units_ + units_done_) / total);
  }

  json result() const override {
    json r = result_envelope("ics", spec_json_, progress(), done());
    r["layers"] = layers_;
    const std::array<const char*, 2> keys{"plain", "bn"};
    const std::array<const char*, 2> labels{"without BN", "with BN"};
    const std::array<NetRecord, 2>& rec = rec_.shown();
    json nets = json::object();
    for (std::size_t k = 0; k < 2; ++k) {
      const NetRecord& c = rec[k];
      json per_layer = json::array();
      for (const LayerSeries& l : c.layers)
        per_layer.push_back({{"layer", l.layer},
                             {"l2_diff", series(l.l2_diff)},
                             {"cosine", series(l.cosine)},
                             {"grad_norm", series(l.grad_norm)},
                             {"relative", series(l.relative)}});
      const long div = first_diverged_at(k);
      nets[keys[k]] = {{"label", labels[k]},
                       {"step", series(c.step)},
                       {"batch_loss", series(c.batch_loss)},
                       {"window_loss", series(c.window_loss)},
                       {"steps_to_target", c.steps_to_target > 0 ? json(c.steps_to_target) : json(nullptr)},
                       {"per_layer", per_layer},
                       {"loss_range", series(c.loss_range)},
                       {"grad_change", series(c.grad_change)},
                       {"diverged_at", div > 0 ? json(div) : json(nullptr)},
                       {"summary", summary_json(summarize(c))},
                       {"final", c.final_eval}};
    }
    r["nets"] = nets;
    const long until = race_until(rec[0], rec[1]);
    r["race"] = {{"until_step", until > 0 ? json(until) : json(nullptr)},
                 {"plain", summary_json(summarize(rec[0], until > 0 ? until : -1.0))},
                 {"bn", summary_json(summarize(rec[1], until > 0 ? until : -1.0))}};
    r["seed_runs"] = seed_runs_;
    const std::array<Summary, 2> m = overall(), race = overall_race();
    r["mean_over_seeds"] = mean_over_seeds_json(m, race);
    r["takeaway"] = takeaway();
    return r;
  }

 private:
  static void add_to_window(NetRecord& c, double loss) {
    c.window_sum += loss;
    ++c.window_n;
  }
  bool measured(long t) const { return t == 1 || t % spec_.measure_every == 0; }

  void start_seed() override {
    train_ = make_train_set(spec_.data, seeds_.seed());
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seeds_.seed());
    for (NetRecord& c : rec_.at(seeds_)) {
      c = NetRecord{};
      for (int i : layers_) c.layers.push_back(LayerSeries{i, {}, {}, {}, {}});
    }
    step_ = 0;
    units_done_ = 0;
  }

  // One step of both nets; at measured steps, G and G' around the step. Returns the units spent.
  long lock_step() override {
    ++step_;
    const bool measure = measured(step_);
    long cost = 0;
    for (std::size_t k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[k];
      if (t.diverged()) continue;
      cost += 1;
      NetRecord& c = rec_.at(seeds_)[k];
      if (!measure) {
        const StepReport s = t.step();
        if (!s.diverged) add_to_window(c, s.loss);
        continue;
      }
      const Mlp<Real> before = t.model();
      const StepReport s = t.step();
      if (s.diverged) continue;
      add_to_window(c, s.loss);
      c.window_loss.push_back(c.window_sum / c.window_n);
      if (c.steps_to_target == 0 && c.window_loss.back() <= spec_.target_loss) c.steps_to_target = step_;
      c.window_sum = 0.0;
      c.window_n = 0;
      Mat<Real> x;
      std::vector<int> y;
      gather(train_, t.batch_indices(), 0, t.batch_indices().size(), x, y);
      c.step.push_back(static_cast<double>(step_));
      c.batch_loss.push_back(s.loss);
      const std::vector<GradientShift> g = measure_gradient_shift(before, t.model(), x, y, layers_);
      for (std::size_t l = 0; l < g.size(); ++l) {
        LayerSeries& ls = c.layers[l];
        ls.l2_diff.push_back(g[l].l2_diff);
        ls.cosine.push_back(g[l].cosine);
        ls.grad_norm.push_back(g[l].grad_norm);
        ls.relative.push_back(g[l].grad_norm > 0.0 ? g[l].l2_diff / g[l].grad_norm : std::nan(""));
      }
      if (spec_.landscape) {
        const LandscapeProbe p = probe_landscape(before, x, y, step_sizes_);
        c.loss_range.push_back(p.loss_range);
        c.grad_change.push_back(p.grad_change);
      }
      cost += measure_units_;
    }
    cost = std::max(cost, 1L);
    units_done_ += cost;
    return cost;
  }

  void finish_seed() override {
    const std::array<const char*, 2> keys{"plain", "bn"};
    json run = {{"seed", seeds_.seed()}};
    std::array<NetRecord, 2>& rec = rec_.at(seeds_);
    for (std::size_t k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[k];
      if (!t.diverged()) {
        const EvalReport e = t.evaluate(train_, BnStats::Running);
        rec[k].final_eval = {{"train_loss", e.loss}, {"train_accuracy", e.accuracy}};
      }
      run[keys[k]] = summary_json(summarize(rec[k]));
    }
    const long until = race_until(rec[0], rec[1]);
    run["race_until"] = until > 0 ? json(until) : json(nullptr);
    for (std::size_t k = 0; k < 2; ++k) {
      run[std::string("race_") + keys[k]] = summary_json(summarize(rec[k], until > 0 ? until : -1.0));
    }
    seed_runs_.push_back(run);
  }

  // Means over the finished seeds (their seed_runs entries), or the running seed's numbers while
  // the first one runs.
  std::array<Summary, 2> overall() const {
    const std::array<NetRecord, 2>& rec = rec_.shown();  // the first seed is running
    if (seed_runs_.empty()) return {summarize(rec[0]), summarize(rec[1])};
    return means_over_seeds(seed_runs_).all;
  }
  std::array<Summary, 2> overall_race() const {
    if (seed_runs_.empty()) {
      const std::array<NetRecord, 2>& rec = rec_.shown();
      const long until = race_until(rec[0], rec[1]);
      return {summarize(rec[0], until > 0 ? until : -1.0), summarize(rec[1], until > 0 ? until : -1.0)};
    }
    return means_over_seeds(seed_runs_).race;
  }

  std::string takeaway() const {
    TakeawayInputs in;
    in.mean = overall();
    in.race = overall_race();
    for (std::size_t k = 0; k < 2; ++k) {
      in.steps_to_target[k] = rec_.shown()[k].steps_to_target;
      in.diverged_at[k] = first_diverged_at(k);
    }
    in.horizon = !seeds_.first() ? spec_.steps : step_;
    in.seeds_done = static_cast<std::size_t>(seeds_.index());
    return ics_takeaway(spec_, in);
  }

  IcsSpec spec_;
  json spec_json_;
  std::vector<int> layers_;
  std::vector<double> step_sizes_;
  Dataset train_;
  FirstSeed<std::array<NetRecord, 2>> rec_;  // the first seed's records are the ones shown
  json seed_runs_ = json::array();
  long measure_units_ = 1, seed_units_ = 1, units_done_ = 0;
};


// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's (curves, race, takeaway's steps), one seed_runs entry per seed (the summaries its
// own result lists) and what is written from those entries: the means over seeds and the takeaway
// (means_over_seeds and ics_takeaway, the functions the run uses).
SeedCells ics_seed_cells(const IcsSpec& s) {
  SeedCells c = seed_cells_for(s);
  c.seed_run = [](const json& cell, const std::string& where) {
    const json& runs = field_at(cell, {"seed_runs"}, where);
    if (!runs.is_array() || runs.size() != 1 || !runs[0].is_object())
      throw Error(where + ".seed_runs: must be one seed's entry");
    json run = runs[0];
    run.erase("seed");
    const std::string at = where + ".seed_runs[0]";
    for (const char* k : {"plain", "bn", "race_plain", "race_bn"}) summary_from(field_at(run, {k}, at), at + "." + k);
    const json& until = field_at(run, {"race_until"}, at);
    if (!(until.is_null() || until.is_number_integer())) throw Error(at + ".race_until: must be a step or null");
    return run;
  };
  c.empty_start = [s] { return IcsExperiment(s).result(); };
  c.finish = [s](json& r, const json& seed_runs) {
    // r is the first seed's result: its steps to the target and divergence stand in the takeaway.
    auto step = [&](const char* net, const char* f) {
      const json& v = field_at(r, {"nets", net, f}, "merge: cell_results[0]");
      if (!(v.is_null() || v.is_number_integer()))
        throw Error(std::string("merge: cell_results[0].nets.") + net + "." + f + ": must be a step or null");
      return v.is_null() ? 0L : v.get<long>();
    };
    const SeedMeans m = means_over_seeds(seed_runs);
    TakeawayInputs in;
    in.mean = m.all;
    in.race = m.race;
    const std::array<const char*, 2> keys{"plain", "bn"};
    for (std::size_t k = 0; k < 2; ++k) {
      in.steps_to_target[k] = step(keys[k], "steps_to_target");
      in.diverged_at[k] = step(keys[k], "diverged_at");
    }
    in.horizon = s.steps;  // the first seed has finished
    in.seeds_done = seed_runs.size();
    r["mean_over_seeds"] = mean_over_seeds_json(m.all, m.race);
    r["takeaway"] = ics_takeaway(s, in);
  };
  return c;
}

}  // namespace

Chapter ics_chapter() {
  Chapter c = make_chapter<IcsSpec, IcsExperiment>("ics", "Is it really covariate shift?", parse_ics_spec);
  split_seeds_at_research_scale<IcsSpec, IcsExperiment>(c, parse_ics_spec, ics_seed_cells);
  return c;
}

}  // namespace bnlab
