#include "bnlab/experiments/shift.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "bnlab/detmath.h"
#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"
#include "bnlab/stats.h"

namespace bnlab {

namespace {

constexpr int kArms = 4;
enum Arm { Plain = 0, BnRunning = 1, BnBatch = 2, AdaBn = 3 };
constexpr std::array<const char*, kArms> kArmKeys{"plain", "bn_running", "bn_batch", "adabn"};
constexpr std::array<const char*, kArms> kArmLabels{"without BN", "BN, training statistics",
                                                    "BN, test-batch statistics", "AdaBN (statistics re-estimated)"};
constexpr int kMaxPoints = 400;

// Subset of a data set by index (the order of `idx`).
Dataset take(const Dataset& d, const std::vector<int>& idx) {
  Dataset out;
  out.classes = d.classes;
  out.x.resize(d.dims(), static_cast<Eigen::Index>(idx.size()));
  out.y.resize(idx.size());
  for (std::size_t j = 0; j < idx.size(); ++j) {
    out.x.col(static_cast<Eigen::Index>(j)) = d.x.col(idx[j]);
    out.y[j] = d.y[static_cast<std::size_t>(idx[j])];
  }
  return out;
}

json arm_object(const std::array<double, kArms>& v) {
  json o = json::object();
  for (int a = 0; a < kArms; ++a) {
    const double x = v[static_cast<std::size_t>(a)];
    o[kArmKeys[static_cast<std::size_t>(a)]] = std::isfinite(x) ? json(x) : json(nullptr);
  }
  return o;
}

// Plots need 3 digits, not 17: rounding the grids' confidences and the points' coordinates keeps
// a full result (5 shifts x 3 grids + points) near 200 KB instead of 570 KB, which matters when
// the page asks for partial results many times a second.
// round(v k) / k is the double nearest to the decimal, so it prints short ("0.987").
double round_to(double v, double per_unit) { return std::round(v * per_unit) / per_unit; }

json compact_grid(json g) {
  for (json& c : g["confidence"]) c = round_to(c.get<double>(), 1e3);
  return g;
}

json compact_points(json p) {
  for (const char* k : {"x0", "x1"})
    for (json& v : p[k]) v = round_to(v.get<double>(), 1e4);
  return p;
}

std::string percent(double v) { return std::isfinite(v) ? fixed(100.0 * v, 1) + "%" : std::string("n/a"); }

}  // namespace

namespace {

using ArmValues = std::array<double, kArms>;
using PerSeed = std::array<std::vector<double>, kArms>;  // arm -> one value per seed

// Every seed's measurements so far, arm -> value per seed: what the means, intervals and drops
// over seeds are computed from. The run fills it as it measures; the merge of per-seed cells
// fills it from each cell's result (a one-seed result shows each value as its "mean").
struct ShiftTallies {
  PerSeed ref_acc;
  std::vector<PerSeed> shift_acc, shift_loss;    // named shift -> arm -> seeds
  std::vector<std::vector<PerSeed>> sweep_acc;   // sweep -> value -> arm -> seeds
  explicit ShiftTallies(const ShiftSpec& spec)
      : shift_acc(spec.shifts.size()), shift_loss(spec.shifts.size()) {
    for (const ShiftSweep& w : spec.sweeps) sweep_acc.emplace_back(w.values.size());
  }
};

ArmValues means(const PerSeed& v) {
  ArmValues m;
  for (int a = 0; a < kArms; ++a) {
    const auto& x = v[static_cast<std::size_t>(a)];
    m[static_cast<std::size_t>(a)] = x.empty() ? std::nan("") : stats::mean(x);
  }
  return m;
}

// Mean over seeds of (unshifted - shifted) accuracy, paired by seed.
ArmValues drops(const ShiftTallies& t, std::size_t s) {
  ArmValues d;
  for (int a = 0; a < kArms; ++a) {
    const std::size_t k = static_cast<std::size_t>(a);
    const std::size_t n = std::min(t.shift_acc[s][k].size(), t.ref_acc[k].size());
    std::vector<double> x;
    for (std::size_t i = 0; i < n; ++i) x.push_back(t.ref_acc[k][i] - t.shift_acc[s][k][i]);
    d[k] = x.empty() ? std::nan("") : stats::mean(x);
  }
  return d;
}

// diverged_at: the first seed's nets (plain, bn; 0 = did not); step: the training step reached
// (shown before the first seed is measured).
std::string takeaway(const ShiftSpec& spec, const ShiftTallies& tl, const std::array<long, 2>& diverged_at, long step) {
  if (tl.ref_acc[0].empty()) return "Training both nets (step " + with_commas(step) + " of " + with_commas(spec.steps) + ")...";
  const ArmValues ref = means(tl.ref_acc);
  std::string t;
  // A diverged net has nothing to say about shifts (first seed's nets; later seeds show in seed_runs).
  const bool plain_ok = diverged_at[0] == 0, bn_ok = diverged_at[1] == 0;
  if (!plain_ok) t += "Without BN the net diverged at step " + with_commas(diverged_at[0]) + ". ";
  if (!bn_ok) t += "With BN the net diverged at step " + with_commas(diverged_at[1]) + ". ";
  if (!bn_ok) return t + "Lower the learning rate: a diverged net has no accuracy to lose.";
  // Over the non-identity named shifts evaluated so far.
  std::vector<std::size_t> shifted;
  for (std::size_t s = 0; s < spec.shifts.size(); ++s)
    if (!tl.shift_acc[s][0].empty() && !spec.shifts[s].transform.identity()) shifted.push_back(s);
  if (shifted.empty()) return t + "Unshifted test accuracy: " + percent(ref[BnRunning]) + " with BN, " + percent(ref[Plain]) + " without.";
  double run = 0.0, plain = 0.0;
  for (std::size_t s : shifted) {
    const ArmValues a = means(tl.shift_acc[s]);
    run += a[BnRunning] / static_cast<double>(shifted.size());
    plain += a[Plain] / static_cast<double>(shifted.size());
  }
  if (plain_ok) {
    t += "On the shifted test sets BN with its training statistics averaged " + percent(run) + " vs " + percent(plain) +
         " without BN (unshifted " + percent(ref[BnRunning]) + " and " + percent(ref[Plain]) + ")";
    t += run > plain + 0.02 ? "." : ": BN by itself is no more robust.";
  } else {
    t += "On the shifted test sets BN with its training statistics averaged " + percent(run) + " (unshifted " +
         percent(ref[BnRunning]) + ").";
  }
  std::string yes, no;
  bool rotation_failed = false;
  for (std::size_t s : shifted) {
    const ArmValues a = means(tl.shift_acc[s]);
    const bool ok = drops(tl, s)[AdaBn] <= spec.restore_tolerance;
    std::string& list = ok ? yes : no;
    list += (list.empty() ? "" : ", ") + spec.shifts[s].name + " " + percent(a[AdaBn]);
    if (!ok && spec.shifts[s].transform.rotate_deg != 0.0) rotation_failed = true;
  }
  const double pts = 100.0 * spec.restore_tolerance;
  const std::string tol = fixed(pts, std::fabs(pts - std::round(pts)) < 1e-9 ? 0 : 1);
  if (!yes.empty()) t += " Re-estimating the statistics on the shifted inputs (AdaBN) restored accuracy to within " + tol + " points for " + yes;
  if (!no.empty()) t += std::string(yes.empty() ? " AdaBN restored none of them:" : "; not for") + " " + no;
  if (!yes.empty() || !no.empty()) t += ".";
  if (rotation_failed) t += " A per-unit mean and variance cannot undo a rotation of the inputs.";
  return t;
}

// What the result shows from the tallies: "unshifted", "shifts" (with each shift's first-seed
// visuals, `visual`) and "sweeps" (the takeaway is takeaway()'s). One function for the run and for the merge of
// its per-seed cells, so both write the same bytes.
void write_measures(json& r, const ShiftSpec& spec, const ShiftTallies& tl, const std::vector<json>& visual) {
  r["unshifted"] = {{"accuracy", arm_object(means(tl.ref_acc))}};
  json shifts = json::array();
  for (std::size_t s = 0; s < spec.shifts.size(); ++s) {
    if (tl.shift_acc[s][0].empty()) break;
    const ArmValues acc = means(tl.shift_acc[s]), drop = drops(tl, s);
    ArmValues hw{};
    json restored = json::object();
    for (int a = 0; a < kArms; ++a) {
      const std::size_t k = static_cast<std::size_t>(a);
      hw[k] = stats::t_interval95(tl.shift_acc[s][k]).half_width;
      restored[kArmKeys[k]] = std::isfinite(drop[k]) && drop[k] <= spec.restore_tolerance;
    }
    json e = {{"name", spec.shifts[s].name},
              {"transform", to_json(spec.shifts[s].transform)},
              {"accuracy", arm_object(acc)},
              {"accuracy_half_width", arm_object(hw)},
              {"loss", arm_object(means(tl.shift_loss[s]))},
              {"drop", arm_object(drop)},
              {"restored", restored},
              {"seeds_done", tl.shift_acc[s][0].size()}};
    if (s < visual.size())
      for (auto it = visual[s].begin(); it != visual[s].end(); ++it) e[it.key()] = it.value();
    shifts.push_back(e);
  }
  r["shifts"] = shifts;
  json sweeps = json::array();
  for (std::size_t w = 0; w < spec.sweeps.size(); ++w) {
    const ShiftSweep& sw = spec.sweeps[w];
    json acc = json::object();
    std::size_t seeds_done = tl.sweep_acc[w].back()[0].size();
    for (int a = 0; a < kArms; ++a) {
      std::vector<double> curve;
      for (const PerSeed& v : tl.sweep_acc[w]) {
        if (v[0].empty()) break;
        curve.push_back(stats::mean(v[static_cast<std::size_t>(a)]));
      }
      acc[kArmKeys[static_cast<std::size_t>(a)]] = series(curve);
    }
    sweeps.push_back({{"kind", sw.kind},
                      {"direction_deg", sw.direction_deg},
                      {"values", sw.values},
                      {"accuracy", acc},
                      {"seeds_done", seeds_done}});
  }
  r["sweeps"] = sweeps;
}

// The work of one seed, in order: train (steps lock-steps of both nets), then the evaluation items:
// item 0 the unshifted reference, items 1..S the named shifts, then every sweep value in order.
class ShiftExperiment : public Experiment {
 public:
  explicit ShiftExperiment(const ShiftSpec& s) : spec_(s), spec_json_(to_json(s)), seeds_(s.seeds), tl_(s) {
    for (const ShiftSweep& w : spec_.sweeps) sweep_values_ += static_cast<int>(w.values.size());
    shift_visual_.resize(spec_.shifts.size(), json::object());
    // A unit is about one mini-batch step of one net (3 x batch example-passes); an evaluation item
    // does 5 passes over the test set (4 arms + AdaBN's estimate) and, for named shifts, 3 grids.
    const double per_step = 3.0 * spec_.train.batch_size;
    eval_units_ = std::max(1L, static_cast<long>(std::ceil(5.0 * spec_.data.n_test / per_step)));
    grid_units_ = static_cast<long>(std::ceil(3.0 * spec_.grid * spec_.grid / per_step));
    grid_units_ *= static_cast<long>(spec_.shifts.size());  // drawn for the first seed only
    seed_units_ = 2L * spec_.steps + eval_units_ * (1 + items_after_reference());
    start_seed();
  }

