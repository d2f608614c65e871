#include "bnlab/experiments/speed.h"

#include <array>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/research.h"

namespace bnlab {

namespace {
// The chapter's own fields, declared once: read by parse_speed_spec, written by to_json.
template <class Io, class S>
void speed_fields(Io& io, S& s) {
  io.integer("steps", s.steps, 1, 200000, "training steps of each net");
  io.positive("target_loss", s.target_loss, 0.0, 10.0, "the training loss whose first crossing is \"steps to target\"");
  io.integer("eval_every", s.eval_every, 1, 100000, "steps between evaluations of the full training and test sets");
  io.integer("grid", s.grid, 0, 128, kGridDoc);
}
}  // namespace

SpeedSpec parse_speed_spec(const json& j) {
  SpeedSpec s;
  SpecReader r(j, "spec");
  read_common_fields(r, "speed", s, sweep_max_seeds(20));
  FieldReader in(r);
  speed_fields(in, s);
  r.finish();
  check_grid(s.grid);
  const MlpConfig bn = check_bn_pair(s.model, s.train, s.data);
  const double evals = static_cast<double>(s.steps) / s.eval_every + 1.0;
  const double per_net =
      s.steps * s.train.batch_size * train_cost(bn) + evals * (s.data.n_train + s.data.n_test) * eval_cost(bn);
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the bound.
  if (ResearchScale::active())
    check_work(2.0 * per_net, "speed: one cell (one seed: 2 nets x (steps x batch + evaluations))");
  else
    check_work(s.seeds.seeds * 2.0 * per_net, "speed: seeds x 2 nets x (steps x batch + evaluations)");
  return s;
}

json to_json(const SpeedSpec& s) {
  json j;
  write_common_fields(j, "speed", s.seeds, s.data, s.model, false, s.train);
  FieldWriter out(j);
  speed_fields(out, s);
  return j;
}

namespace {

struct NetRecord {
  std::vector<double> step, batch_loss, batch_accuracy;
  std::vector<double> eval_step, train_loss, train_accuracy, test_loss, test_accuracy;
  long steps_to_target = 0;
  json boundary;
};

class SpeedExperiment : public LockStepExperiment {
 public:
  explicit SpeedExperiment(const SpeedSpec& s) : LockStepExperiment(s.seeds, s.steps), spec_(s), spec_json_(to_json(s)) {
    start_seed();
  }

  json result() const override {
    json r = result_envelope("speed", spec_json_, progress(), done());
    const std::array<const char*, 2> keys{"plain", "bn"};
    const std::array<const char*, 2> labels{"without BN", "with BN"};
    json nets = json::object();
    for (int k = 0; k < 2; ++k) {
      const NetRecord& c = rec_.shown()[static_cast<std::size_t>(k)];
      const long div = first_diverged_at(static_cast<std::size_t>(k));
      nets[keys[static_cast<std::size_t>(k)]] = {
          {"label", labels[static_cast<std::size_t>(k)]},
          {"step", series(c.step)},
          {"batch_loss", series(c.batch_loss)},
          {"batch_accuracy", series(c.batch_accuracy)},
          {"eval_step", series(c.eval_step)},
          {"train_loss", series(c.train_loss)},
          {"train_accuracy", series(c.train_accuracy)},
          {"test_loss", series(c.test_loss)},
          {"test_accuracy", series(c.test_accuracy)},
          {"steps_to_target", c.steps_to_target > 0 ? json(c.steps_to_target) : json(nullptr)},
          {"diverged_at", div > 0 ? json(div) : json(nullptr)},
          {"boundary", c.boundary}};
    }
    r["nets"] = nets;
    r["points"] = points_json(train_, 600);
    r["target_loss"] = spec_.target_loss;
    r["takeaway"] = takeaway();
    if (seeds_.count() > 1) r["seed_runs"] = seed_runs_;
    return r;
  }

 private:
  void start_seed() override {
    train_ = make_train_set(spec_.data, seeds_.seed());
    test_ = make_test_set(spec_.data, seeds_.seed());
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seeds_.seed());
    rec_.at(seeds_) = {};
    step_ = 0;
    evaluate();
  }

  long lock_step() override {
    ++step_;
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      NetRecord& c = rec_.at(seeds_)[static_cast<std::size_t>(k)];
      if (t.diverged()) continue;
      const StepReport s = t.step();
      if (s.diverged) continue;  // the curve ends where the net blew up
      c.step.push_back(static_cast<double>(step_));
      c.batch_loss.push_back(s.loss);
      c.batch_accuracy.push_back(s.accuracy);
    }
    if (step_ % spec_.eval_every == 0 || step_ == spec_.steps) evaluate();
    return 1;
  }

