#include "bnlab/experiments/regularization.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "bnlab/error.h"
#include "bnlab/loss.h"
#include "bnlab/stats.h"

namespace bnlab {

namespace {

bool uses_bn(const std::string& c) { return regularization_uses_bn(c); }

std::string label_of(const std::string& c) {
  if (c == "none") return "no regularization";
  if (c == "bn") return "BN";
  if (c == "dropout") return "dropout";
  return "BN + dropout";
}

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// The "flipped copy" of the test set: exactly round(f n) labels flipped to another class, chosen
// like the training flips (a permutation's first entries) from a stream of its own.
Dataset flipped_copy(const Dataset& clean, double fraction, std::uint64_t seed) {
  Dataset d = clean;
  if (fraction <= 0.0) return d;
  Rng rng = Rng::stream(seed, Stream::Probe, 0x7e57);
  flip_labels(d, fraction, rng);
  return d;
}

// One trained net's final numbers; `present` once the run is done.
struct RunResult {
  bool present = false;
  double train_loss = 0, test_loss = 0, test_clean_loss = 0;
  double train_accuracy = 0, test_accuracy = 0, test_clean_accuracy = 0;
  double memorized = kNan;  // share of the flipped training examples predicted with the flipped label
  bool diverged = false;
  double gap() const { return test_loss - train_loss; }
};

struct Curve {
  std::vector<double> epoch, train_loss, test_loss, test_clean_loss;
};

// In ghost mode a net without BN does not see the ghost size: its first run stands for all.
bool repeated(const RegularizationSpec& s, std::size_t c, std::size_t b) {
  return s.mode == "ghost" && !uses_bn(s.configs[c]) && b > 0;
}

// Examples processed by one run (the progress measure): steps x examples per step.
double run_work(const RegularizationSpec& s, std::size_t c, std::size_t b) {
  if (repeated(s, c, b)) return 0.0;
  const int N = s.data.n_train, sgd = s.sgd_batch_for(s.batch_sizes[b]);
  const double per_step = (s.mode == "population" && uses_bn(s.configs[c])) ? N : sgd;
  return static_cast<double>(s.epochs) * (N / sgd) * per_step;
}

// The square the decision regions cover: the training set's bounding box, made square, plus 5%.
std::pair<double, double> region_square(const Dataset& train) {
  const double lo = train.x.minCoeff(), hi = train.x.maxCoeff(), pad = 0.05 * (hi - lo);
  return {lo - pad, hi + pad};
}

json train_points_json(const Dataset& train) {
  json p = points_json(train, train.size());
  std::vector<int> flipped(static_cast<std::size_t>(train.size()), 0);
  for (int i : train.flipped) flipped[static_cast<std::size_t>(i)] = 1;
  p["flipped"] = flipped;
  return p;
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

// Everything a result is written from. The sweep fills it run by run; merge fills it from cells.
struct SweepState {
  std::vector<std::vector<std::vector<RunResult>>> runs;  // [config][batch size][seed]
  std::vector<std::vector<Curve>> curves;                 // [config][batch size], first seed
  std::vector<std::vector<json>> regions;                 // [config][batch size], first seed (grid > 0)
  json train_points;                                      // first seed (grid > 0)

  explicit SweepState(const RegularizationSpec& s) {
    const std::size_t C = s.configs.size(), Bn = s.batch_sizes.size();
    runs.assign(C, std::vector<std::vector<RunResult>>(Bn, std::vector<RunResult>(static_cast<std::size_t>(s.seeds.seeds))));
    curves.assign(C, std::vector<Curve>(Bn));
    regions.assign(C, std::vector<json>(Bn, json(nullptr)));
  }
};

// Where a (partial) result stands: in the sweep, its own counters; in merge, the cells done.
struct Standing {
  double progress = 0.0;
  bool complete = false;
  int seeds_done = 0;
  long runs_done = 0;
  json current;  // {seed, config, batch_size, epoch} or null
};

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

double mean_gap(const SweepState& st, std::size_t c, std::size_t b) {
  std::vector<double> v;
  for (const RunResult& rr : st.runs[c][b])
    if (rr.present) v.push_back(rr.gap());
  return v.empty() ? std::nan("") : stats::mean(v);
}

std::string takeaway(const RegularizationSpec& spec, const SweepState& st, const Standing& at) {
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
  if (spec.batch_sizes.back() >= spec.data.n_train && spec.mode != "population")
    t += " Batch " + hi + " is all " + std::to_string(spec.data.n_train) +
         " training examples: full-batch BN, no noise in its statistics.";
  const int seeds = at.seeds_done < spec.seeds.seeds ? at.seeds_done : spec.seeds.seeds;
  if (!at.complete) t += " (" + std::to_string(seeds) + " of " + std::to_string(spec.seeds.seeds) + " seeds done so far.)";
  else if (spec.seeds.seeds > 1) t += " Mean over " + std::to_string(seeds) + " paired seeds; +- is the 95% interval of the rise from batch " + lo + " to " + hi + ".";
  return t;
}

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
      ghost.push_back(uses_bn(name) && B < spec.sgd_batch_for(B) ? B : 0);
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
  r["takeaway"] = takeaway(spec, st, at);
  return r;
}

class RegularizationExperiment : public Experiment {
 public:
  explicit RegularizationExperiment(const RegularizationSpec& s) : spec_(s), spec_json_(to_json(s)), state_(s) {
    const std::size_t C = spec_.configs.size(), Bn = spec_.batch_sizes.size();
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t b = 0; b < Bn; ++b) work_per_seed_ += run_work(spec_, c, b);
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) {
      if (!trainer_) {
        start_run();
        continue;  // a repeated run (ghost mode, no BN) costs one unit of bookkeeping
      }
      const StepReport rep = trainer_->step();
      work_done_seed_ += step_work_;
      const int spe = trainer_->steps_per_epoch();
      if (trainer_->steps() % spe == 0 && spec_.eval_every > 0 && seed_index_ == 0) {
        const long epoch = trainer_->steps() / spe;
        if (epoch % spec_.eval_every == 0 && epoch < spec_.epochs) record_curve(epoch);
      }
      if (trainer_->steps() >= total_steps_ || rep.diverged) finish_run();
    }
  }

