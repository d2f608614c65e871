#include "bnlab/experiments/regularization.h"

#include <array>
#include <cmath>
#include <memory>

#include "bnlab/error.h"
#include "bnlab/stats.h"

namespace bnlab {

namespace {

bool uses_bn(const std::string& c) { return c == "bn" || c == "bn_dropout"; }
bool uses_dropout(const std::string& c) { return c == "dropout" || c == "bn_dropout"; }

std::string label_of(const std::string& c) {
  if (c == "none") return "no regularization";
  if (c == "bn") return "BN";
  if (c == "dropout") return "dropout";
  return "BN + dropout";
}

}  // namespace

MlpConfig RegularizationSpec::model_for(const std::string& config) const {
  MlpConfig m = model;
  m.batch_norm = uses_bn(config);
  m.dropout = uses_dropout(config) ? model.dropout : 0.0;
  m.ghost_batch = 0;
  return m;
}

double RegularizationSpec::lr_for(int batch_size) const {
  // Ghost mode trains every cell with the same SGD batch, so with the same lr.
  const int b = mode == "ghost" ? lr_batch : batch_size;
  return train.optimizer.lr * static_cast<double>(b) / static_cast<double>(lr_batch);
}

int RegularizationSpec::sgd_batch_for(int batch_size) const { return mode == "ghost" ? lr_batch : batch_size; }

RegularizationSpec parse_regularization_spec(const json& j) {
  RegularizationSpec s;
  SpecReader r(j, "spec");
  s.seeds = read_seed_fields(r, "regularization", s.seeds, 30);
  s.data = read_data(r.child("data"), s.data);
  s.model = read_model(r.child("model"), s.model, s.data, /*with_bn=*/false);
  if (j.is_object() && j.contains("train") && j["train"].is_object() && j["train"].contains("batch_size"))
    throw Error("spec.train.batch_size: not used by this chapter (spec.batch_sizes sets the batch sizes)");
  s.train = read_train(r.child("train"), s.train);
  s.lr_batch = r.integer("lr_batch", s.lr_batch, 2, 100000);
  s.epochs = r.integer("epochs", s.epochs, 1, 10000);
  s.configs = r.choices("configs", s.configs, {"none", "bn", "dropout", "bn_dropout"});
  s.batch_sizes = r.integers("batch_sizes", s.batch_sizes, 1, 8, 2, 100000);
  s.mode = r.choice("mode", s.mode, {"batch", "ghost", "population"});
  s.eval_every = r.integer("eval_every", s.eval_every, 0, 10000);
  r.finish();

  if (s.model.ghost_batch != 0)
    throw Error("spec.model.ghost_batch = " + std::to_string(s.model.ghost_batch) +
                ": must be 0 here (spec.mode = \"ghost\" sets the ghost groups)");
  bool any_dropout = false;
  for (const std::string& c : s.configs) any_dropout = any_dropout || uses_dropout(c);
  if (any_dropout && s.model.dropout <= 0.0)
    throw Error("spec.model.dropout = 0: must be in (0, 0.95] when configs include dropout or bn_dropout");
  const int N = s.data.n_train;
  for (std::size_t k = 0; k < s.batch_sizes.size(); ++k) {
    const int b = s.batch_sizes[k];
    const std::string f = "spec.batch_sizes[" + std::to_string(k) + "] = " + std::to_string(b);
    if (b > N) throw Error(f + ": must be <= data.n_train (" + std::to_string(N) + ")");
    if (k > 0 && b <= s.batch_sizes[k - 1]) throw Error(f + ": the list must be strictly increasing");
    if (s.mode == "ghost" && b > s.lr_batch)
      throw Error(f + ": must be <= spec.lr_batch (" + std::to_string(s.lr_batch) +
                  ", the SGD batch in ghost mode)");
  }
  if (s.mode == "ghost" && s.lr_batch > N)
    throw Error("spec.lr_batch = " + std::to_string(s.lr_batch) + ": must be <= data.n_train (" + std::to_string(N) +
                ") in ghost mode (it is the SGD batch)");
  double work = 0.0;
  for (const std::string& c : s.configs) {
    const MlpConfig m = s.model_for(c);
    m.validate();
    for (int b : s.batch_sizes) {
      TrainConfig t = s.train;
      t.batch_size = s.sgd_batch_for(b);
      t.optimizer.lr = s.lr_for(b);
      if (!(t.optimizer.lr <= 10.0))
        throw Error("spec.train.lr = " + fixed(s.train.optimizer.lr, 4) + ": gives lr " + fixed(t.optimizer.lr, 4) +
                    " at batch " + std::to_string(b) + ", must be <= 10");
      t.validate(N);
      const double steps = static_cast<double>(s.epochs) * (N / t.batch_size);
      const double per_step = (s.mode == "population" && m.batch_norm) ? N : t.batch_size;
      work += steps * per_step * train_cost(m) + 3.0 * (N + 2.0 * s.data.n_test) * eval_cost(m);
    }
  }
  check_work(s.seeds.seeds * work, "regularization: seeds x configs x batch sizes x epochs x N");
  return s;
}

json to_json(const RegularizationSpec& s) {
  json j;
  write_common_fields(j, "regularization", s.seeds, s.data, s.model, false, s.train);
  j["train"].erase("batch_size");  // the sweep sets it
  j["lr_batch"] = s.lr_batch;
  j["epochs"] = s.epochs;
  j["configs"] = s.configs;
  j["batch_sizes"] = s.batch_sizes;
  j["mode"] = s.mode;
  j["eval_every"] = s.eval_every;
  return j;
}

namespace {

// The "flipped copy" of the test set: exactly round(f n) labels flipped to another class, chosen
// like the training flips (a permutation's first entries) from a stream of its own.
Dataset flipped_copy(const Dataset& clean, double fraction, std::uint64_t seed) {
  Dataset d = clean;
  if (fraction <= 0.0) return d;
  Rng rng = Rng::stream(seed, Stream::Probe, 0x7e57);
  flip_labels(d, fraction, rng);
  return d;
}

// One trained net's final numbers.
struct RunResult {
  double train_loss = 0, test_loss = 0, test_clean_loss = 0;
  double train_accuracy = 0, test_accuracy = 0, test_clean_accuracy = 0;
  bool diverged = false;
  double gap() const { return test_loss - train_loss; }
};

struct Curve {
  std::vector<double> epoch, train_loss, test_loss, test_clean_loss;
};

class RegularizationExperiment : public Experiment {
 public:
  explicit RegularizationExperiment(const RegularizationSpec& s) : spec_(s), spec_json_(to_json(s)) {
    const std::size_t C = spec_.configs.size(), Bn = spec_.batch_sizes.size();
    results_.assign(C, std::vector<std::vector<RunResult>>(Bn));
    curves_.assign(C, std::vector<Curve>(Bn));
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t b = 0; b < Bn; ++b) work_per_seed_ += run_work(c, b);
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
    json r = result_envelope("regularization", spec_json_, progress(), done());
    const std::size_t C = spec_.configs.size(), Bn = spec_.batch_sizes.size();
    r["mode"] = spec_.mode;
    r["batch_size"] = spec_.batch_sizes;
    r["seeds_done"] = seed_index_;
    r["runs_done"] = runs_done_;
    r["runs_total"] = static_cast<long>(spec_.seeds.seeds) * static_cast<long>(C * Bn);
    if (done()) {
      r["current"] = nullptr;
    } else {
      const long spe = trainer_ ? trainer_->steps_per_epoch() : 1;
      r["current"] = {{"seed", spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_)},
                      {"config", spec_.configs[config_index_]},
                      {"batch_size", spec_.batch_sizes[size_index_]},
                      {"epoch", trainer_ ? trainer_->steps() / spe : 0}};
    }
    json configs = json::object();
    for (std::size_t c = 0; c < C; ++c) {
      const std::string& name = spec_.configs[c];
      json e;
      e["label"] = label_of(name);
      std::vector<double> lr, ghost;
      std::vector<int> diverged(Bn, 0);
      for (std::size_t b = 0; b < Bn; ++b) {
        const int B = spec_.batch_sizes[b];
        lr.push_back(spec_.lr_for(B));
        ghost.push_back(uses_bn(name) && B < spec_.sgd_batch_for(B) ? B : 0);
        for (const RunResult& rr : results_[c][b]) diverged[b] += rr.diverged ? 1 : 0;
      }
      e["lr"] = lr;
      if (spec_.mode == "ghost") e["ghost_batch"] = ghost;
      e["diverged"] = diverged;
      e["gap"] = metric(c, [](const RunResult& x) { return x.gap(); });
      e["train_loss"] = metric(c, [](const RunResult& x) { return x.train_loss; });
      e["test_loss"] = metric(c, [](const RunResult& x) { return x.test_loss; });
      e["test_clean_loss"] = metric(c, [](const RunResult& x) { return x.test_clean_loss; });
      e["train_accuracy"] = metric(c, [](const RunResult& x) { return x.train_accuracy; });
      e["test_accuracy"] = metric(c, [](const RunResult& x) { return x.test_accuracy; });
      e["test_clean_accuracy"] = metric(c, [](const RunResult& x) { return x.test_clean_accuracy; });
      const std::vector<double> rises = rise(c);
      if (rises.empty()) {
        e["rise"] = nullptr;
      } else {
        const stats::Interval iv = stats::t_interval95(rises);
        e["rise"] = {{"mean", iv.mean}, {"half_width", iv.half_width}, {"n", iv.n}, {"values", series(rises)}};
      }
      configs[name] = e;
    }
    r["configs"] = configs;
    if (spec_.eval_every > 0) {
      json curves = json::object();
      for (std::size_t c = 0; c < C; ++c) {
        json list = json::array();
        for (std::size_t b = 0; b < Bn; ++b) {
          const Curve& k = curves_[c][b];
          list.push_back({{"batch_size", spec_.batch_sizes[b]},
                          {"epoch", series(k.epoch)},
                          {"train_loss", series(k.train_loss)},
                          {"test_loss", series(k.test_loss)},
                          {"test_clean_loss", series(k.test_clean_loss)}});
        }
        curves[spec_.configs[c]] = list;
      }
      r["curves"] = curves;
    }
    r["takeaway"] = takeaway();
    return r;
  }