  void advance(long units) override {
    long left = units;
    while (left > 0 && !done()) {
      if (step_ < spec_.steps) {
        lock_step();
        left -= 2;
        units_done_ += 2;
      } else {
        const long cost = evaluate_item(item_);
        left -= cost;
        units_done_ += cost;
        ++item_;
        if (item_ > items_after_reference()) finish_seed();
      }
    }
  }

  bool done() const override { return seeds_.done(); }

  double progress() const override {
    if (done()) return 1.0;
    const double total = static_cast<double>(seed_units_) * seeds_.count() + grid_units_;
    const double before = static_cast<double>(seeds_.index()) * seed_units_ + (seeds_.first() ? 0 : grid_units_);
    return std::min(1.0, (before + units_done_) / total);
  }

  json result() const override {
    json r = result_envelope("shift", spec_json_, progress(), done());
    json arms = json::array(), labels = json::object();
    for (int a = 0; a < kArms; ++a) {
      arms.push_back(kArmKeys[static_cast<std::size_t>(a)]);
      labels[kArmKeys[static_cast<std::size_t>(a)]] = kArmLabels[static_cast<std::size_t>(a)];
    }
    r["arms"] = arms;
    r["arm_labels"] = labels;
    r["training"] = training_;
    write_measures(r, spec_, tl_, shift_visual_);
    r["points"] = first_points_;
    r["seed_runs"] = seed_runs_;
    r["takeaway"] = takeaway(spec_, tl_, diverged_at_, step_);
    return r;
  }