  bool done() const override { return seed_index_ >= spec_.seeds.seeds; }

  double progress() const override {
    if (done()) return 1.0;
    return (seed_index_ * work_per_seed_ + work_done_seed_) / (spec_.seeds.seeds * work_per_seed_);
  }

  json result() const override {
    Standing at;
    at.progress = progress();
    at.complete = done();
    at.seeds_done = seed_index_;
    at.runs_done = runs_done_;
    if (!done()) {
      const long spe = trainer_ ? trainer_->steps_per_epoch() : 1;
      at.current = {{"seed", spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_)},
                    {"config", spec_.configs[config_index_]},
                    {"batch_size", spec_.batch_sizes[size_index_]},
                    {"epoch", trainer_ ? trainer_->steps() / spe : 0}};
    }
    return write_result(spec_, spec_json_, state_, at);
  }

 private:
  void start_seed() {
    const std::uint64_t seed = spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_);
    train_ = make_train_set(spec_.data, seed);
    test_clean_ = make_test_set(spec_.data, seed);
    test_ = flipped_copy(test_clean_, spec_.data.label_flip, seed);
    if (seed_index_ == 0 && spec_.grid > 0) state_.train_points = train_points_json(train_);
    config_index_ = size_index_ = 0;
    work_done_seed_ = 0.0;
  }

  void start_run() {
    const std::size_t c = config_index_, b = size_index_;
    const std::size_t si = static_cast<std::size_t>(seed_index_);
    if (repeated(spec_, c, b)) {
      state_.runs[c][b][si] = state_.runs[c][0][si];
      if (seed_index_ == 0) {
        state_.curves[c][b] = state_.curves[c][0];
        state_.regions[c][b] = state_.regions[c][0];
      }
      next_run();
      return;
    }
    const std::uint64_t seed = spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_);
    const int B = spec_.batch_sizes[b];
    MlpConfig m = spec_.model_for(spec_.configs[c]);
    const int sgd = spec_.sgd_batch_for(B);
    if (m.batch_norm && spec_.mode == "ghost" && B < sgd) m.ghost_batch = B;
    TrainConfig t = spec_.train;
    t.batch_size = sgd;
    t.optimizer.lr = spec_.lr_for(B);
    t.bn_full_set = spec_.mode == "population";
    trainer_ = std::make_unique<Trainer<Real>>(m, t, train_, seed);
    total_steps_ = static_cast<long>(spec_.epochs) * trainer_->steps_per_epoch();
    step_work_ = (t.bn_full_set && m.batch_norm) ? spec_.data.n_train : sgd;
    if (seed_index_ == 0 && spec_.eval_every > 0) record_curve(0);
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
    if (seed_index_ == 0 && spec_.eval_every > 0) {
      Curve& k = state_.curves[config_index_][size_index_];
      k.epoch.push_back(static_cast<double>(trainer_->steps() / trainer_->steps_per_epoch()));
      k.train_loss.push_back(tr.loss);
      k.test_loss.push_back(te.loss);
      k.test_clean_loss.push_back(tc.loss);
    }
    if (seed_index_ == 0 && spec_.grid > 0) {
      const auto [lo, hi] = region_square(train_);
      state_.regions[config_index_][size_index_] = decision_grid(trainer_->model(), BnStats::Running, spec_.grid, lo, hi);
    }
    // A diverged run stops early: count the work it will not do.
    work_done_seed_ += static_cast<double>(total_steps_ - trainer_->steps()) * step_work_;
    state_.runs[config_index_][size_index_][static_cast<std::size_t>(seed_index_)] = rr;
    trainer_.reset();
    next_run();
  }

  void next_run() {
    ++runs_done_;
    if (++size_index_ < spec_.batch_sizes.size()) return;
    size_index_ = 0;
    if (++config_index_ < spec_.configs.size()) return;
    ++seed_index_;
    if (!done()) start_seed();
  }

  RegularizationSpec spec_;
  json spec_json_;
  SweepState state_;
  Dataset train_, test_, test_clean_;
  std::unique_ptr<Trainer<Real>> trainer_;
  std::size_t config_index_ = 0, size_index_ = 0;
  int seed_index_ = 0;
  long runs_done_ = 0, total_steps_ = 0;
  double step_work_ = 0.0, work_per_seed_ = 0.0, work_done_seed_ = 0.0;
};

