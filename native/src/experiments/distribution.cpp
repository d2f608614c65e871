#include "bnlab/experiments/distribution.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {

constexpr int kWindows = 20;

// Moments of two rows of a features x B matrix over the batch (divisor B, as BN uses).
struct Moments {
  double mean0 = 0, mean1 = 0, var0 = 0, var1 = 0, cov01 = 0;
};

Moments moments(const Mat<Real>& z, int u0, int u1) {
  Moments m;
  const Eigen::Index B = z.cols();
  for (Eigen::Index j = 0; j < B; ++j) {
    m.mean0 += static_cast<double>(z(u0, j));
    m.mean1 += static_cast<double>(z(u1, j));
  }
  m.mean0 /= static_cast<double>(B);
  m.mean1 /= static_cast<double>(B);
  for (Eigen::Index j = 0; j < B; ++j) {
    const double a = static_cast<double>(z(u0, j)) - m.mean0, b = static_cast<double>(z(u1, j)) - m.mean1;
    m.var0 += a * a;
    m.var1 += b * b;
    m.cov01 += a * b;
  }
  m.var0 /= static_cast<double>(B);
  m.var1 /= static_cast<double>(B);
  m.cov01 /= static_cast<double>(B);
  return m;
}

struct Trail {
  std::vector<double> step, mean0, mean1, var0, var1, cov01;
  void push(double s, const Moments& m) {
    step.push_back(s);
    mean0.push_back(m.mean0);
    mean1.push_back(m.mean1);
    var0.push_back(m.var0);
    var1.push_back(m.var1);
    cov01.push_back(m.cov01);
  }
  json to_json() const {
    return {{"step", series(step)},   {"mean0", series(mean0)}, {"mean1", series(mean1)},
            {"var0", series(var0)},   {"var1", series(var1)},   {"cov01", series(cov01)}};
  }
};

struct Drift {
  double mean = 0.0, mean_in_sd = 0.0, std = 0.0;
  json to_json() const { return {{"mean", mean}, {"mean_in_sd", mean_in_sd}, {"std", std}}; }
};

int window_length(std::size_t n) { return std::max(1, static_cast<int>(n) / kWindows); }

// Drift of a cloud over windows of W consecutive records (see the header).
Drift drift_of(const Trail& t) {
  Drift d;
  const std::size_t n = t.step.size();
  if (n == 0) return d;
  const std::size_t W = static_cast<std::size_t>(window_length(n));
  struct Win {
    double m0 = 0, m1 = 0, s0 = 0, s1 = 0;
  };
  std::vector<Win> wins;
  for (std::size_t b = 0; b + W <= n; b += W) {
    Win w;
    for (std::size_t i = b; i < b + W; ++i) {
      w.m0 += t.mean0[i];
      w.m1 += t.mean1[i];
      w.s0 += std::sqrt(t.var0[i]);
      w.s1 += std::sqrt(t.var1[i]);
    }
    w.m0 /= static_cast<double>(W);
    w.m1 /= static_cast<double>(W);
    w.s0 /= static_cast<double>(W);
    w.s1 /= static_cast<double>(W);
    wins.push_back(w);
  }
  const Win& w0 = wins.front();
  double spread2 = 0.0;  // time-averaged squared spread, sqrt((s0^2 + s1^2) / 2) per window
  for (const Win& w : wins) {
    d.mean = std::max(d.mean, std::sqrt((w.m0 - w0.m0) * (w.m0 - w0.m0) + (w.m1 - w0.m1) * (w.m1 - w0.m1)));
    const double r0 = w0.s0 > 0 ? std::abs(w.s0 / w0.s0 - 1.0) : 0.0;
    const double r1 = w0.s1 > 0 ? std::abs(w.s1 / w0.s1 - 1.0) : 0.0;
    d.std = std::max(d.std, (r0 + r1) / 2.0);
    spread2 += (w.s0 * w.s0 + w.s1 * w.s1) / 2.0;
  }
  const double spread = std::sqrt(spread2 / static_cast<double>(wins.size()));
  d.mean_in_sd = spread > 0 ? d.mean / spread : 0.0;
  return d;
}