 private:
  // Examples processed by one run (the progress measure): steps x examples per step.
  double run_work(std::size_t c, std::size_t b) const {
    if (repeated(c, b)) return 0.0;
    const int N = spec_.data.n_train, sgd = spec_.sgd_batch_for(spec_.batch_sizes[b]);
    const double per_step = (spec_.mode == "population" && uses_bn(spec_.configs[c])) ? N : sgd;
    return static_cast<double>(spec_.epochs) * (N / sgd) * per_step;
  }

  // In ghost mode a net without BN does not see the ghost size: its first run stands for all.
  bool repeated(std::size_t c, std::size_t b) const {
    return spec_.mode == "ghost" && !uses_bn(spec_.configs[c]) && b > 0;
  }

  void start_seed() {
    const std::uint64_t seed = spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_);
    train_ = make_train_set(spec_.data, seed);
    test_clean_ = make_test_set(spec_.data, seed);
    test_ = flipped_copy(test_clean_, spec_.data.label_flip, seed);
    config_index_ = size_index_ = 0;
    work_done_seed_ = 0.0;
  }

  void start_run() {
    const std::size_t c = config_index_, b = size_index_;
    if (repeated(c, b)) {
      results_[c][b].push_back(results_[c][0].back());
      if (seed_index_ == 0) curves_[c][b] = curves_[c][0];
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
    Curve& k = curves_[config_index_][size_index_];
    k.epoch.push_back(static_cast<double>(epoch));
    k.train_loss.push_back(trainer_->evaluate(train_, BnStats::Running).loss);
    k.test_loss.push_back(trainer_->evaluate(test_, BnStats::Running).loss);
    k.test_clean_loss.push_back(trainer_->evaluate(test_clean_, BnStats::Running).loss);
  }

  void finish_run() {
    RunResult rr;
    const EvalReport tr = trainer_->evaluate(train_, BnStats::Running);
    const EvalReport te = trainer_->evaluate(test_, BnStats::Running);
    const EvalReport tc = trainer_->evaluate(test_clean_, BnStats::Running);
    rr.train_loss = tr.loss;
    rr.train_accuracy = tr.accuracy;
    rr.test_loss = te.loss;
    rr.test_accuracy = te.accuracy;
    rr.test_clean_loss = tc.loss;
    rr.test_clean_accuracy = tc.accuracy;
    rr.diverged = trainer_->diverged();
    if (seed_index_ == 0 && spec_.eval_every > 0) {
      Curve& k = curves_[config_index_][size_index_];
      k.epoch.push_back(static_cast<double>(trainer_->steps() / trainer_->steps_per_epoch()));
      k.train_loss.push_back(tr.loss);
      k.test_loss.push_back(te.loss);
      k.test_clean_loss.push_back(tc.loss);
    }
    // A diverged run stops early: count the work it will not do.
    work_done_seed_ += static_cast<double>(total_steps_ - trainer_->steps()) * step_work_;
    results_[config_index_][size_index_].push_back(rr);
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

  template <typename F>
  json metric(std::size_t c, F field) const {
    std::vector<double> mean, half;
    std::vector<int> n;
    json values = json::array();
    for (const std::vector<RunResult>& cell : results_[c]) {
      std::vector<double> v;
      for (const RunResult& rr : cell) v.push_back(field(rr));
      const stats::Interval iv = stats::t_interval95(v);
      mean.push_back(v.empty() ? std::nan("") : iv.mean);
      half.push_back(v.empty() ? std::nan("") : iv.half_width);
      n.push_back(iv.n);
      values.push_back(series(v));
    }
    return {{"mean", series(mean)}, {"half_width", series(half)}, {"n", n}, {"values", values}};
  }

  // gap(last batch size) - gap(first), per seed that has both (paired: same data, init, order).
  std::vector<double> rise(std::size_t c) const {
    std::vector<double> out;
    const auto& first = results_[c].front();
    const auto& last = results_[c].back();
    if (results_[c].size() < 2) return out;
    for (std::size_t s = 0; s < std::min(first.size(), last.size()); ++s) out.push_back(last[s].gap() - first[s].gap());
    return out;
  }

  double mean_gap(std::size_t c, std::size_t b) const {
    std::vector<double> v;
    for (const RunResult& rr : results_[c][b]) v.push_back(rr.gap());
    return v.empty() ? std::nan("") : stats::mean(v);
  }

  std::string takeaway() const {
    const std::size_t Bn = spec_.batch_sizes.size();
    const std::string lo = std::to_string(spec_.batch_sizes.front()), hi = std::to_string(spec_.batch_sizes.back());
    // BN leads (it is the claim), the others follow in the spec's order.
    std::vector<std::size_t> order;
    for (std::size_t c = 0; c < spec_.configs.size(); ++c)
      if (spec_.configs[c] == "bn") order.push_back(c);
    for (std::size_t c = 0; c < spec_.configs.size(); ++c)
      if (spec_.configs[c] != "bn") order.push_back(c);
    std::string t;
    for (std::size_t c : order) {
      const double a = mean_gap(c, 0), b = mean_gap(c, Bn - 1);
      if (!std::isfinite(a)) continue;
      const std::string& name = spec_.configs[c];
      std::string part;
      if (t.empty()) {
        part = (name == "bn" ? std::string("BN") : label_of(name)) + "'s train/test loss gap: " + fixed(a, 3) +
               " at batch " + lo;
        if (Bn > 1 && std::isfinite(b)) part += ", " + fixed(b, 3) + " at " + hi;
      } else {
        part = label_of(name) + ": " + fixed(a, 3);
        if (Bn > 1 && std::isfinite(b)) part += " -> " + fixed(b, 3);
      }
      const std::vector<double> rs = rise(c);
      if (rs.size() >= 2) {
        const stats::Interval iv = stats::t_interval95(rs);
        part += " (" + std::string(iv.mean >= 0 ? "+" : "") + fixed(iv.mean, 3) + " +- " + fixed(iv.half_width, 3) + ")";
      }
      t += (t.empty() ? "" : "; ") + part;
    }
    if (t.empty()) return "Training the first nets...";
    t += ".";
    const int seeds = seed_index_ < spec_.seeds.seeds ? seed_index_ : spec_.seeds.seeds;
    if (!done()) t += " (" + std::to_string(seeds) + " of " + std::to_string(spec_.seeds.seeds) + " seeds done so far.)";
    else if (spec_.seeds.seeds > 1) t += " Mean over " + std::to_string(seeds) + " paired seeds; +- is the 95% interval of the rise from batch " + lo + " to " + hi + ".";
    return t;
  }

  RegularizationSpec spec_;
  json spec_json_;
  Dataset train_, test_, test_clean_;
  std::unique_ptr<Trainer<Real>> trainer_;
  std::vector<std::vector<std::vector<RunResult>>> results_;  // [config][batch size][seed]
  std::vector<std::vector<Curve>> curves_;                    // [config][batch size], first seed
  std::size_t config_index_ = 0, size_index_ = 0;
  int seed_index_ = 0;
  long runs_done_ = 0, total_steps_ = 0;
  double step_work_ = 0.0, work_per_seed_ = 0.0, work_done_seed_ = 0.0;
};

}  // namespace

Chapter regularization_chapter() {
  return make_chapter<RegularizationSpec, RegularizationExperiment>(
      "regularization", "BN regularizes, less with big batches", parse_regularization_spec,
      static_cast<json (*)(const RegularizationSpec&)>(to_json));
}

}  // namespace bnlab
