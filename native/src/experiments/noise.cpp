// The noise chapter's experiment: one frozen net per seed, R mini-batches drawn per batch size the
// way the trainer draws them, and what each batch does to the probed layer's moments, to one
// example's normalised value and, for comparison, what dropout does. The statistics and the
// result are in noise_result.cpp, the spec in noise_spec.cpp.
#include "bnlab/experiments/noise.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"
#include "bnlab/stats.h"
#include "noise_parts.h"

namespace bnlab {

namespace {

using namespace noise_parts;

class NoiseExperiment : public Experiment {
 public:
  explicit NoiseExperiment(const NoiseSpec& s) : spec_(s), spec_json_(to_json(s)), seeds_(s.seeds) {
    long per_seed = spec_.train_steps;
    for (int m : spec_.batch_sizes) per_seed += m >= spec_.data.n_train ? 1 : spec_.batches;
    work_.plan(seeds_.count() * per_seed);
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) work_.run_one();
  }

  bool done() const override { return seeds_.done(); }

  double progress() const override { return done() ? 1.0 : work_.progress(); }

  json result() const override {
    return write_result(spec_, spec_json_, runs_, frozen_description_, progress(), done());
  }

 private:
  void start_seed() {
    const std::uint64_t seed = seeds_.seed();
    train_ = make_train_set(spec_.data, seed);
    runs_.emplace_back();
    runs_.back().seed = seed;
    runs_.back().sizes.assign(spec_.batch_sizes.size(), SizeResult{});
    size_index_ = 0;
    trainer_ = std::make_unique<Trainer<Real>>(spec_.model, spec_.train, train_, seed);
    if (spec_.train_steps == 0) freeze();
    else queue_training_step();
  }

  void queue_training_step() {
    work_.push([this] {
      trainer_->step();
      if (trainer_->steps() >= spec_.train_steps || trainer_->diverged()) freeze();
      else queue_training_step();
    });
  }

  // Stops training, keeps the net and measures the population moments over all N examples.
  void freeze() {
    net_ = std::make_unique<Mlp<Real>>(trainer_->model());
    if (seeds_.first()) {
      if (spec_.train_steps == 0) {
        frozen_description_ = "frozen at initialization (weights from seed " + std::to_string(seeds_.seed()) + ")";
      } else {
        const EvalReport e = trainer_->evaluate(train_, BnStats::Running);
        frozen_description_ = "frozen after " + with_commas(trainer_->steps()) + " training steps (batch " +
                              std::to_string(spec_.train.batch_size) + ", lr " + fixed(spec_.train.optimizer.lr, 4) +
                              "; training loss " + fixed(e.loss, 3) + ")";
        if (trainer_->diverged()) frozen_description_ += ", training diverged at step " + with_commas(trainer_->diverged_at());
      }
    }
    work_.count(spec_.train_steps - trainer_->steps());  // a run that diverged early skips the rest of training
    trainer_.reset();
    std::vector<int> all(static_cast<std::size_t>(train_.size()));
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    std::vector<int> y;
    gather(train_, all, 0, all.size(), full_x_, y);
    // Training mode over the whole set: BN below uses the set's own statistics = population.
    net_->forward(full_x_, Mode::Train, BnStats::Running, nullptr);
    const int L = spec_.layer - 1;
    SeedResult& sr = runs_.back();
    sr.probed = moments_of(net_->pre_activation(L));
    sr.kurtosis = kurtosis_summary(sr.probed);
    if (has_deeper(spec_)) sr.deeper = moments_of(net_->pre_activation(L + 1));
    const Mat<Real>& a = net_->activation(L);
    act_sigma_.assign(static_cast<std::size_t>(a.rows()), 0.0);
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      std::vector<double> v(static_cast<std::size_t>(a.cols()));
      for (Eigen::Index j = 0; j < a.cols(); ++j) v[static_cast<std::size_t>(j)] = a(i, j);
      act_sigma_[static_cast<std::size_t>(i)] = std::sqrt(stats::variance(v) * (a.cols() - 1) / a.cols());
    }
    start_size();
  }