struct NetRecord {
  std::array<Trail, 2> trail;  // [0] z (before BN), [1] z~ (after BN; BN net only)
  PercentileBands bands;
  std::vector<double> loss_step, loss;
  std::array<double, 2> gamma_used{1.0, 1.0}, beta_used{0.0, 0.0};  // values this step's forward used
};

struct FramePoints {
  bool present = false;
  std::array<std::vector<double>, 2> z, zt;
};

json rows_json(const std::array<std::vector<double>, 2>& r) { return json::array({series(r[0]), series(r[1])}); }

// The takeaway's sentence on the band drift's mean over the seeds finished (more than one).
std::string mean_over_seeds(const json& seed_runs) {
  double plain = 0.0, bn = 0.0;
  for (const json& r : seed_runs) {
    plain += r["plain_band_drift_all"].get<double>();
    bn += r["bn_band_drift_all"].get<double>();
  }
  const double n = static_cast<double>(seed_runs.size());
  return " Mean over " + std::to_string(seed_runs.size()) + " seeds: " + fixed(plain / n, 2) + " vs " + fixed(bn / n, 2) + ".";
}

class DistributionExperiment : public LockStepExperiment {
 public:
  explicit DistributionExperiment(const DistributionSpec& s)
      : LockStepExperiment(s.seeds, s.steps), spec_(s), spec_json_(to_json(s)) {
    probe_layer_ = spec_.probe_layer == 0 ? static_cast<int>(spec_.model.hidden.size()) : spec_.probe_layer;
    start_seed();
  }

  json result() const override {
    json r = result_envelope("distribution", spec_json_, progress(), done());
    const std::array<NetRecord, 2>& shown = rec_.shown().nets;
    const Params& params = rec_.shown().params;
    const std::vector<double>& loss_step = rec_.shown().loss_step;
    const NetRecord& p = shown[kPlain];
    const NetRecord& b = shown[kBn];
    r["layer"] = spec_.layer;
    r["units"] = spec_.units;
    r["probe_layer"] = probe_layer_;
    r["probe_unit"] = spec_.probe_unit;
    r["window"] = window_length(b.trail[0].step.size());
    r["trails"] = {{"plain_z", p.trail[0].to_json()}, {"bn_z", b.trail[0].to_json()}, {"bn_z_tilde", b.trail[1].to_json()}};
    r["bn_params"] = {{"step", series(params.step)},     {"gamma0", series(params.gamma0)},
                      {"gamma1", series(params.gamma1)}, {"beta0", series(params.beta0)},
                      {"beta1", series(params.beta1)}};
    r["batch_loss"] = {{"step", series(loss_step)}, {"plain", series(p.loss)}, {"bn", series(b.loss)}};
    r["frames"] = frames_;
    r["percentiles"] = {{"plain", p.bands.to_json()}, {"bn", b.bands.to_json()}};
    const Summary s = summarize(shown);
    r["drift"] = {{"plain_z", s.plain_z.to_json()}, {"bn_z", s.bn_z.to_json()}, {"bn_z_tilde", s.bn_zt.to_json()}};
    r["band_drift"] = {{"plain", s.band[kPlain]}, {"bn", s.band[kBn]}};
    r["band_drift_all_units"] = {{"plain", s.band_all[kPlain]}, {"bn", s.band_all[kBn]}};
    auto opt_acc = [](double a) { return a >= 0 ? json(a) : json(nullptr); };
    const std::array<double, 2>& acc = rec_.shown().test_accuracy;
    r["test_accuracy"] = {{"plain", opt_acc(acc[kPlain])}, {"bn", opt_acc(acc[kBn])}};
    auto opt = [](long v) { return v > 0 ? json(v) : json(nullptr); };
    const std::array<long, 2> div{first_diverged_at(kPlain), first_diverged_at(kBn)};
    r["diverged_at"] = {{"plain", opt(div[kPlain])}, {"bn", opt(div[kBn])}};
    r["takeaway"] = takeaway(s, b, div);
    if (seeds_.count() > 1) r["seed_runs"] = seed_runs_;
    return r;
  }

