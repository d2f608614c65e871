#include "bnlab/experiments/noise.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "bnlab/error.h"
#include "bnlab/stats.h"

namespace bnlab {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr int kSampleBatches = 200;

// Population moments of one layer's units over the whole training set.
struct UnitMoments {
  std::vector<double> mean, var, var_unbiased, kurtosis;  // per unit; var over N
  std::vector<int> counted;                               // units with a usable sigma
};

UnitMoments moments_of(const Mat<Real>& z) {
  UnitMoments u;
  const Eigen::Index F = z.rows(), N = z.cols();
  double largest = 0.0;
  for (Eigen::Index i = 0; i < F; ++i) {
    std::vector<double> v(static_cast<std::size_t>(N));
    for (Eigen::Index j = 0; j < N; ++j) v[static_cast<std::size_t>(j)] = z(i, j);
    const double s2u = stats::variance(v);
    u.mean.push_back(stats::mean(v));
    u.var_unbiased.push_back(s2u);
    u.var.push_back(s2u * static_cast<double>(N - 1) / static_cast<double>(N));
    u.kurtosis.push_back(stats::kurtosis(v));
    largest = std::max(largest, u.var.back());
  }
  // A unit with (almost) no spread has no meaningful relative noise: leave it out.
  for (Eigen::Index i = 0; i < F; ++i)
    if (u.var[static_cast<std::size_t>(i)] > 1e-10 * largest && u.var[static_cast<std::size_t>(i)] > 1e-20)
      u.counted.push_back(static_cast<int>(i));
  return u;
}

// Per-unit batch statistics of one layer over the R batches of one batch size.
struct BatchTrace {
  std::vector<std::vector<double>> means, vars;  // [unit][batch]
  void reset(std::size_t units) {
    means.assign(units, {});
    vars.assign(units, {});
  }
  void add(const Mat<Real>& z) {
    const Eigen::Index m = z.cols();
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      double mu = 0.0;
      for (Eigen::Index j = 0; j < m; ++j) mu += z(i, j);
      mu /= static_cast<double>(m);
      double ss = 0.0;
      for (Eigen::Index j = 0; j < m; ++j) ss += (z(i, j) - mu) * (z(i, j) - mu);
      means[static_cast<std::size_t>(i)].push_back(mu);
      vars[static_cast<std::size_t>(i)].push_back(ss / static_cast<double>(m - 1));
    }
  }
};

// Noise of one layer at one batch size, averaged over counted units.
struct LayerNoise {
  double mean_noise = kNan, mean_noise_unit_sd = kNan, var_noise = kNan;
  double mean_theory = kNan, var_theory = kNan, var_gaussian = kNan;
};

LayerNoise summarize(const BatchTrace& t, const UnitMoments& u, int m, int N, bool full_batch) {
  LayerNoise r;
  std::vector<double> mn, vn, vt, vg;
  for (int i : u.counted) {
    const std::size_t k = static_cast<std::size_t>(i);
    if (full_batch) {
      mn.push_back(0.0);
      vn.push_back(0.0);
    } else {
      mn.push_back(stats::stddev(t.means[k]) / std::sqrt(u.var[k]));
      vn.push_back(stats::stddev(t.vars[k]) / u.var_unbiased[k]);
    }
    vt.push_back(stats::theory_var_noise(m, N, u.kurtosis[k]));
    vg.push_back(stats::theory_var_noise(m, N, 3.0));
  }
  if (mn.empty()) return r;
  r.mean_noise = stats::mean(mn);
  r.mean_noise_unit_sd = stats::stddev(mn);
  r.var_noise = stats::mean(vn);
  r.mean_theory = stats::theory_mean_noise(m, N);
  r.var_theory = stats::mean(vt);
  r.var_gaussian = stats::mean(vg);
  return r;
}

// Everything measured at one batch size for one seed.
struct SizeResult {
  bool done = false;
  bool full_batch = false;
  int batches = 0;
  LayerNoise probed, deeper;
  double example_noise = kNan, example_noise_theory = kNan;
  double dropout_relative_std = kNan, dropout_example_noise = kNan;
  std::vector<double> sample;  // standardized batch means of the sample unit
};