 private:
  int items_after_reference() const { return static_cast<int>(spec_.shifts.size()) + sweep_values_; }

  void start_seed() {
    train_ = make_train_set(spec_.data, seeds_.seed());
    test_ = make_test_set(spec_.data, seeds_.seed());
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seeds_.seed());
    // bn_batch: the test set in a random order, cut into full batches of test_batch (a remainder
    // is left out, as in training: a short last batch would have noisier statistics).
    std::vector<int> order = Rng::stream(seeds_.seed(), Stream::Probe).permutation(test_.size());
    order.resize(static_cast<std::size_t>(test_.size() / spec_.test_batch * spec_.test_batch));
    batch_order_ = order;
    if (seeds_.first()) first_points_ = compact_points(points_json(train_, kMaxPoints));
    step_ = 0;
    item_ = 0;
    units_done_ = 0;
    current_run_ = {{"seed", seeds_.seed()}, {"shifts", json::object()}};
  }

  void lock_step() {
    ++step_;
    for (auto& t : nets_) t->step();
    if (step_ == spec_.steps && seeds_.first()) {
      const std::array<const char*, 2> keys{"plain", "bn"};
      for (int k = 0; k < 2; ++k) {
        Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
        const BnStats st = BnStats::Running;
        const bool ok = !t.diverged();
        training_[keys[static_cast<std::size_t>(k)]] = {
            {"train_accuracy", ok ? json(t.evaluate(train_, st).accuracy) : json(nullptr)},
            {"test_accuracy", ok ? json(t.evaluate(test_, st).accuracy) : json(nullptr)},
            {"diverged_at", ok ? json(nullptr) : json(t.diverged_at())}};
        diverged_at_[static_cast<std::size_t>(k)] = t.diverged_at();
      }
    }
  }