 private:
  struct Params {
    std::vector<double> step, gamma0, gamma1, beta0, beta1;
  };
  // What one seed records; the first seed's are the ones shown.
  struct SeedRecords {
    std::array<NetRecord, 2> nets;
    Params params;
    std::vector<double> loss_step;
    std::array<double, 2> test_accuracy{-1.0, -1.0};  // at the end of the seed (running averages)
  };
  SeedRecords& cur() { return rec_.at(seeds_); }

  struct Summary {
    Drift plain_z, bn_z, bn_zt;
    std::array<double, 2> band{0, 0}, band_all{0, 0};
  };

  Summary summarize(const std::array<NetRecord, 2>& rec) const {
    Summary s;
    s.plain_z = drift_of(rec[kPlain].trail[0]);
    s.bn_z = drift_of(rec[kBn].trail[0]);
    s.bn_zt = drift_of(rec[kBn].trail[1]);
    for (int k = 0; k < 2; ++k) {
      s.band[static_cast<std::size_t>(k)] = rec[static_cast<std::size_t>(k)].bands.unit_drift(static_cast<std::size_t>(spec_.probe_unit));
      s.band_all[static_cast<std::size_t>(k)] = rec[static_cast<std::size_t>(k)].bands.all_units_drift();
    }
    return s;
  }

