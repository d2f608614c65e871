// The plumbing every chapter experiment repeats, once: the loop over seeds, the first seed's
// records (the ones the page draws; later seeds only add to the seed table), the pair of nets
// without and with BN trained side by side, and a queue of work units that makes progress()
// exact by construction (units done / units planned).
//
// Usage (see speed.cpp, ics.cpp, inference.cpp):
//   class X : public LockStepExperiment   a NetPair in lock-step, seed after seed: the chapter
//                                         writes start_seed, lock_step and finish_seed; the
//                                         seed loop, advance, done and progress are here
//   SeedLoop seeds_{spec.seeds};          seeds_.seed() is the current seed, seeds_.first() is
//                                         true while the first seed runs, seeds_.next() moves on
//   FirstSeed<Record> rec_;               rec_.at(seeds_) is what the current seed writes into;
//                                         rec_.shown() what the result shows (the first seed's)
//   NetPair nets_ = make_net_pair(model, train, train_set, seed);   nets_[kPlain], nets_[kBn]
//   WorkQueue work_;                      work_.plan(n) units in all; work_.push(task) queues one;
//                                         work_.run_one() runs the next; work_.progress()
//   PercentileBands, probe_pair           Ioffe & Szegedy's Figure 1(b, c) percentiles of a layer
//                                         (chapters distribution and images)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bnlab/experiment.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

// The seeds seed, seed + 1, ..., seed + seeds - 1, one after the other.
class SeedLoop {
 public:
  explicit SeedLoop(const SeedFields& s) : base_(s.seed), count_(s.seeds) {}
  std::uint64_t seed() const { return base_ + static_cast<std::uint64_t>(index_); }
  int index() const { return index_; }
  int count() const { return count_; }
  bool first() const { return index_ == 0; }
  bool done() const { return index_ >= count_; }
  void next() { ++index_; }
  // Progress of a chapter whose seeds each take `steps` equal units: 1 exactly when all are done.
  double progress(long step, double steps) const {
    return done() ? 1.0 : (index_ * steps + step) / (count_ * steps);
  }

 private:
  std::uint64_t base_;
  int count_;
  int index_ = 0;
};

// The first seed records straight into the records it shows; later seeds into a scratch copy
// (reset by the chapter when a seed starts), so nothing is copied at the end of a seed.
template <typename Record>
class FirstSeed {
 public:
  Record& at(const SeedLoop& seeds) { return seeds.first() ? first_ : later_; }
  const Record& at(const SeedLoop& seeds) const { return seeds.first() ? first_ : later_; }
  const Record& shown() const { return first_; }

 private:
  Record first_{}, later_{};
};

// Two nets on the same data and seed: index kPlain without BN, kBn with (the only difference).
// `which` leaves a net out (null): a chapter split into one cell per net (images) builds only its
// own, and each net is the same as in the pair (its own streams of the same seed).
constexpr std::size_t kPlain = 0, kBn = 1;
using NetPair = std::array<std::unique_ptr<Trainer<Real>>, 2>;

inline NetPair make_net_pair(const MlpConfig& model, const TrainConfig& train, const Dataset& data,
                             std::uint64_t seed, std::array<bool, 2> which = {true, true}) {
  NetPair nets;
  for (std::size_t k = 0; k < 2; ++k) {
    if (!which[k]) continue;
    MlpConfig m = model;
    m.batch_norm = k == kBn;
    nets[k] = std::make_unique<Trainer<Real>>(m, train, data, seed);
  }
  return nets;
}

// A net left out counts as diverged: it has nothing left to do.
inline bool net_done(const NetPair& nets, std::size_t k) { return !nets[k] || nets[k]->diverged(); }
inline bool both_diverged(const NetPair& nets) { return net_done(nets, kPlain) && net_done(nets, kBn); }

// The percentile probe of Ioffe & Szegedy's Figure 1 (chapters distribution and images): which
// unit is shown, over how many test examples, how often, and with which BN statistics. Declared
// once for the spec's probe_unit, probe_size, probe_every and probe_stats (an Io of spec.h:
// FieldReader or FieldWriter); `max_size` bounds probe_size.
template <class Io, class Spec>
void probe_fields(Io& io, Spec& s, int max_size) {
  io.integer("probe_unit", s.probe_unit, 0, 1023,
             "the unit (0-based) of the probed layer whose 15/50/85th percentiles are shown");
  io.integer("probe_size", s.probe_size, 2, max_size, "the percentiles are taken over the first probe_size test examples");
  io.integer("probe_every", s.probe_every, 1, 100000, "steps between probes (step 0 and the last step are always probed)");
  io.choice("probe_stats", s.probe_stats, {"batch", "running"},
            "the BN net's statistics on the probe set: its own (batch) or the running averages");
}
// The probe set: the first n examples of a data set as a features x n matrix.
Mat<Real> first_examples(const Dataset& d, int n);
inline BnStats probe_stats_of(const std::string& probe_stats) {
  return probe_stats == "running" ? BnStats::Running : BnStats::Batch;
}