  // Accuracy and loss of every arm on one (shifted) test set. Leaves the BN net's population
  // statistics at the shifted set's (so AdaBN grids can be drawn right after).
  void evaluate_arms(const Dataset& d, ArmValues& acc, ArmValues& loss) {
    Trainer<Real>& plain = *nets_[0];
    Trainer<Real>& bn = *nets_[1];
    auto put = [&](Arm a, const EvalReport& e, bool ok) {
      acc[a] = ok ? e.accuracy : std::nan("");
      loss[a] = ok ? e.loss : std::nan("");
    };
    put(Plain, plain.evaluate(d, BnStats::Running), !plain.diverged());
    put(BnRunning, bn.evaluate(d, BnStats::Running), !bn.diverged());
    put(BnBatch, bn.evaluate(take(d, batch_order_), BnStats::Batch, spec_.test_batch), !bn.diverged());
    const Mat<Real> x = d.x.cast<Real>();
    bn.model().estimate_population(x);
    put(AdaBn, bn.evaluate(d, BnStats::Population), !bn.diverged());
  }

  long evaluate_item(int item) {
    ArmValues acc{}, loss{};
    if (item == 0) {
      evaluate_arms(test_, acc, loss);
      for (int a = 0; a < kArms; ++a) tl_.ref_acc[static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
      current_run_["unshifted"] = arm_object(acc);
      return eval_units_;
    }
    const std::size_t s = static_cast<std::size_t>(item - 1);
    if (s < spec_.shifts.size()) {
      const Dataset shifted = transform(test_, spec_.shifts[s].transform);
      evaluate_arms(shifted, acc, loss);
      for (int a = 0; a < kArms; ++a) {
        tl_.shift_acc[s][static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
        tl_.shift_loss[s][static_cast<std::size_t>(a)].push_back(loss[static_cast<std::size_t>(a)]);
      }
      current_run_["shifts"][spec_.shifts[s].name] = arm_object(acc);
      if (seeds_.first()) draw(s, shifted);
      return eval_units_ + (seeds_.first() ? grid_units_ / static_cast<long>(spec_.shifts.size()) : 0);
    }
    // A sweep value.
    int k = item - 1 - static_cast<int>(spec_.shifts.size());
    for (std::size_t w = 0; w < spec_.sweeps.size(); ++w) {
      const int n = static_cast<int>(spec_.sweeps[w].values.size());
      if (k < n) {
        const Dataset shifted = transform(test_, spec_.sweeps[w].at(spec_.sweeps[w].values[static_cast<std::size_t>(k)]));
        evaluate_arms(shifted, acc, loss);
        for (int a = 0; a < kArms; ++a)
          tl_.sweep_acc[w][static_cast<std::size_t>(k)][static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
        return eval_units_;
      }
      k -= n;
    }
    return 1;
  }

  // Shifted points, a frame covering them and the training set, and the decision grids of the first seed.
  void draw(std::size_t s, const Dataset& shifted) {
    json& v = shift_visual_[s];
    v["points"] = compact_points(points_json(shifted, kMaxPoints));
    // The frame: the smallest square [lo, hi]^2 holding both sets, plus a margin of 0.25.
    const double lo = std::min(shifted.x.minCoeff(), train_.x.minCoeff()) - 0.25;
    const double hi = std::max(shifted.x.maxCoeff(), train_.x.maxCoeff()) + 0.25;
    v["frame"] = {{"lo", lo}, {"hi", hi}};
    if (spec_.grid < 2) return;
    json b = json::object();
    if (!nets_[0]->diverged())
      b["plain"] = compact_grid(decision_grid(nets_[0]->model(), BnStats::Running, spec_.grid, lo, hi));
    if (!nets_[1]->diverged()) {
      b["bn_running"] = compact_grid(decision_grid(nets_[1]->model(), BnStats::Running, spec_.grid, lo, hi));
      // evaluate_arms left the population statistics at this shifted set's: AdaBN.
      b["adabn"] = compact_grid(decision_grid(nets_[1]->model(), BnStats::Population, spec_.grid, lo, hi));
    }
    v["boundary"] = b;
  }

  void finish_seed() {
    seed_runs_.push_back(current_run_);
    seeds_.next();
    if (!done()) start_seed();
  }

  ShiftSpec spec_;
  json spec_json_;
  SeedLoop seeds_;
  Dataset train_, test_;
  NetPair nets_;
  std::array<long, 2> diverged_at_{0, 0};  // first seed: plain, bn
  std::vector<int> batch_order_;
  int sweep_values_ = 0;
  long eval_units_ = 1, grid_units_ = 0, seed_units_ = 1, units_done_ = 0;
  int item_ = 0;
  long step_ = 0;
  ShiftTallies tl_;  // measurements: arm -> value per seed
  std::vector<json> shift_visual_;               // first seed: points, frame, boundary
  json training_ = json::object(), first_points_, seed_runs_ = json::array(), current_run_;
};


// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's (training, points, each shift's points, frame and decision grids), one seed_runs
// entry per seed (each cell's own entry) and the means, intervals and drops over the seeds,
// written by write_measures from tallies read back from each cell's result. Cells after the first
// draw no grids ("grid": 0; the run draws them for the first seed only).
SeedCells shift_seed_cells(const ShiftSpec& s) {
  SeedCells c = seed_cells_for<ShiftSpec>(s, [](ShiftSpec& k) { k.grid = 0; });
  c.seed_run = [](const json& cell, const std::string& where) {
    const json& runs = field_at(cell, {"seed_runs"}, where);
    if (!runs.is_array() || runs.size() != 1 || !runs[0].is_object()) throw Error(where + ".seed_runs: must be one seed's entry");
    json run = runs[0];
    run.erase("seed");
    return run;
  };
  c.empty_start = [s] { return ShiftExperiment(s).result(); };
  c.finish_cells = [s](json& r, const std::vector<const json*>& cells) {
    ShiftTallies tl(s);
    // One arm's value in a one-seed result (its "mean" over that seed): a number, or null = NaN.
    auto value = [](const json& v, const std::string& at) {
      if (v.is_null()) return std::nan("");
      if (!v.is_number()) throw Error(at + ": must be a number or null");
      return v.get<double>();
    };
    auto arms = [&](const json& o, const std::string& at, PerSeed& into) {
      for (std::size_t a = 0; a < static_cast<std::size_t>(kArms); ++a) into[a].push_back(value(field_at(o, {kArmKeys[a]}, at), at + "." + kArmKeys[a]));
    };
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const json& cell = *cells[i];
      const std::string where = "merge: cell_results[" + std::to_string(cell["spec"]["seed"].get<std::uint64_t>() - s.seeds.seed) + "]";
      arms(field_at(cell, {"unshifted", "accuracy"}, where), where + ".unshifted.accuracy", tl.ref_acc);
      const json& shifts = field_at(cell, {"shifts"}, where);
      if (!shifts.is_array() || shifts.size() != s.shifts.size())
        throw Error(where + ".shifts: must list the " + std::to_string(s.shifts.size()) + " shifts of the spec");
      for (std::size_t k = 0; k < s.shifts.size(); ++k) {
        const std::string at = where + ".shifts[" + std::to_string(k) + "]";
        arms(field_at(shifts[k], {"accuracy"}, at), at + ".accuracy", tl.shift_acc[k]);
        arms(field_at(shifts[k], {"loss"}, at), at + ".loss", tl.shift_loss[k]);
      }
      const json& sweeps = field_at(cell, {"sweeps"}, where);
      if (!sweeps.is_array() || sweeps.size() != s.sweeps.size())
        throw Error(where + ".sweeps: must list the " + std::to_string(s.sweeps.size()) + " sweeps of the spec");
      for (std::size_t w = 0; w < s.sweeps.size(); ++w)
        for (std::size_t a = 0; a < static_cast<std::size_t>(kArms); ++a) {
          const std::string at = where + ".sweeps[" + std::to_string(w) + "].accuracy." + kArmKeys[a];
          const json& curve = field_at(sweeps[w], {"accuracy", kArmKeys[a]}, where + ".sweeps[" + std::to_string(w) + "]");
          if (!curve.is_array() || curve.size() != s.sweeps[w].values.size())
            throw Error(at + ": must hold one accuracy per value of the sweep");
          for (std::size_t v = 0; v < curve.size(); ++v)
            tl.sweep_acc[w][v][a].push_back(value(curve[v], at + "[" + std::to_string(v) + "]"));
        }
    }
    // The first seed's visuals: what its shift entries hold beside the measures.
    std::vector<json> visual;
    for (const json& e : r["shifts"]) {
      json v = json::object();
      for (const char* key : {"points", "frame", "boundary"})
        if (e.contains(key)) v[key] = e[key];
      visual.push_back(v);
    }
    std::array<long, 2> diverged_at{0, 0};
    const std::array<const char*, 2> nets{"plain", "bn"};
    for (std::size_t k = 0; k < 2; ++k) {
      const json& d = field_at(r, {"training", nets[k], "diverged_at"}, "merge: cell_results[0]");
      if (!(d.is_null() || d.is_number_integer()))
        throw Error(std::string("merge: cell_results[0].training.") + nets[k] + ".diverged_at: must be a step or null");
      diverged_at[k] = d.is_null() ? 0L : d.get<long>();
    }
    write_measures(r, s, tl, visual);
    r["takeaway"] = takeaway(s, tl, diverged_at, s.steps);
  };
  return c;
}

}  // namespace

Chapter shift_chapter() {
  Chapter c = make_chapter<ShiftSpec, ShiftExperiment>("shift", "Input covariate shift and AdaBN", parse_shift_spec);
  split_seeds_at_research_scale<ShiftSpec, ShiftExperiment>(c, parse_shift_spec, shift_seed_cells);
  return c;
}

}  // namespace bnlab
