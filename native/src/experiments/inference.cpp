#include "bnlab/experiments/inference.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/loss.h"
#include "bnlab/research.h"
#include "inference_records.h"

namespace bnlab {

namespace {

using namespace inference;

std::vector<double> column(const MatD& p, Eigen::Index j) {
  std::vector<double> v(static_cast<std::size_t>(p.rows()));
  for (Eigen::Index c = 0; c < p.rows(); ++c) v[static_cast<std::size_t>(c)] = p(c, j);
  return v;
}

class InferenceExperiment : public Experiment {
 public:
  explicit InferenceExperiment(const InferenceSpec& s) : spec_(s), spec_json_(to_json(s)), seeds_(s.seeds) {
    const long steps = spec_.checkpoints.back();
    const long D = static_cast<long>(spec_.ema_decays.size()), S = static_cast<long>(spec_.test_batch_sizes.size());
    const long per_checkpoint = 1 + D + S + 1;
    const long curves = spec_.curve_every > 0 ? steps / spec_.curve_every + 1 : 0;
    work_.plan(seeds_.count() * (steps + static_cast<long>(spec_.checkpoints.size()) * per_checkpoint) +
               curves * (1 + D));
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) {
      if (!work_.empty()) {
        work_.run_one();
        continue;
      }
      if (step_ >= spec_.checkpoints.back() || trainer_->diverged()) {
        finish_seed();
        continue;
      }
      const StepReport r = trainer_->step();
      ++step_;
      work_.count();
      if (r.diverged) continue;  // later checkpoints are not evaluated; the seed ends next unit
      if (seeds_.first() && spec_.curve_every > 0 && step_ % spec_.curve_every == 0) queue_curve();
      if (std::find(spec_.checkpoints.begin(), spec_.checkpoints.end(), step_) != spec_.checkpoints.end())
        queue_checkpoint();
    }
  }

  bool done() const override { return seeds_.done(); }

  double progress() const override {
    return done() ? 1.0 : work_.progress();
  }

  json result() const override {
    json r = result_envelope("inference", spec_json_, progress(), done());
    const bool live = seeds_.first();
    const std::vector<CheckpointRecord>& cps = cps_.shown();
    std::vector<double> momenta;
    for (double d : spec_.ema_decays) momenta.push_back(1.0 - d);
    r["ema_decays"] = spec_.ema_decays;
    r["bn_momentum"] = momenta;
    r["test_batch_sizes"] = spec_.test_batch_sizes;
    r["point"] = {spec_.point[0], spec_.point[1]};
    r["points"] = points_json(first_train_.size() > 0 ? first_train_ : train_, 600);
    json list = json::array();
    for (const CheckpointRecord& c : cps)
      if (c.complete) list.push_back(checkpoint_json(c));
    r["checkpoints"] = list;
    r["curve"] = curve_json(curve_);
    const long div = live ? trainer_->diverged_at() : first_diverged_;
    r["diverged_at"] = div > 0 ? json(div) : json(nullptr);
    r["takeaway"] = takeaway(spec_, cps, step_, div);
    if (seeds_.count() > 1) {
      r["seed_runs"] = seed_runs_;
      if (done()) r["summary"] = summary_over_seeds(spec_, seed_runs_);
    }
    return r;
  }

 private:
  void start_seed() {
    const std::uint64_t seed = seeds_.seed();
    train_ = make_train_set(spec_.data, seed);
    test_ = make_test_set(spec_.data, seed);
    std::vector<int> all(static_cast<std::size_t>(train_.size())), unused;
    for (int i = 0; i < train_.size(); ++i) all[static_cast<std::size_t>(i)] = i;
    gather(train_, all, 0, all.size(), train_x_, unused);
    // Test batches are consecutive runs of a fixed random order: the test set itself is ordered
    // by class (example i has class i mod K), so unshuffled batches of 2 would be one of each.
    Rng probe = Rng::stream(seed, Stream::Probe);
    test_order_ = probe.permutation(test_.size());
    trainer_ = std::make_unique<Trainer<Real>>(spec_.model, spec_.train, train_, seed);
    trainer_->observer = [this](const StepReport& r, const Mlp<Real>& m) {
      if (!r.diverged) track(m);
    };
    const int L = trainer_->model().depth();
    ema_mean_.assign(spec_.ema_decays.size(), {});
    ema_var_.assign(spec_.ema_decays.size(), {});
    for (std::size_t d = 0; d < spec_.ema_decays.size(); ++d)
      for (int l = 0; l < L; ++l) {
        const int F = trainer_->model().batch_norm(l)->features();
        ema_mean_[d].push_back(Vec<double>::Zero(F));  // PyTorch's starting point
        ema_var_[d].push_back(Vec<double>::Ones(F));
      }
    cps().clear();
    step_ = 0;
    if (seeds_.first() && spec_.curve_every > 0) {
      curve_ = Curve{};
      curve_.running_accuracy.assign(spec_.ema_decays.size(), {});
      curve_.mean_gap.assign(spec_.ema_decays.size(), {});
      curve_.var_gap.assign(spec_.ema_decays.size(), {});
      queue_curve();
    }
  }

