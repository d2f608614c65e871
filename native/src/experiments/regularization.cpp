// The regularization sweep: every (seed, configuration, batch size) run trained one after the
// other on the seed's data, then evaluated on the training set, the flipped test copy and the clean
// test set. The result is written in regularization_result.cpp, the cells in
// regularization_cells.cpp, the spec in regularization_spec.cpp.
#include "bnlab/experiments/regularization.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bnlab/experiments/plumbing.h"
#include "bnlab/loss.h"
#include "regularization_parts.h"

namespace bnlab {

namespace regularization_parts {

json train_points_json(const Dataset& train) {
  json p = points_json(train, train.size());
  std::vector<int> flipped(static_cast<std::size_t>(train.size()), 0);
  for (int i : train.flipped) flipped[static_cast<std::size_t>(i)] = 1;
  p["flipped"] = flipped;
  return p;
}

}  // namespace regularization_parts

namespace {

using namespace regularization_parts;

// The "flipped copy" of the test set: exactly round(f n) labels flipped to another class, chosen
// like the training flips (a permutation's first entries) from a stream of its own.
Dataset flipped_copy(const Dataset& clean, double fraction, std::uint64_t seed) {
  Dataset d = clean;
  if (fraction <= 0.0) return d;
  Rng rng = Rng::stream(seed, Stream::Probe, 0x7e57);
  flip_labels(d, fraction, rng);
  return d;
}

// The square the decision regions cover: the training set's bounding box, made square, plus 5%.
std::pair<double, double> region_square(const Dataset& train) {
  const double lo = train.x.minCoeff(), hi = train.x.maxCoeff(), pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

// Share of the flipped training examples that the net predicts with their (wrong) training label.
double memorized_share(Mlp<Real>& net, const Dataset& train) {
  if (train.flipped.empty()) return kNan;
  Mat<Real> x;
  std::vector<int> y;
  gather(train, train.flipped, 0, train.flipped.size(), x, y);
  const Mat<Real>& logits = net.forward(x, Mode::Eval, BnStats::Running);
  int hits = 0;
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    Eigen::Index best = 0;
    logits.col(j).maxCoeff(&best);
    hits += static_cast<int>(best) == y[static_cast<std::size_t>(j)] ? 1 : 0;
  }
  return static_cast<double>(hits) / static_cast<double>(train.flipped.size());
}

// The two test sets share their inputs (the flipped copy differs in labels only): one forward gives
// both evaluations. Chunked exactly like Trainer::evaluate, so the numbers are the same bits.
std::pair<EvalReport, EvalReport> evaluate_both(Trainer<Real>& trainer, const Dataset& flipped, const Dataset& clean) {
  const int n = clean.size();
  std::pair<EvalReport, EvalReport> r;
  if (n == 0) return r;
  std::vector<int> idx(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  constexpr int kChunk = 1024;  // Trainer::evaluate's chunk
  Mat<Real> x;
  std::vector<int> y_clean, y_flipped(kChunk);
  double loss_f = 0.0, correct_f = 0.0, loss_c = 0.0, correct_c = 0.0;
  for (int begin = 0; begin < n; begin += kChunk) {
    const int end = std::min(n, begin + kChunk);
    gather(clean, idx, static_cast<std::size_t>(begin), static_cast<std::size_t>(end), x, y_clean);
    y_flipped.assign(flipped.y.begin() + begin, flipped.y.begin() + end);
    const Mat<Real>& logits = trainer.model().forward(x, Mode::Eval, BnStats::Running);
    const double m = end - begin;
    loss_f += m * softmax_cross_entropy<Real>(logits, y_flipped, nullptr);
    correct_f += m * accuracy(logits, y_flipped);
    loss_c += m * softmax_cross_entropy<Real>(logits, y_clean, nullptr);
    correct_c += m * accuracy(logits, y_clean);
  }
  const double cap = trainer.config().diverge_loss;
  r.first.loss = loss_f / n;
  r.first.accuracy = correct_f / n;
  r.second.loss = loss_c / n;
  r.second.accuracy = correct_c / n;
  if (!std::isfinite(r.first.loss)) r.first.loss = cap;
  if (!std::isfinite(r.second.loss)) r.second.loss = cap;
  return r;
}

class RegularizationExperiment : public Experiment {
 public:
  explicit RegularizationExperiment(const RegularizationSpec& s)
      : spec_(s), spec_json_(to_json(s)), state_(s), seeds_(s.seeds) {
    double per_seed = 0.0;
    for (std::size_t c = 0; c < spec_.configs.size(); ++c)
      for (std::size_t b = 0; b < spec_.batch_sizes.size(); ++b) per_seed += run_work(spec_, c, b);
    work_.plan(static_cast<long>(seeds_.count() * per_seed));
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) {
      if (!trainer_) {
        start_run();
        continue;  // a repeated run (ghost mode, no BN) costs one unit of bookkeeping
      }
      const StepReport rep = trainer_->step();
      work_.count(step_work_);
      const int spe = trainer_->steps_per_epoch();
      if (trainer_->steps() % spe == 0 && spec_.eval_every > 0 && seeds_.first()) {
        const long epoch = trainer_->steps() / spe;
        if (epoch % spec_.eval_every == 0 && epoch < spec_.epochs) record_curve(epoch);
      }
      if (trainer_->steps() >= total_steps_ || rep.diverged) finish_run();
    }
  }

  bool done() const override { return seeds_.done(); }

  // Examples processed over examples planned (a step of population-mode BN counts N).
  double progress() const override { return done() ? 1.0 : work_.progress(); }

  json result() const override {
    Standing at;
    at.progress = progress();
    at.complete = done();
    at.seeds_done = seeds_.index();
    at.runs_done = runs_done_;
    if (!done()) {
      const long spe = trainer_ ? trainer_->steps_per_epoch() : 1;
      at.current = {{"seed", seeds_.seed()},
                    {"config", spec_.configs[config_index_]},
                    {"batch_size", spec_.batch_sizes[size_index_]},
                    {"epoch", trainer_ ? trainer_->steps() / spe : 0}};
    }
    return write_result(spec_, spec_json_, state_, at);
  }

 private:
  void start_seed() {
    const std::uint64_t seed = seeds_.seed();
    train_ = make_train_set(spec_.data, seed);
    test_clean_ = make_test_set(spec_.data, seed);
    test_ = flipped_copy(test_clean_, spec_.data.label_flip, seed);
    if (seeds_.first() && spec_.grid > 0) state_.train_points = train_points_json(train_);
    config_index_ = size_index_ = 0;
  }

  void start_run() {
    const std::size_t c = config_index_, b = size_index_;
    const std::size_t si = static_cast<std::size_t>(seeds_.index());
    if (repeated(spec_, c, b)) {
      state_.runs[c][b][si] = state_.runs[c][0][si];
      if (seeds_.first()) {
        state_.curves[c][b] = state_.curves[c][0];
        state_.regions[c][b] = state_.regions[c][0];
      }
      next_run();
      return;
    }
    const std::uint64_t seed = seeds_.seed();
    const int B = spec_.batch_sizes[b];
    MlpConfig m = spec_.model_for(spec_.configs[c]);
    const int sgd = spec_.sgd_batch_for(B);
    if (m.batch_norm && spec_.mode == "ghost" && B < sgd && spec_.configs[c] != "bn_population") m.ghost_batch = B;
    TrainConfig t = spec_.train;
    t.batch_size = sgd;
    t.optimizer.lr = spec_.lr_for(B);
    t.bn_full_set = full_set_stats(spec_, spec_.configs[c], B);
    trainer_ = std::make_unique<Trainer<Real>>(m, t, train_, seed);
    total_steps_ = static_cast<long>(spec_.epochs) * trainer_->steps_per_epoch();
    step_work_ = t.bn_full_set ? spec_.data.n_train : sgd;
    if (seeds_.first() && spec_.eval_every > 0) record_curve(0);
  }

  void record_curve(long epoch) {
    Curve& k = state_.curves[config_index_][size_index_];
    k.epoch.push_back(static_cast<double>(epoch));
    k.train_loss.push_back(trainer_->evaluate(train_, BnStats::Running).loss);
    const auto [te, tc] = evaluate_both(*trainer_, test_, test_clean_);
    k.test_loss.push_back(te.loss);
    k.test_clean_loss.push_back(tc.loss);
  }

  void finish_run() {
    RunResult rr;
    rr.present = true;
    const EvalReport tr = trainer_->evaluate(train_, BnStats::Running);
    const auto [te, tc] = evaluate_both(*trainer_, test_, test_clean_);
    rr.train_loss = tr.loss;
    rr.train_accuracy = tr.accuracy;
    rr.test_loss = te.loss;
    rr.test_accuracy = te.accuracy;
    rr.test_clean_loss = tc.loss;
    rr.test_clean_accuracy = tc.accuracy;
    rr.memorized = memorized_share(trainer_->model(), train_);
    rr.diverged = trainer_->diverged();
    if (seeds_.first() && spec_.eval_every > 0) {
      Curve& k = state_.curves[config_index_][size_index_];
      k.epoch.push_back(static_cast<double>(trainer_->steps() / trainer_->steps_per_epoch()));
      k.train_loss.push_back(tr.loss);
      k.test_loss.push_back(te.loss);
      k.test_clean_loss.push_back(tc.loss);
    }
    if (seeds_.first() && spec_.grid > 0) {
      const auto [lo, hi] = region_square(train_);
      state_.regions[config_index_][size_index_] = decision_grid(trainer_->model(), BnStats::Running, spec_.grid, lo, hi);
    }
    // A diverged run stops early: count the work it will not do.
    work_.count((total_steps_ - trainer_->steps()) * step_work_);
    state_.runs[config_index_][size_index_][static_cast<std::size_t>(seeds_.index())] = rr;
    trainer_.reset();
    next_run();
  }

  void next_run() {
    ++runs_done_;
    if (++size_index_ < spec_.batch_sizes.size()) return;
    size_index_ = 0;
    if (++config_index_ < spec_.configs.size()) return;
    seeds_.next();
    if (!done()) start_seed();
  }

  RegularizationSpec spec_;
  json spec_json_;
  SweepState state_;
  Dataset train_, test_, test_clean_;
  std::unique_ptr<Trainer<Real>> trainer_;
  SeedLoop seeds_;
  WorkQueue work_;  // a counter here: examples processed (runs are chains of steps, not tasks)
  std::size_t config_index_ = 0, size_index_ = 0;  // the run of the current seed, seed-major order
  long runs_done_ = 0, total_steps_ = 0, step_work_ = 0;
};

}  // namespace

Chapter regularization_chapter() {
  Chapter c = make_chapter<RegularizationSpec, RegularizationExperiment>(
      "regularization", "BN regularizes, less with big batches", parse_regularization_spec);
  c.cells = [](const json& j) { return regularization_cells(parse_regularization_spec(j)); };
  c.merge = [](const json& j, const json& cells) { return regularization_merge(parse_regularization_spec(j), cells); };
  return c;
}

}  // namespace bnlab
