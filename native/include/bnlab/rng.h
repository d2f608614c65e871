// The owned random generator.
//
// SplitMix64 (Steele, Lea & Flood 2014): state += golden gamma; output = a 64-bit mix of the state.
// Its outputs are fixed by the algorithm, so native and wasm draw the same numbers; the std
// distributions are not used anywhere (libstdc++ and libc++ implement them differently).
//
// One stream per purpose: Rng::stream(seed, Stream::Order) mixes the purpose into the seed, so
// changing how many numbers one purpose draws (say, the dropout masks) never shifts another's
// (the batch order). Tests pin the first outputs (golden values).
#pragma once

#include <cstdint>
#include <vector>

namespace bnlab {

enum class Stream : std::uint64_t {
  TrainData = 1,  // training inputs, labels, label flips
  TestData = 2,   // the test set (independent of the training-set size)
  Init = 3,       // weight initialisation
  Order = 4,      // mini-batch order (shuffle per epoch)
  Dropout = 5,    // dropout masks
  Probe = 6,      // experiment-side sampling (noise explorer, picking points)
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  // An independent stream for one purpose of one seed; `index` separates e.g. the nets of a sweep.
  static Rng stream(std::uint64_t seed, Stream purpose, std::uint64_t index = 0);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), unbiased (rejection of the short last interval). n >= 1.
  std::uint64_t below(std::uint64_t n);
  // Standard normal by Marsaglia's polar method (with detmath::log); one spare value is kept.
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  // Fisher-Yates shuffle of a permutation, in place.
  void shuffle(std::vector<int>& v);
  std::vector<int> permutation(int n);

 private:
  std::uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace bnlab