// The cell of (seed index i, config c, batch size b).
RegularizationSpec cell_spec(const RegularizationSpec& s, int i, std::size_t c, std::size_t b) {
  RegularizationSpec k = s;
  k.seeds.seed = s.seeds.seed + static_cast<std::uint64_t>(i);
  k.seeds.seeds = 1;
  k.configs = {s.configs[c]};
  k.batch_sizes = {s.batch_sizes[b]};
  if (i > 0) {
    k.eval_every = 0;
    k.grid = 0;
  }
  return k;
}

double number_at(const json& j, const std::string& where) {
  if (j.is_null()) return kNan;
  if (!j.is_number()) throw Error(where + ": must be a number");
  return j.get<double>();
}

std::vector<double> numbers_at(const json& j, const std::string& where) {
  if (!j.is_array()) throw Error(where + ": must be an array");
  std::vector<double> v;
  for (std::size_t k = 0; k < j.size(); ++k) v.push_back(number_at(j[k], where + "[" + std::to_string(k) + "]"));
  return v;
}

// The one value of a cell's Metric (its single batch size and seed).
double cell_value(const json& config, const char* metric, const std::string& where) {
  const std::string w = where + "." + metric;
  if (!config.contains(metric) || !config[metric].is_object() || !config[metric].contains("values"))
    throw Error(w + ": missing");
  const json& v = config[metric]["values"];
  if (!v.is_array() || v.size() != 1 || !v[0].is_array() || v[0].size() != 1) throw Error(w + ": must hold one value");
  return number_at(v[0][0], w);
}

}  // namespace

json regularization_cells(const RegularizationSpec& s) {
  json list = json::array();
  for (int i = 0; i < s.seeds.seeds; ++i)
    for (std::size_t c = 0; c < s.configs.size(); ++c)
      for (std::size_t b = 0; b < s.batch_sizes.size(); ++b) list.push_back(to_json(cell_spec(s, i, c, b)));
  return list;
}