  void start_seed() override {
    const std::uint64_t seed = seeds_.seed();
    train_ = make_train_set(spec_.data, seed);
    test_ = make_test_set(spec_.data, seed);
    probe_x_ = first_examples(test_, spec_.probe_size);
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seed);
    cur() = SeedRecords{};
    for (int k = 0; k < 2; ++k) {
      nets_[static_cast<std::size_t>(k)]->observer = [this, k](const StepReport& r, const Mlp<Real>& model) {
        observe(k, r, model);
      };
      pending_[static_cast<std::size_t>(k)] = FramePoints{};
    }
    remember_bn_params();
    step_ = 0;
    probe();
  }

  // gamma/beta of the chosen units now: the values the next forward pass will use.
  void remember_bn_params() {
    const BatchNorm1d<Real>* bn = nets_[kBn]->model().batch_norm(spec_.layer - 1);
    NetRecord& r = cur().nets[kBn];
    for (int i = 0; i < 2; ++i) {
      r.gamma_used[static_cast<std::size_t>(i)] = bn->gamma(spec_.units[static_cast<std::size_t>(i)], 0);
      r.beta_used[static_cast<std::size_t>(i)] = bn->beta(spec_.units[static_cast<std::size_t>(i)], 0);
    }
  }

  bool trail_step(long s) const { return s % spec_.trail_every == 0 || s == spec_.steps; }
  bool frame_step(long s) const {
    return s == 1 || (spec_.frame_every > 0 && s % spec_.frame_every == 0) || s == spec_.steps;
  }

  // The observer: this step's cached activations, before anything else runs a forward pass.
  void observe(int k, const StepReport& r, const Mlp<Real>& model) {
    if (r.diverged) return;  // the records end where a net blew up
    NetRecord& rec = cur().nets[static_cast<std::size_t>(k)];
    const int l = spec_.layer - 1, u0 = spec_.units[0], u1 = spec_.units[1];
    const Mat<Real>& z = model.pre_activation(l);
    const Mat<Real>& zt = model.normalized(l);
    if (trail_step(r.step)) {
      rec.trail[0].push(static_cast<double>(r.step), moments(z, u0, u1));
      if (k == static_cast<int>(kBn)) rec.trail[1].push(static_cast<double>(r.step), moments(zt, u0, u1));
      rec.loss.push_back(r.loss);
    }
    if (seeds_.first() && frame_step(r.step)) {
      FramePoints& f = pending_[static_cast<std::size_t>(k)];
      f.present = true;
      for (int i = 0; i < 2; ++i) {
        const int u = spec_.units[static_cast<std::size_t>(i)];
        f.z[static_cast<std::size_t>(i)].assign(z.cols(), 0.0);
        f.zt[static_cast<std::size_t>(i)].assign(z.cols(), 0.0);
        for (Eigen::Index j = 0; j < z.cols(); ++j) {
          f.z[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = z(u, j);
          f.zt[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = zt(u, j);
        }
      }
    }
  }

  long lock_step() override {
    ++step_;
    const std::array<double, 2> g = cur().nets[kBn].gamma_used, b = cur().nets[kBn].beta_used;
    for (auto& t : nets_)
      if (!t->diverged()) t->step();
    if (trail_step(step_)) {
      Params& params = cur().params;
      cur().loss_step.push_back(static_cast<double>(step_));
      params.step.push_back(static_cast<double>(step_));
      params.gamma0.push_back(g[0]);
      params.gamma1.push_back(g[1]);
      params.beta0.push_back(b[0]);
      params.beta1.push_back(b[1]);
    }
    if (!nets_[kBn]->diverged()) remember_bn_params();
    if (seeds_.first() && frame_step(step_)) add_frame();
    if (step_ % spec_.probe_every == 0 || step_ == spec_.steps) probe();
    return 1;
  }

  void add_frame() {
    json f = {{"step", step_}};
    std::vector<int> labels;
    for (int i : nets_[0]->batch_indices()) labels.push_back(train_.y[static_cast<std::size_t>(i)]);
    f["label"] = labels;
    const FramePoints& p = pending_[kPlain];
    const FramePoints& b = pending_[kBn];
    f["plain_z"] = p.present ? rows_json(p.z) : json(nullptr);
    f["bn_z"] = b.present ? rows_json(b.z) : json(nullptr);
    f["bn_z_tilde"] = b.present ? rows_json(b.zt) : json(nullptr);
    pending_[kPlain] = FramePoints{};
    pending_[kBn] = FramePoints{};
    frames_.push_back(std::move(f));
  }

  // Percentiles of the probe layer's input to the nonlinearity over the fixed probe set.
  void probe() {
    probe_pair(nets_, probe_x_, probe_stats_of(spec_.probe_stats), probe_layer_ - 1, spec_.probe_unit, step_,
               {&cur().nets[kPlain].bands, &cur().nets[kBn].bands});
  }

  void finish_seed() override {
    std::array<double, 2>& acc = cur().test_accuracy;
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      if (!t.diverged()) acc[static_cast<std::size_t>(k)] = t.evaluate(test_, BnStats::Running).accuracy;
    }
    const Summary s = summarize(cur().nets);
    seed_runs_.push_back({{"seed", seeds_.seed()},
                          {"plain_mean_drift_sd", s.plain_z.mean_in_sd},
                          {"bn_z_mean_drift_sd", s.bn_z.mean_in_sd},
                          {"bn_z_tilde_mean_drift", s.bn_zt.mean},
                          {"bn_z_tilde_mean_drift_sd", s.bn_zt.mean_in_sd},
                          {"plain_band_drift", s.band[kPlain]},
                          {"bn_band_drift", s.band[kBn]},
                          {"plain_band_drift_all", s.band_all[kPlain]},
                          {"bn_band_drift_all", s.band_all[kBn]}});
  }

  std::string takeaway(const Summary& s, const NetRecord& bn, const std::array<long, 2>& div) const {
    const long steps = bn.trail[0].step.empty() ? 0 : static_cast<long>(bn.trail[0].step.back());
    const std::string units = "z[" + std::to_string(spec_.layer) + "] (units " + std::to_string(spec_.units[0]) + ", " +
                              std::to_string(spec_.units[1]) + ")";
    std::string t = "Over " + with_commas(steps) + " steps the batch mean of " + units + " drifted " +
                    fixed(s.plain_z.mean_in_sd, 2) + " std without BN and " + fixed(s.bn_z.mean_in_sd, 2) +
                    " in the BN net before BN; after BN it sat at beta, which moved " + fixed(s.bn_zt.mean, 3) +
                    " (" + fixed(s.bn_zt.mean_in_sd, 2) + " std).";
    t += " Percentile bands (15/50/85th) of layer " + std::to_string(probe_layer_) + " drifted " +
         fixed(s.band_all[kPlain], 2) + " band widths without BN vs " + fixed(s.band_all[kBn], 2) +
         " with BN (mean over its units).";
    if (seed_runs_.size() > 1) t += mean_over_seeds(seed_runs_);
    if (div[kPlain] > 0) t += " The plain net diverged at step " + with_commas(div[kPlain]) + ".";
    if (div[kBn] > 0) t += " The BN net diverged at step " + with_commas(div[kBn]) + ".";
    return t;
  }

  DistributionSpec spec_;
  json spec_json_;
  int probe_layer_ = 1;
  Dataset train_, test_;
  Mat<Real> probe_x_;
  FirstSeed<SeedRecords> rec_;
  std::array<FramePoints, 2> pending_;
  json frames_ = json::array();
  json seed_runs_ = json::array();
};

// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's (trails, frames, percentiles, takeaway) plus one seed_runs entry per seed, made of
// numbers each seed's own result shows (its drift and band drift).
SeedCells distribution_seed_cells(const DistributionSpec& s) {
  SeedCells c = seed_cells_for(s);
  c.seed_run = [](const json& cell, const std::string& where) {
    auto number = [&](std::initializer_list<const char*> path) {
      const json& v = field_at(cell, path, where);
      if (!(v.is_null() || v.is_number())) throw Error(where + ": " + *(path.end() - 1) + ": must be a number or null");
      return v;
    };
    return json{{"plain_mean_drift_sd", number({"drift", "plain_z", "mean_in_sd"})},
                {"bn_z_mean_drift_sd", number({"drift", "bn_z", "mean_in_sd"})},
                {"bn_z_tilde_mean_drift", number({"drift", "bn_z_tilde", "mean"})},
                {"bn_z_tilde_mean_drift_sd", number({"drift", "bn_z_tilde", "mean_in_sd"})},
                {"plain_band_drift", number({"band_drift", "plain"})},
                {"bn_band_drift", number({"band_drift", "bn"})},
                {"plain_band_drift_all", number({"band_drift_all_units", "plain"})},
                {"bn_band_drift_all", number({"band_drift_all_units", "bn"})}};
  };
  c.empty_start = [s] { return DistributionExperiment(s).result(); };
  // The first seed's takeaway gains the run's sentence on the mean over seeds, before the
  // sentences on divergence (the order takeaway() writes them in).
  c.finish = [](json& r, const json& seed_runs) {
    if (seed_runs.size() < 2) return;
    for (const json& run : seed_runs)
      if (!run["plain_band_drift_all"].is_number() || !run["bn_band_drift_all"].is_number()) return;
    if (!r.contains("takeaway") || !r["takeaway"].is_string()) throw Error("merge: cell_results[0].takeaway: missing");
    std::string t = r["takeaway"].get<std::string>();
    std::size_t at = t.size();
    for (const char* d : {" The plain net diverged at step ", " The BN net diverged at step "}) at = std::min(at, t.find(d));
    r["takeaway"] = t.insert(at, mean_over_seeds(seed_runs));
  };
  return c;
}

}  // namespace

Chapter distribution_chapter() {
  Chapter c = make_chapter<DistributionSpec, DistributionExperiment>(
      "distribution", "Later layers see a steadier distribution", parse_distribution_spec);
  split_seeds_at_research_scale<DistributionSpec, DistributionExperiment>(c, parse_distribution_spec, distribution_seed_cells);
  return c;
}

}  // namespace bnlab