  // One exponential average per decay of this step's batch statistics, every BN layer, every
  // ghost group in turn (as the layer's own running averages are updated):
  //   run = (1 - momentum) run + momentum batch,  momentum = 1 - decay   (BatchNorm1d's formula).
  void track(const Mlp<Real>& m) {
    for (int l = 0; l < m.depth(); ++l) {
      const BatchNorm1d<Real>* bn = m.batch_norm(l);
      for (Eigen::Index g = 0; g < bn->save_mean.cols(); ++g)
        for (std::size_t d = 0; d < spec_.ema_decays.size(); ++d) {
          const double momentum = 1.0 - spec_.ema_decays[d];
          Vec<double>& mean = ema_mean_[d][static_cast<std::size_t>(l)];
          Vec<double>& var = ema_var_[d][static_cast<std::size_t>(l)];
          mean = (1.0 - momentum) * mean + momentum * bn->save_mean.col(g);
          var = (1.0 - momentum) * var + momentum * bn->save_var_unbiased.col(g);
        }
    }
  }

  // Loads average d into every BN layer's running buffers (they are only read in evaluation).
  void load_running(std::size_t d) {
    Mlp<Real>& m = trainer_->model();
    for (int l = 0; l < m.depth(); ++l) {
      m.batch_norm(l)->running_mean = ema_mean_[d][static_cast<std::size_t>(l)];
      m.batch_norm(l)->running_var = ema_var_[d][static_cast<std::size_t>(l)];
    }
  }

  // Gaps between average d and the population statistics last estimated (see the header).
  std::pair<double, double> gaps(std::size_t d) {
    Mlp<Real>& m = trainer_->model();
    double mean_gap = 0.0, var_gap = 0.0;
    long n = 0;
    for (int l = 0; l < m.depth(); ++l) {
      const BatchNorm1d<Real>& bn = *m.batch_norm(l);
      const Vec<double>& rm = ema_mean_[d][static_cast<std::size_t>(l)];
      const Vec<double>& rv = ema_var_[d][static_cast<std::size_t>(l)];
      for (Eigen::Index i = 0; i < rm.size(); ++i) {
        const double pv = bn.population_var(i) + bn.eps;
        mean_gap += std::abs(rm(i) - bn.population_mean(i)) / std::sqrt(pv);
        var_gap += std::abs((rv(i) + bn.eps) / pv - 1.0);
        ++n;
      }
    }
    return {mean_gap / static_cast<double>(n), var_gap / static_cast<double>(n)};
  }

  ModeEval evaluate(BnStats stats, int batch = 0) {
    const EvalReport e = trainer_->evaluate(test_, stats, batch, batch > 0 ? &test_order_ : nullptr);
    return {e.accuracy, e.loss};
  }

  std::vector<double> predict_point(BnStats stats) {
    Mat<Real> x(2, 1);
    x(0, 0) = static_cast<Real>(spec_.point[0]);
    x(1, 0) = static_cast<Real>(spec_.point[1]);
    return column(softmax(trainer_->model().forward(x, Mode::Eval, stats)), 0);
  }