// Percentile bands of every unit of one layer over training: the shown unit's 15/50/85th
// percentiles at each probe, and per unit its first percentiles, the largest departure from them
// and the summed band width (for the drift).
struct PercentileBands {
  std::vector<double> step, p15, p50, p85;            // the shown unit, one entry per probe
  std::vector<std::array<double, 3>> first, max_dev;  // per unit
  std::vector<double> width_sum;                      // per unit: sum over probes of p85 - p15
  int probes = 0;
  // One probe at `at_step`: z is units x examples, the layer's input to the nonlinearity.
  void add(const Mat<Real>& z, int shown_unit, long at_step);
  // Band drift of one unit: mean_q max_t |p_q(t) - p_q(0)| / mean_t (p85(t) - p15(t)).
  double unit_drift(std::size_t u) const;
  double all_units_drift() const;  // the mean over the layer's units
  int rank(std::size_t u) const;   // 1 = the unit that drifted most
  json to_json() const;            // {"step", "p15", "p50", "p85"} of the shown unit
};

// One probe of both nets (those present and not diverged): a forward pass over x in evaluation mode with
// `stats`, then hidden layer `layer` (0-based) into bands[k].
void probe_pair(NetPair& nets, const Mat<Real>& x, BnStats stats, int layer, int shown_unit, long at_step,
                const std::array<PercentileBands*, 2>& bands);

// A chapter that trains a NetPair in lock-step, seed after seed. advance() runs lock_step(), which
// returns the units it cost (1 for a plain step of both nets), until the units are spent; a seed
// ends after `steps` steps or when both nets have diverged: finish_seed() records it, then the next
// seed starts (start_seed(), which the chapter's constructor also calls for the first seed).
class LockStepExperiment : public Experiment {
 public:
  void advance(long units) override {
    for (long left = units; left > 0 && !done();) {
      left -= lock_step();
      if (step_ == steps_ || both_diverged(nets_)) end_seed();
    }
  }
  bool done() const override { return seeds_.done(); }
  double progress() const override { return seeds_.progress(step_, static_cast<double>(steps_)); }

 protected:
  LockStepExperiment(const SeedFields& seeds, long steps) : seeds_(seeds), steps_(steps) {}
  virtual void start_seed() = 0;
  virtual long lock_step() = 0;  // ++step_, both nets step (and whatever the chapter records)
  virtual void finish_seed() = 0;
  // Where net k diverged in the first seed (0: it did not): its own value while that seed runs.
  long first_diverged_at(std::size_t k) const {
    if (!seeds_.first()) return first_diverged_[k];
    return nets_[k] ? nets_[k]->diverged_at() : 0;
  }

  SeedLoop seeds_;
  NetPair nets_;
  long step_ = 0;

 private:
  void end_seed() {
    finish_seed();
    if (seeds_.first())
      for (std::size_t k = 0; k < 2; ++k) first_diverged_[k] = nets_[k] ? nets_[k]->diverged_at() : 0;
    seeds_.next();
    if (!done()) start_seed();
  }
  long steps_;
  std::array<long, 2> first_diverged_{0, 0};
};

// Work as units: a chapter plans the total once, queues tasks (one unit each) and runs them in
// order; progress is units done over units planned, so it reaches 1 exactly when the work ends.
class WorkQueue {
 public:
  void plan(long total_units) { total_ = total_units; }
  void push(std::function<void()> task) { tasks_.push_back(std::move(task)); }
  bool empty() const { return tasks_.empty(); }
  void run_one() {
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    task();
    ++done_;
  }
  void count(long units = 1) { done_ += units; }  // work done outside the queue (a training step)
  long units_done() const { return done_; }
  double progress() const { return total_ > 0 ? std::min(1.0, static_cast<double>(done_) / total_) : 0.0; }

 private:
  std::deque<std::function<void()>> tasks_;
  long total_ = 0, done_ = 0;
};

}  // namespace bnlab