  void evaluate() {
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      NetRecord& c = rec_.at(seeds_)[static_cast<std::size_t>(k)];
      if (t.diverged()) continue;
      const EvalReport tr = t.evaluate(train_, BnStats::Running);
      const EvalReport te = t.evaluate(test_, BnStats::Running);
      c.eval_step.push_back(static_cast<double>(step_));
      c.train_loss.push_back(tr.loss);
      c.train_accuracy.push_back(tr.accuracy);
      c.test_loss.push_back(te.loss);
      c.test_accuracy.push_back(te.accuracy);
      if (c.steps_to_target == 0 && tr.loss <= spec_.target_loss) c.steps_to_target = step_ > 0 ? step_ : 0;
      if (spec_.grid >= 2 && seeds_.first()) c.boundary = decision_grid(t.model(), BnStats::Running, spec_.grid);
    }
  }

  void finish_seed() override {
    auto opt = [](long v) { return v > 0 ? json(v) : json(nullptr); };
    const std::array<NetRecord, 2>& rec = rec_.at(seeds_);
    seed_runs_.push_back({{"seed", seeds_.seed()},
                          {"plain_steps_to_target", opt(rec[kPlain].steps_to_target)},
                          {"bn_steps_to_target", opt(rec[kBn].steps_to_target)},
                          {"plain_diverged_at", opt(nets_[kPlain]->diverged_at())},
                          {"bn_diverged_at", opt(nets_[kBn]->diverged_at())}});
  }

  std::string describe(int k) const {
    const NetRecord& c = rec_.shown()[static_cast<std::size_t>(k)];
    const long div = first_diverged_at(static_cast<std::size_t>(k));
    if (c.steps_to_target > 0) return "reached loss " + fixed(spec_.target_loss, 2) + " in " + with_commas(c.steps_to_target) + " steps";
    if (div > 0) return "diverged at step " + with_commas(div);
    return "had not reached loss " + fixed(spec_.target_loss, 2) + " after " + with_commas(done() || !seeds_.first() ? spec_.steps : step_) + " steps";
  }

  std::string takeaway() const {
    std::string t = "With BN the net " + describe(1) + "; without BN it " + describe(0) + ".";
    const std::array<NetRecord, 2>& first = rec_.shown();
    const long a = first[kBn].steps_to_target, b = first[kPlain].steps_to_target;
    if (a > 0 && b > 0 && a < b) t += " BN was " + fixed(static_cast<double>(b) / a, 1) + "x faster.";
    // Reaching the target once is not staying there: a too-large step can undo it later.
    const std::vector<double>&lb = first[kBn].train_loss, &lp = first[kPlain].train_loss;
    if (!lb.empty() && !lp.empty() && first_diverged_at(kPlain) == 0 && first_diverged_at(kBn) == 0)
      t += " Latest training loss: " + fixed(lb.back(), 3) + " with BN, " + fixed(lp.back(), 3) + " without.";
    return t;
  }

  SpeedSpec spec_;
  json spec_json_;
  Dataset train_, test_;
  // The first seed's curves are the ones shown; later seeds only add to seed_runs_.
  FirstSeed<std::array<NetRecord, 2>> rec_;
  json seed_runs_ = json::array();
};

// One cell per seed at research scale (research.h SeedCells): a multi-seed run's result is its
// first seed's curves, boundaries and takeaway, the last seed's training points (the data set in
// hand when the run ends) and one seed_runs entry per seed; cells after the first draw no
// boundaries ("grid": 0).
SeedCells speed_seed_cells(const SpeedSpec& s) {
  SeedCells c = seed_cells_for<SpeedSpec>(s, [](SpeedSpec& k) { k.grid = 0; });
  c.seed_run = [](const json& cell, const std::string& where) {
    json run = json::object();
    for (const char* net : {"plain", "bn"})
      for (const char* f : {"steps_to_target", "diverged_at"}) {
        const json& v = field_at(cell, {"nets", net, f}, where);
        if (!(v.is_null() || v.is_number_integer())) throw Error(where + ".nets." + net + "." + f + ": must be a step or null");
        run[std::string(net) + "_" + f] = v;
      }
    return run;
  };
  c.from_last = {"points"};
  c.empty_start = [s] { return SpeedExperiment(s).result(); };
  return c;
}

}  // namespace

Chapter speed_chapter() {
  Chapter c = make_chapter<SpeedSpec, SpeedExperiment>("speed", "Normalizing speeds up learning", parse_speed_spec);
  split_seeds_at_research_scale<SpeedSpec, SpeedExperiment>(c, parse_speed_spec, speed_seed_cells);
  return c;
}

}  // namespace bnlab