  // Runs `f` with the BN layers' own running buffers saved and restored around it.
  template <typename F>
  void with_running_restored(F f) {
    Mlp<Real>& m = trainer_->model();
    std::vector<Vec<double>> mean, var;
    for (int l = 0; l < m.depth(); ++l) {
      mean.push_back(m.batch_norm(l)->running_mean);
      var.push_back(m.batch_norm(l)->running_var);
    }
    f();
    for (int l = 0; l < m.depth(); ++l) {
      m.batch_norm(l)->running_mean = mean[static_cast<std::size_t>(l)];
      m.batch_norm(l)->running_var = var[static_cast<std::size_t>(l)];
    }
  }

  void queue_curve() {
    const long step = step_;
    work_.push([this, step] {
      trainer_->model().estimate_population(train_x_);
      curve_.step.push_back(static_cast<double>(step));
      curve_.population_accuracy.push_back(evaluate(BnStats::Population).accuracy);
    });
    for (std::size_t d = 0; d < spec_.ema_decays.size(); ++d)
      work_.push([this, d] {
        with_running_restored([&] {
          load_running(d);
          curve_.running_accuracy[d].push_back(evaluate(BnStats::Running).accuracy);
          const auto g = gaps(d);
          curve_.mean_gap[d].push_back(g.first);
          curve_.var_gap[d].push_back(g.second);
        });
      });
  }

  void queue_checkpoint() {
    CheckpointRecord c;
    c.step = step_;
    cps().push_back(c);
    const std::size_t k = cps().size() - 1;
    work_.push([this, k] {
      trainer_->model().estimate_population(train_x_);
      cps()[k].population = evaluate(BnStats::Population);
      cps()[k].point_population = predict_point(BnStats::Population);
    });
    for (std::size_t d = 0; d < spec_.ema_decays.size(); ++d)
      work_.push([this, k, d] {
        with_running_restored([&] {
          load_running(d);
          RunningEval r;
          r.decay = spec_.ema_decays[d];
          r.eval = evaluate(BnStats::Running);
          const auto g = gaps(d);
          r.mean_gap = g.first;
          r.var_gap = g.second;
          r.point = predict_point(BnStats::Running);
          cps()[k].running.push_back(r);
        });
      });
    for (int m : spec_.test_batch_sizes)
      work_.push([this, k, m] {
        BatchEval b;
        b.size = m;
        b.eval = evaluate(BnStats::Batch, m);
        point_in_batches(m, b);
        cps()[k].batch.push_back(b);
      });
    work_.push([this, k] {
      batch_of_one(cps()[k]);
      cps()[k].complete = true;
    });
  }

  // The point evaluated with batch statistics, together with m - 1 test points (different
  // companions each time, consecutive in the fixed test order).
  void point_in_batches(int m, BatchEval& b) {
    const int n = test_.size(), R = spec_.point_batches;
    Mat<Real> x(2, m);
    x(0, 0) = static_cast<Real>(spec_.point[0]);
    x(1, 0) = static_cast<Real>(spec_.point[1]);
    std::vector<std::vector<double>> draws;
    for (int r = 0; r < R; ++r) {
      for (int i = 1; i < m; ++i) {
        const int idx = test_order_[static_cast<std::size_t>((static_cast<long>(r) * (m - 1) + i - 1) % n)];
        x(0, i) = static_cast<Real>(test_.x(0, idx));
        x(1, i) = static_cast<Real>(test_.x(1, idx));
      }
      draws.push_back(column(softmax(trainer_->model().forward(x, Mode::Eval, BnStats::Batch)), 0));
    }
    const std::size_t C = draws[0].size();
    b.point_mean.assign(C, 0.0);
    b.point_min.assign(C, 1.0);
    b.point_max.assign(C, 0.0);
    for (const auto& p : draws)
      for (std::size_t c = 0; c < C; ++c) {
        b.point_mean[c] += p[c] / R;
        b.point_min[c] = std::min(b.point_min[c], p[c]);
        b.point_max[c] = std::max(b.point_max[c], p[c]);
      }
  }