struct SeedResult {
  std::uint64_t seed = 0;
  std::vector<SizeResult> sizes;
  UnitMoments probed, deeper;
};

class NoiseExperiment : public Experiment {
 public:
  explicit NoiseExperiment(const NoiseSpec& s) : spec_(s), spec_json_(to_json(s)) {
    for (int m : spec_.batch_sizes) {
      const bool full = m >= spec_.data.n_train;
      units_per_seed_ += full ? 1 : spec_.batches;
    }
    units_per_seed_ += spec_.train_steps;
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) {
      if (trainer_) {
        trainer_->step();
        ++units_this_seed_;
        if (trainer_->steps() >= spec_.train_steps || trainer_->diverged()) freeze();
        continue;
      }
      probe_one();
    }
  }

  bool done() const override { return seed_index_ >= spec_.seeds.seeds; }

  double progress() const override {
    if (done()) return 1.0;
    return (seed_index_ * static_cast<double>(units_per_seed_) + units_this_seed_) /
           (spec_.seeds.seeds * static_cast<double>(units_per_seed_));
  }

  json result() const override {
    json r = result_envelope("noise", spec_json_, progress(), done());
    const int N = spec_.data.n_train;
    const std::size_t S = spec_.batch_sizes.size();
    r["frozen"] = {{"train_steps", spec_.train_steps}, {"description", frozen_description_}};
    r["layer"] = spec_.layer;
    r["population"] = N;
    r["units"] = first().probed.counted.size();

    // Kurtosis over the counted units of every seed so far.
    std::vector<double> kurt;
    for (const SeedResult& sr : runs_)
      for (int i : sr.probed.counted) kurt.push_back(sr.probed.kurtosis[static_cast<std::size_t>(i)]);
    r["kurtosis"] = kurt.empty() ? json(nullptr)
                                 : json{{"mean", stats::mean(kurt)},
                                        {"min", *std::min_element(kurt.begin(), kurt.end())},
                                        {"max", *std::max_element(kurt.begin(), kurt.end())}};

    std::vector<double> iid(S);
    std::vector<int> batches(S);
    std::vector<bool> full(S);
    for (std::size_t k = 0; k < S; ++k) {
      const int m = spec_.batch_sizes[k];
      iid[k] = 1.0 / std::sqrt(static_cast<double>(m));
      full[k] = m >= N;
      batches[k] = full[k] ? 0 : spec_.batches;
    }
    r["batch_size"] = spec_.batch_sizes;
    r["full_batch"] = full;
    r["batches"] = batches;
    r["mean_noise"] = series(average([](const SizeResult& z) { return z.probed.mean_noise; }));
    r["mean_noise_theory"] = series(average([](const SizeResult& z) { return z.probed.mean_theory; }));
    r["mean_noise_iid"] = series(iid);
    r["mean_noise_unit_sd"] = series(average([](const SizeResult& z) { return z.probed.mean_noise_unit_sd; }));
    r["var_noise"] = series(average([](const SizeResult& z) { return z.probed.var_noise; }));
    r["var_noise_theory"] = series(average([](const SizeResult& z) { return z.probed.var_theory; }));
    r["var_noise_gaussian"] = series(average([](const SizeResult& z) { return z.probed.var_gaussian; }));
    r["example_noise"] = series(average([](const SizeResult& z) { return z.example_noise; }));
    r["example_noise_theory"] = series(average([](const SizeResult& z) { return z.example_noise_theory; }));
    const double p = spec_.dropout_p;
    r["dropout"] = {{"p", p},
                    {"relative_std", series(average([](const SizeResult& z) { return z.dropout_relative_std; }))},
                    {"relative_std_theory", std::sqrt(p / (1.0 - p))},
                    {"example_noise", series(average([](const SizeResult& z) { return z.dropout_example_noise; }))}};
    if (has_deeper()) {
      r["deeper"] = {{"layer", spec_.layer + 1},
                     {"batch_norm", spec_.model.batch_norm},
                     {"mean_noise", series(average([](const SizeResult& z) { return z.deeper.mean_noise; }))},
                     {"mean_noise_theory", series(average([](const SizeResult& z) { return z.deeper.mean_theory; }))},
                     {"var_noise", series(average([](const SizeResult& z) { return z.deeper.var_noise; }))},
                     {"var_noise_theory", series(average([](const SizeResult& z) { return z.deeper.var_theory; }))}};
    } else {
      r["deeper"] = nullptr;
    }
    json samples = json::array();
    for (const SizeResult& z : first().sizes) samples.push_back(series(z.sample));
    r["sample"] = {{"unit", first().probed.counted.empty() ? json(nullptr) : json(first().probed.counted.front())},
                   {"batch_size", spec_.batch_sizes},
                   {"standardized_means", samples}};
    r["takeaway"] = takeaway();
    if (spec_.seeds.seeds > 1) {
      json runs = json::array();
      for (const SeedResult& sr : runs_) {
        std::vector<double> mn, vn;
        for (const SizeResult& z : sr.sizes) {
          mn.push_back(z.done ? z.probed.mean_noise : kNan);
          vn.push_back(z.done ? z.probed.var_noise : kNan);
        }
        runs.push_back({{"seed", sr.seed}, {"mean_noise", series(mn)}, {"var_noise", series(vn)}});
      }
      r["seed_runs"] = runs;
    }
    return r;
  }

 private:
  bool has_deeper() const { return spec_.layer < static_cast<int>(spec_.model.hidden.size()); }
  const SeedResult& first() const { return runs_.front(); }

  // Mean over seeds of one field at each batch size (NaN where no seed has finished that size).
  template <typename F>
  std::vector<double> average(F field) const {
    std::vector<double> out(spec_.batch_sizes.size(), kNan);
    for (std::size_t k = 0; k < out.size(); ++k) {
      double sum = 0.0;
      int n = 0;
      for (const SeedResult& sr : runs_)
        if (sr.sizes[k].done && std::isfinite(field(sr.sizes[k]))) {
          sum += field(sr.sizes[k]);
          ++n;
        }
      if (n > 0) out[k] = sum / n;
    }
    return out;
  }

  void start_seed() {
    const std::uint64_t seed = spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_);
    train_ = make_train_set(spec_.data, seed);
    runs_.emplace_back();
    runs_.back().seed = seed;
    runs_.back().sizes.assign(spec_.batch_sizes.size(), SizeResult{});
    units_this_seed_ = 0;
    size_index_ = 0;
    trainer_ = std::make_unique<Trainer<Real>>(spec_.model, spec_.train, train_, seed);
    if (spec_.train_steps == 0) freeze();
  }

  // Stops training, keeps the net and measures the population moments over all N examples.
  void freeze() {
    const std::uint64_t seed = runs_.back().seed;
    net_ = std::make_unique<Mlp<Real>>(trainer_->model());
    if (seed_index_ == 0) {
      if (spec_.train_steps == 0) {
        frozen_description_ = "frozen at initialization (weights from seed " + std::to_string(seed) + ")";
      } else {
        const EvalReport e = trainer_->evaluate(train_, BnStats::Running);
        frozen_description_ = "frozen after " + with_commas(trainer_->steps()) + " training steps (batch " +
                              std::to_string(spec_.train.batch_size) + ", lr " + fixed(spec_.train.optimizer.lr, 4) +
                              "; training loss " + fixed(e.loss, 3) + ")";
        if (trainer_->diverged()) frozen_description_ += ", training diverged at step " + with_commas(trainer_->diverged_at());
      }
    }
    trainer_.reset();
    units_this_seed_ = spec_.train_steps;  // a run that diverged early skips the rest of training
    std::vector<int> all(static_cast<std::size_t>(train_.size()));
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    std::vector<int> y;
    gather(train_, all, 0, all.size(), full_x_, y);
    // Training mode over the whole set: BN below uses the set's own statistics = population.
    net_->forward(full_x_, Mode::Train, BnStats::Running, nullptr);
    const int L = spec_.layer - 1;
    SeedResult& sr = runs_.back();
    sr.probed = moments_of(net_->pre_activation(L));
    if (has_deeper()) sr.deeper = moments_of(net_->pre_activation(L + 1));
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
    const std::uint64_t seed = runs_.back().seed;
    order_rng_ = std::make_unique<Rng>(Rng::stream(seed, Stream::Probe, static_cast<std::uint64_t>(m)));
    dropout_rng_ = std::make_unique<Rng>(Rng::stream(seed, Stream::Dropout, static_cast<std::uint64_t>(m)));
    perm_.clear();
    cursor_ = 0;
    drawn_ = 0;
    probed_trace_.reset(runs_.back().probed.mean.size());
    deeper_trace_.reset(runs_.back().deeper.mean.size());
    ex_sum_ = ex_count_ = 0.0;
    drop_sum_ = drop_sum2_ = drop_count_ = drop_ex_sum_ = drop_ex_count_ = 0.0;
  }

  void probe_one() {
    SeedResult& sr = runs_.back();
    SizeResult& out = sr.sizes[size_index_];
    const int N = spec_.data.n_train;
    const int m = spec_.batch_sizes[size_index_];
    ++units_this_seed_;
    if (m >= N) {
      // The full batch: every batch is the whole set, its statistics are the population's.
      out.full_batch = true;
      out.probed = summarize(probed_trace_, sr.probed, m, N, true);
      if (has_deeper()) out.deeper = summarize(deeper_trace_, sr.deeper, m, N, true);
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
    if (has_deeper()) deeper_trace_.add(net_->pre_activation(L + 1));

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

    if (seed_index_ == 0 && !sr.probed.counted.empty() && drawn_ < kSampleBatches) {
      const std::size_t k = static_cast<std::size_t>(sr.probed.counted.front());
      out.sample.push_back((probed_trace_.means[k].back() - sr.probed.mean[k]) / std::sqrt(sr.probed.var[k]));
    }
    if (++drawn_ >= spec_.batches) {
      out.batches = drawn_;
      out.probed = summarize(probed_trace_, sr.probed, m, N, false);
      if (has_deeper()) out.deeper = summarize(deeper_trace_, sr.deeper, m, N, false);
      out.example_noise = std::sqrt(ex_sum_ / std::max(1.0, ex_count_));
      // First order: zhat_b - zhat = -(mu_b - mu)/sigma - zhat (s_b - sigma)/sigma, and
      // std(s_b)/sigma ~ var_noise / 2; with E[zhat^2] = 1 the two terms add in quadrature.
      out.example_noise_theory = std::sqrt(out.probed.mean_theory * out.probed.mean_theory +
                                           out.probed.var_theory * out.probed.var_theory / 4.0);
      out.dropout_relative_std = drop_count_ > 1 ? std::sqrt(std::max(0.0, (drop_sum2_ - drop_sum_ * drop_sum_ / drop_count_) /
                                                                     (drop_count_ - 1.0)))
                                                 : kNan;
      out.dropout_example_noise = std::sqrt(drop_ex_sum_ / std::max(1.0, drop_ex_count_));
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
    ++seed_index_;
    if (!done()) start_seed();
  }

  std::string takeaway() const {
    const std::vector<double> mn = average([](const SizeResult& z) { return z.probed.mean_noise; });
    const std::vector<double> th = average([](const SizeResult& z) { return z.probed.mean_theory; });
    const std::vector<double> dr = average([](const SizeResult& z) { return z.dropout_relative_std; });
    const int N = spec_.data.n_train;
    // From 64 (or the smallest size) to the largest size below the full batch.
    std::size_t lo = 0, hi = 0;
    bool have_lo = false, have_hi = false;
    for (std::size_t k = 0; k < spec_.batch_sizes.size(); ++k)
      if (spec_.batch_sizes[k] == 64) { lo = k; have_lo = true; }
    if (!have_lo) lo = 0;
    for (std::size_t k = lo + 1; k < spec_.batch_sizes.size(); ++k)
      if (spec_.batch_sizes[k] < N) { hi = k; have_hi = true; }
    std::string t;
    if (have_hi && std::isfinite(mn[lo]) && std::isfinite(mn[hi]) && mn[hi] > 0.0) {
      const int a = spec_.batch_sizes[lo], b = spec_.batch_sizes[hi];
      t = "Batch " + std::to_string(a) + " -> " + std::to_string(b) + ": the batch mean's noise is " +
          fixed(mn[lo] / mn[hi], 2) + "x smaller (finite-population theory " + fixed(th[lo] / th[hi], 2) +
          "x; 1/sqrt(m) alone " + fixed(std::sqrt(static_cast<double>(b) / a), 2) + "x).";
    } else if (std::isfinite(mn[0])) {
      t = "Batch " + std::to_string(spec_.batch_sizes[0]) + ": the batch mean's noise is " + fixed(mn[0], 3) +
          " sigma (theory " + fixed(th[0], 3) + ").";
    } else {
      return "Drawing mini-batches...";
    }
    // The largest real mini-batch beside the theory, and what the finite-population correction does.
    if (have_hi && std::isfinite(mn[hi]) && std::isfinite(th[hi])) {
      const int m = spec_.batch_sizes[hi];
      const double fpc = std::sqrt(static_cast<double>(N - m) / (N - 1.0));
      t += " At batch " + std::to_string(m) + ": " + fixed(mn[hi], 3) + " sigma measured, theory " + fixed(th[hi], 3) +
           " = 1/sqrt(" + std::to_string(m) + ") x " + fixed(fpc, 3) +
           ", the correction sqrt((N - m)/(N - 1)) for batches drawn without replacement from N = " +
           with_commas(N) + " examples.";
    }
    if (spec_.batch_sizes.back() >= N)
      t += " Batch " + std::to_string(N) + " is the whole training set (full batch): no noise at all.";
    std::vector<double> d;
    for (double x : dr)
      if (std::isfinite(x)) d.push_back(x);
    if (!d.empty()) {
      const std::string a = fixed(*std::min_element(d.begin(), d.end()), 2),
                        b = fixed(*std::max_element(d.begin(), d.end()), 2);
      t += " Dropout's noise (p = " + fixed(spec_.dropout_p, 2) + ", relative std of a unit) stays at " +
           (a == b ? a : a + "-" + b) + " at every batch size (theory " +
           fixed(std::sqrt(spec_.dropout_p / (1.0 - spec_.dropout_p)), 2) + ").";
    }
    return t;
  }

  NoiseSpec spec_;
  json spec_json_;
  Dataset train_;
  std::unique_ptr<Trainer<Real>> trainer_;  // only while training before the freeze
  std::unique_ptr<Mlp<Real>> net_;          // the frozen net
  std::unique_ptr<Rng> order_rng_, dropout_rng_;
  std::vector<SeedResult> runs_;
  std::string frozen_description_;
  Mat<Real> full_x_, batch_x_;
  std::vector<int> perm_, batch_idx_, batch_y_;
  std::vector<double> act_sigma_;
  BatchTrace probed_trace_, deeper_trace_;
  double ex_sum_ = 0, ex_count_ = 0;
  double drop_sum_ = 0, drop_sum2_ = 0, drop_count_ = 0, drop_ex_sum_ = 0, drop_ex_count_ = 0;
  std::size_t cursor_ = 0, size_index_ = 0;
  int drawn_ = 0;
  int seed_index_ = 0;
  long units_per_seed_ = 0, units_this_seed_ = 0;
};

}  // namespace

Chapter noise_chapter() {
  return make_chapter<NoiseSpec, NoiseExperiment>("noise", "BN's noise: mini-batch statistics", parse_noise_spec,
                                                  static_cast<json (*)(const NoiseSpec&)>(to_json));
}

}  // namespace bnlab