  void start_size() {
    if (size_index_ >= spec_.batch_sizes.size()) return;
    const int m = spec_.batch_sizes[size_index_];
    const std::uint64_t seed = seeds_.seed();
    order_rng_ = std::make_unique<Rng>(Rng::stream(seed, Stream::Probe, static_cast<std::uint64_t>(m)));
    dropout_rng_ = std::make_unique<Rng>(Rng::stream(seed, Stream::Dropout, static_cast<std::uint64_t>(m)));
    perm_.clear();
    cursor_ = 0;
    drawn_ = 0;
    probed_trace_.reset(runs_.back().probed.mean.size());
    deeper_trace_.reset(runs_.back().deeper.mean.size());
    ex_sum_ = ex_count_ = 0.0;
    drop_sum_ = drop_sum2_ = drop_count_ = drop_ex_sum_ = drop_ex_count_ = 0.0;
    // One unit per batch drawn; the full batch is one unit (it is not sampled).
    const long batches = m >= spec_.data.n_train ? 1 : spec_.batches;
    for (long k = 0; k < batches; ++k) work_.push([this] { probe_one(); });
  }

  void probe_one() {
    SeedResult& sr = runs_.back();
    SizeResult& out = sr.sizes[size_index_];
    const int N = spec_.data.n_train;
    const int m = spec_.batch_sizes[size_index_];
    if (m >= N) {
      // The full batch: every batch is the whole set, its statistics are the population's.
      out.full_batch = true;
      out.probed = summarize(probed_trace_, sr.probed, m, N, true);
      if (has_deeper(spec_)) out.deeper = summarize(deeper_trace_, sr.deeper, m, N, true);
      out.example_noise = 0.0;
      out.example_noise_theory = 0.0;
      measure_dropout_full(out);
      finish_size();
      return;
    }
    const std::size_t M = static_cast<std::size_t>(m);
    if (perm_.empty() || cursor_ + M > perm_.size()) {
      perm_ = order_rng_->permutation(N);
      cursor_ = 0;
    }
    batch_idx_.assign(perm_.begin() + static_cast<std::ptrdiff_t>(cursor_),
                      perm_.begin() + static_cast<std::ptrdiff_t>(cursor_ + M));
    cursor_ += M;
    gather(train_, batch_idx_, 0, M, batch_x_, batch_y_);
    net_->forward(batch_x_, Mode::Train, BnStats::Running, nullptr);
    const int L = spec_.layer - 1;
    const Mat<Real>& z = net_->pre_activation(L);
    probed_trace_.add(z);
    if (has_deeper(spec_)) deeper_trace_.add(net_->pre_activation(L + 1));

    // What one example feels: its BN-normalised value with the batch's vs the population's moments.
    const double eps = spec_.model.bn_eps;
    for (int i : sr.probed.counted) {
      const std::size_t k = static_cast<std::size_t>(i);
      const double mu_b = probed_trace_.means[k].back();
      const double var_b = probed_trace_.vars[k].back() * (m - 1) / m;  // BN normalises with the biased one
      const double inv_b = 1.0 / std::sqrt(var_b + eps), inv = 1.0 / std::sqrt(sr.probed.var[k] + eps);
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        const double d = (z(i, j) - mu_b) * inv_b - (z(i, j) - sr.probed.mean[k]) * inv;
        ex_sum_ += d * d;
        ex_count_ += 1.0;
      }
    }
    measure_dropout(net_->activation(L));