  // With a batch of one every BN output is beta: the output for the point is the output for
  // every input. Measured, not assumed: the largest difference over the test set.
  void batch_of_one(CheckpointRecord& c) {
    c.batch1_probabilities = predict_point(BnStats::Batch);
    Mat<Real> x(2, 1);
    double diff = 0.0;
    for (int j = 0; j < test_.size(); ++j) {
      x(0, 0) = static_cast<Real>(test_.x(0, j));
      x(1, 0) = static_cast<Real>(test_.x(1, j));
      const std::vector<double> p = column(softmax(trainer_->model().forward(x, Mode::Eval, BnStats::Batch)), 0);
      for (std::size_t k = 0; k < p.size(); ++k) diff = std::max(diff, std::abs(p[k] - c.batch1_probabilities[k]));
    }
    c.batch1_max_difference = diff;
  }

  void finish_seed() {
    json run = seed_run_entry(cps());
    run["seed"] = seeds_.seed();
    seed_runs_.push_back(run);
    if (seeds_.first()) {
      first_train_ = train_;
      first_diverged_ = trainer_->diverged_at();
    }
    seeds_.next();
    if (!done()) start_seed();
  }

  InferenceSpec spec_;
  json spec_json_;
  SeedLoop seeds_;
  Dataset train_, test_, first_train_;
  Mat<Real> train_x_;
  std::vector<int> test_order_;
  std::unique_ptr<Trainer<Real>> trainer_;
  std::vector<std::vector<Vec<double>>> ema_mean_, ema_var_;  // [decay][layer], features
  WorkQueue work_;  // evaluations as tasks of one unit each; training steps count one unit too
  FirstSeed<std::vector<CheckpointRecord>> cps_;  // the first seed's checkpoints are the ones shown
  std::vector<CheckpointRecord>& cps() { return cps_.at(seeds_); }
  Curve curve_;
  json seed_runs_ = json::array();
  long first_diverged_ = 0;
  long step_ = 0;
};


// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's (points, checkpoints, curve, takeaway), one seed_runs entry per seed (the
// accuracies its own result shows at each checkpoint) and, once complete, the summary over those
// entries (summary_over_seeds, the function the run uses). Cells after the first draw no curve
// (the run draws it for the first seed only).
SeedCells inference_seed_cells(const InferenceSpec& s) {
  SeedCells c = seed_cells_for<InferenceSpec>(s, [](InferenceSpec& k) { k.curve_every = 0; });
  c.seed_run = [](const json& cell, const std::string& where) {
    const json& cps = field_at(cell, {"checkpoints"}, where);
    if (!cps.is_array()) throw Error(where + ".checkpoints: must be an array");
    json list = json::array();
    for (std::size_t k = 0; k < cps.size(); ++k) {
      const std::string at = where + ".checkpoints[" + std::to_string(k) + "]";
      const json& step = field_at(cps[k], {"step"}, at);
      const json& pop = field_at(cps[k], {"population", "accuracy"}, at);
      if (!step.is_number_integer()) throw Error(at + ".step: must be a step");
      if (!pop.is_number()) throw Error(at + ".population.accuracy: must be a number");
      json entry = {{"step", step}, {"population", pop}};
      for (const char* arm : {"running", "batch"}) {
        const json& evals = field_at(cps[k], {arm}, at);
        if (!evals.is_array()) throw Error(at + "." + arm + ": must be an array");
        json acc = json::array();
        for (std::size_t e = 0; e < evals.size(); ++e) {
          const json& a = field_at(evals[e], {"accuracy"}, at + "." + arm + "[" + std::to_string(e) + "]");
          if (!a.is_number()) throw Error(at + "." + arm + "[" + std::to_string(e) + "].accuracy: must be a number");
          acc.push_back(a);
        }
        entry[arm] = acc;
      }
      list.push_back(entry);
    }
    return json{{"checkpoints", list}};
  };
  c.empty_start = [s] { return InferenceExperiment(s).result(); };
  c.finish = [s](json& r, const json& seed_runs) {
    if (s.seeds.seeds > 1 && r["complete"] == true) r["summary"] = summary_over_seeds(s, seed_runs);
  };
  return c;
}

}  // namespace

Chapter inference_chapter() {
  Chapter c = make_chapter<InferenceSpec, InferenceExperiment>("inference", "Test time needs running averages",
                                                               parse_inference_spec);
  split_seeds_at_research_scale<InferenceSpec, InferenceExperiment>(c, parse_inference_spec, inference_seed_cells);
  return c;
}

}  // namespace bnlab
