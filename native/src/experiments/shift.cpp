#include "bnlab/experiments/shift.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "bnlab/detmath.h"
#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
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

// The work of one seed, in order: train (steps lock-steps of both nets), then the evaluation items:
// item 0 the unshifted reference, items 1..S the named shifts, then every sweep value in order.
class ShiftExperiment : public Experiment {
 public:
  explicit ShiftExperiment(const ShiftSpec& s) : spec_(s), spec_json_(to_json(s)), seeds_(s.seeds) {
    for (const ShiftSweep& w : spec_.sweeps) {
      sweep_acc_.emplace_back(w.values.size());
      sweep_values_ += static_cast<int>(w.values.size());
    }
    shift_acc_.resize(spec_.shifts.size());
    shift_loss_.resize(spec_.shifts.size());
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
    r["unshifted"] = {{"accuracy", arm_object(means(ref_acc_))}};
    json shifts = json::array();
    for (std::size_t s = 0; s < spec_.shifts.size(); ++s) {
      if (shift_acc_[s][0].empty()) break;
      const ArmValues acc = means(shift_acc_[s]), drop = drops(s);
      ArmValues hw{};
      json restored = json::object();
      for (int a = 0; a < kArms; ++a) {
        const std::size_t k = static_cast<std::size_t>(a);
        hw[k] = stats::t_interval95(shift_acc_[s][k]).half_width;
        restored[kArmKeys[k]] = std::isfinite(drop[k]) && drop[k] <= spec_.restore_tolerance;
      }
      json e = {{"name", spec_.shifts[s].name},
                {"transform", to_json(spec_.shifts[s].transform)},
                {"accuracy", arm_object(acc)},
                {"accuracy_half_width", arm_object(hw)},
                {"loss", arm_object(means(shift_loss_[s]))},
                {"drop", arm_object(drop)},
                {"restored", restored},
                {"seeds_done", shift_acc_[s][0].size()}};
      for (auto it = shift_visual_[s].begin(); it != shift_visual_[s].end(); ++it) e[it.key()] = it.value();
      shifts.push_back(e);
    }
    r["shifts"] = shifts;
    json sweeps = json::array();
    for (std::size_t w = 0; w < spec_.sweeps.size(); ++w) {
      const ShiftSweep& sw = spec_.sweeps[w];
      json acc = json::object();
      std::size_t seeds_done = sweep_acc_[w].back()[0].size();
      for (int a = 0; a < kArms; ++a) {
        std::vector<double> curve;
        for (const PerSeed& v : sweep_acc_[w]) {
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
    r["points"] = first_points_;
    r["seed_runs"] = seed_runs_;
    r["takeaway"] = takeaway();
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
      for (int a = 0; a < kArms; ++a) ref_acc_[static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
      current_run_["unshifted"] = arm_object(acc);
      return eval_units_;
    }
    const std::size_t s = static_cast<std::size_t>(item - 1);
    if (s < spec_.shifts.size()) {
      const Dataset shifted = transform(test_, spec_.shifts[s].transform);
      evaluate_arms(shifted, acc, loss);
      for (int a = 0; a < kArms; ++a) {
        shift_acc_[s][static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
        shift_loss_[s][static_cast<std::size_t>(a)].push_back(loss[static_cast<std::size_t>(a)]);
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
          sweep_acc_[w][static_cast<std::size_t>(k)][static_cast<std::size_t>(a)].push_back(acc[static_cast<std::size_t>(a)]);
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

  static ArmValues means(const PerSeed& v) {
    ArmValues m;
    for (int a = 0; a < kArms; ++a) {
      const auto& x = v[static_cast<std::size_t>(a)];
      m[static_cast<std::size_t>(a)] = x.empty() ? std::nan("") : stats::mean(x);
    }
    return m;
  }

  // Mean over seeds of (unshifted - shifted) accuracy, paired by seed.
  ArmValues drops(std::size_t s) const {
    ArmValues d;
    for (int a = 0; a < kArms; ++a) {
      const std::size_t k = static_cast<std::size_t>(a);
      const std::size_t n = std::min(shift_acc_[s][k].size(), ref_acc_[k].size());
      std::vector<double> x;
      for (std::size_t i = 0; i < n; ++i) x.push_back(ref_acc_[k][i] - shift_acc_[s][k][i]);
      d[k] = x.empty() ? std::nan("") : stats::mean(x);
    }
    return d;
  }

  std::string takeaway() const {
    if (ref_acc_[0].empty()) return "Training both nets (step " + with_commas(step_) + " of " + with_commas(spec_.steps) + ")...";
    const ArmValues ref = means(ref_acc_);
    std::string t;
    // A diverged net has nothing to say about shifts (first seed's nets; later seeds show in seed_runs).
    const bool plain_ok = diverged_at_[0] == 0, bn_ok = diverged_at_[1] == 0;
    if (!plain_ok) t += "Without BN the net diverged at step " + with_commas(diverged_at_[0]) + ". ";
    if (!bn_ok) t += "With BN the net diverged at step " + with_commas(diverged_at_[1]) + ". ";
    if (!bn_ok) return t + "Lower the learning rate: a diverged net has no accuracy to lose.";
    // Over the non-identity named shifts evaluated so far.
    std::vector<std::size_t> shifted;
    for (std::size_t s = 0; s < spec_.shifts.size(); ++s)
      if (!shift_acc_[s][0].empty() && !spec_.shifts[s].transform.identity()) shifted.push_back(s);
    if (shifted.empty()) return t + "Unshifted test accuracy: " + percent(ref[BnRunning]) + " with BN, " + percent(ref[Plain]) + " without.";
    double run = 0.0, plain = 0.0;
    for (std::size_t s : shifted) {
      const ArmValues a = means(shift_acc_[s]);
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
      const ArmValues a = means(shift_acc_[s]);
      const bool ok = drops(s)[AdaBn] <= spec_.restore_tolerance;
      std::string& list = ok ? yes : no;
      list += (list.empty() ? "" : ", ") + spec_.shifts[s].name + " " + percent(a[AdaBn]);
      if (!ok && spec_.shifts[s].transform.rotate_deg != 0.0) rotation_failed = true;
    }
    const double pts = 100.0 * spec_.restore_tolerance;
    const std::string tol = fixed(pts, std::fabs(pts - std::round(pts)) < 1e-9 ? 0 : 1);
    if (!yes.empty()) t += " Re-estimating the statistics on the shifted inputs (AdaBN) restored accuracy to within " + tol + " points for " + yes;
    if (!no.empty()) t += std::string(yes.empty() ? " AdaBN restored none of them:" : "; not for") + " " + no;
    if (!yes.empty() || !no.empty()) t += ".";
    if (rotation_failed) t += " A per-unit mean and variance cannot undo a rotation of the inputs.";
    return t;
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
  // Measurements: arm -> value per seed.
  PerSeed ref_acc_;
  std::vector<PerSeed> shift_acc_, shift_loss_;
  std::vector<std::vector<PerSeed>> sweep_acc_;  // sweep -> value -> arm -> seeds
  std::vector<json> shift_visual_;               // first seed: points, frame, boundary
  json training_ = json::object(), first_points_, seed_runs_ = json::array(), current_run_;
};

}  // namespace

Chapter shift_chapter() {
  return make_chapter<ShiftSpec, ShiftExperiment>("shift", "Input covariate shift and AdaBN", parse_shift_spec);
}

}  // namespace bnlab