    if (seeds_.first() && !sr.probed.counted.empty() && drawn_ < kSampleBatches) {
      const std::size_t k = static_cast<std::size_t>(sr.probed.counted.front());
      out.sample.push_back((probed_trace_.means[k].back() - sr.probed.mean[k]) / std::sqrt(sr.probed.var[k]));
    }
    if (++drawn_ >= spec_.batches) {
      out.batches = drawn_;
      out.probed = summarize(probed_trace_, sr.probed, m, N, false);
      if (has_deeper(spec_)) out.deeper = summarize(deeper_trace_, sr.deeper, m, N, false);
      out.example_noise = std::sqrt(ex_sum_ / std::max(1.0, ex_count_));
      // First order: zhat_b - zhat = -(mu_b - mu)/sigma - zhat (s_b - sigma)/sigma, and
      // std(s_b)/sigma ~ var_noise / 2; with E[zhat^2] = 1 the two terms add in quadrature.
      out.example_noise_theory = std::sqrt(out.probed.mean_theory * out.probed.mean_theory +
                                           out.probed.var_theory * out.probed.var_theory / 4.0);
      dropout_summary(out);
      finish_size();
    }
  }

  // Inverted dropout on the activation a (units x m): the mask factor f in {0, 1/(1-p)} per entry.
  void measure_dropout(const Mat<Real>& a) {
    Dropout<Real> drop(spec_.dropout_p);
    drop.forward(a, Mode::Train, dropout_rng_.get());
    const Mat<Real>& f = drop.mask();
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      for (Eigen::Index i = 0; i < a.rows(); ++i) {
        const double s = act_sigma_[static_cast<std::size_t>(i)];
        if (a(i, j) <= 0 || s <= 0.0) continue;  // a dropped zero is no change
        const double fij = f(i, j);
        drop_sum_ += fij;
        drop_sum2_ += fij * fij;
        drop_count_ += 1.0;
        const double d = (fij - 1.0) * a(i, j) / s;
        drop_ex_sum_ += d * d;
        drop_ex_count_ += 1.0;
      }
  }

  // Dropout at the full batch: a few masks on the whole set's activations, so the flat line
  // reaches m = N too (dropout's noise is there even when BN's is zero).
  void measure_dropout_full(SizeResult& out) {
    const int L = spec_.layer - 1;
    net_->forward(full_x_, Mode::Train, BnStats::Running, nullptr);
    const Mat<Real> a = net_->activation(L);
    for (int b = 0; b < 4; ++b) measure_dropout(a);
    dropout_summary(out);
  }

  // The dropout masks drawn at one batch size: the spread of the mask factor and the example noise.
  void dropout_summary(SizeResult& out) const {
    out.dropout_relative_std = drop_count_ > 1 ? std::sqrt(std::max(0.0, (drop_sum2_ - drop_sum_ * drop_sum_ / drop_count_) /
                                                                   (drop_count_ - 1.0)))
                                               : kNan;
    out.dropout_example_noise = std::sqrt(drop_ex_sum_ / std::max(1.0, drop_ex_count_));
  }

  void finish_size() {
    runs_.back().sizes[size_index_].done = true;
    ++size_index_;
    if (size_index_ < spec_.batch_sizes.size()) {
      start_size();
      return;
    }
    seeds_.next();
    if (!done()) start_seed();
  }

  NoiseSpec spec_;
  json spec_json_;
  Dataset train_;
  std::unique_ptr<Trainer<Real>> trainer_;  // only while training before the freeze
  std::unique_ptr<Mlp<Real>> net_;          // the frozen net
  std::unique_ptr<Rng> order_rng_, dropout_rng_;
  SeedLoop seeds_;
  WorkQueue work_;  // one unit per training step and per batch drawn
  std::vector<SeedResult> runs_;  // every seed's (the result is their mean; the first is sampled)
  std::string frozen_description_;
  Mat<Real> full_x_, batch_x_;
  std::vector<int> perm_, batch_idx_, batch_y_;
  std::vector<double> act_sigma_;  // population std of each unit of the probed activation
  // The current batch size: its index, the batches drawn, the permutation's cursor, the sums.
  std::size_t size_index_ = 0, cursor_ = 0;
  int drawn_ = 0;
  double ex_sum_ = 0, ex_count_ = 0;
  double drop_sum_ = 0, drop_sum2_ = 0, drop_count_ = 0, drop_ex_sum_ = 0, drop_ex_count_ = 0;
  BatchTrace probed_trace_, deeper_trace_;
};

// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's (frozen description, units, sample histograms), one seed_runs entry per seed and
// what write_over_seeds computes over the seeds (every array's mean, the kurtosis, the takeaway),
// from each cell's one-seed result read back by seed_from_result: the run and the merge write
// those fields through the same function, so they write the same bytes.
SeedCells noise_seed_cells(const NoiseSpec& s) {
  SeedCells c = seed_cells_for(s);
  c.seed_run = [](const json& cell, const std::string& where) {
    return json{{"mean_noise", field_at(cell, {"mean_noise"}, where)}, {"var_noise", field_at(cell, {"var_noise"}, where)}};
  };
  c.empty_start = [s] { return NoiseExperiment(s).result(); };
  c.finish_cells = [s](json& r, const std::vector<const json*>& cells) {
    std::vector<SeedResult> runs;
    for (const json* cell : cells) {
      const std::uint64_t seed = (*cell)["spec"]["seed"].get<std::uint64_t>();
      runs.push_back(seed_from_result(s, *cell, "merge: cell_results[" + std::to_string(seed - s.seeds.seed) + "]"));
      runs.back().seed = seed;
    }
    write_over_seeds(r, s, runs);
  };
  return c;
}

}  // namespace

Chapter noise_chapter() {
  Chapter c = make_chapter<NoiseSpec, NoiseExperiment>("noise", "BN's noise: mini-batch statistics", parse_noise_spec);
  split_seeds_at_research_scale<NoiseSpec, NoiseExperiment>(c, parse_noise_spec, noise_seed_cells);
  return c;
}

}  // namespace bnlab