json regularization_merge(const RegularizationSpec& s, const json& cells) {
  const std::size_t C = s.configs.size(), Bn = s.batch_sizes.size(), S = static_cast<std::size_t>(s.seeds.seeds);
  const std::size_t total = S * C * Bn;
  if (!cells.is_array() || cells.size() != total)
    throw Error("merge: cell_results must be an array of " + std::to_string(total) +
                " entries (one per cell of cells(spec), null = not done)");
  SweepState st(s);
  Standing at;
  double work_total = 0.0, work_done = 0.0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < S; ++i) {
    bool seed_complete = true;
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t b = 0; b < Bn; ++b, ++k) {
        const double w = run_work(s, c, b);
        work_total += w;
        const json& cell = cells[k];
        if (cell.is_null()) {
          seed_complete = false;
          continue;
        }
        const std::string where = "merge: cell_results[" + std::to_string(k) + "]";
        const RegularizationSpec expected = cell_spec(s, static_cast<int>(i), c, b);
        if (!cell.is_object() || !cell.contains("spec") || cell["spec"] != to_json(expected))
          throw Error(where + ": not the result of cell " + std::to_string(k) + " of this spec");
        if (!cell.contains("complete") || cell["complete"] != true)
          throw Error(where + ": not complete (pass null for a cell that is not done)");
        const std::string& name = s.configs[c];
        if (!cell.contains("configs") || !cell["configs"].is_object() || !cell["configs"].contains(name))
          throw Error(where + ".configs." + name + ": missing");
        const json& e = cell["configs"][name];
        const std::string ew = where + ".configs." + name;
        RunResult rr;
        rr.present = true;
        rr.train_loss = cell_value(e, "train_loss", ew);
        rr.test_loss = cell_value(e, "test_loss", ew);
        rr.test_clean_loss = cell_value(e, "test_clean_loss", ew);
        rr.train_accuracy = cell_value(e, "train_accuracy", ew);
        rr.test_accuracy = cell_value(e, "test_accuracy", ew);
        rr.test_clean_accuracy = cell_value(e, "test_clean_accuracy", ew);
        rr.memorized = cell_value(e, "memorized", ew);
        if (!e.contains("diverged") || !e["diverged"].is_array() || e["diverged"].size() != 1 || !e["diverged"][0].is_number_integer())
          throw Error(ew + ".diverged: must hold one count");
        rr.diverged = e["diverged"][0].get<int>() > 0;
        st.runs[c][b][i] = rr;
        if (i == 0 && s.eval_every > 0) {
          const std::string cw = where + ".curves." + name;
          if (!cell.contains("curves") || !cell["curves"].contains(name) || !cell["curves"][name].is_array() ||
              cell["curves"][name].size() != 1)
            throw Error(cw + ": missing");
          const json& q = cell["curves"][name][0];
          Curve& curve = st.curves[c][b];
          for (const char* f : {"epoch", "train_loss", "test_loss", "test_clean_loss"})
            if (!q.contains(f)) throw Error(cw + "[0]." + f + ": missing");
          curve.epoch = numbers_at(q["epoch"], cw + "[0].epoch");
          curve.train_loss = numbers_at(q["train_loss"], cw + "[0].train_loss");
          curve.test_loss = numbers_at(q["test_loss"], cw + "[0].test_loss");
          curve.test_clean_loss = numbers_at(q["test_clean_loss"], cw + "[0].test_clean_loss");
        }
        if (i == 0 && s.grid > 0) {
          if (!cell.contains("regions") || !cell["regions"].contains(name) || !cell["regions"][name].is_array() ||
              cell["regions"][name].size() != 1)
            throw Error(where + ".regions." + name + ": missing");
          st.regions[c][b] = cell["regions"][name][0];
        }
        work_done += w;
        ++at.runs_done;
      }
    if (seed_complete && at.seeds_done == static_cast<int>(i)) ++at.seeds_done;
  }
  if (s.grid > 0) st.train_points = train_points_json(make_train_set(s.data, s.seeds.seed));
  at.complete = at.runs_done == static_cast<long>(total);
  at.progress = at.complete ? 1.0 : (work_total > 0.0 ? work_done / work_total : 0.0);
  at.current = nullptr;
  return write_result(s, to_json(s), st, at);
}

Chapter regularization_chapter() {
  Chapter c = make_chapter<RegularizationSpec, RegularizationExperiment>(
      "regularization", "BN regularizes, less with big batches", parse_regularization_spec,
      static_cast<json (*)(const RegularizationSpec&)>(to_json));
  c.cells = [](const json& j) { return regularization_cells(parse_regularization_spec(j)); };
  c.merge = [](const json& j, const json& cells) { return regularization_merge(parse_regularization_spec(j), cells); };
  return c;
}

}  // namespace bnlab
