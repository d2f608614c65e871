#include "bnlab/rng.h"

#include <cmath>

#include "bnlab/detmath.h"

namespace bnlab {
namespace {
constexpr std::uint64_t kGamma = 0x9e3779b97f4a7c15ULL;

// SplitMix64's output function (a bijective 64-bit mix).
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

Rng Rng::stream(std::uint64_t seed, Stream purpose, std::uint64_t index) {
  std::uint64_t h = mix64(seed + kGamma);
  h = mix64(h ^ (static_cast<std::uint64_t>(purpose) * 0xd1b54a32d192ed03ULL));
  h = mix64(h ^ (index * 0x8cb92ba72f3d8dd7ULL + kGamma));
  return Rng(h);
}

std::uint64_t Rng::next_u64() {
  state_ += kGamma;
  return mix64(state_);
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t Rng::below(std::uint64_t n) {
  // Reject the lowest (2^64 mod n) values so every residue is equally likely.
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t r = next_u64();
    if (r >= threshold) return r % n;
  }
}

// Marsaglia's polar method: (u, v) uniform in the unit disc, s = u^2 + v^2;
// u sqrt(-2 ln s / s) and v sqrt(-2 ln s / s) are independent standard normals.
double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * detmath::log(s) / s);  // sqrt is exactly rounded everywhere
  spare_ = v * m;
  has_spare_ = true;
  return u * m;
}

void Rng::shuffle(std::vector<int>& v) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(below(i));
    std::swap(v[i - 1], v[j]);
  }
}

std::vector<int> Rng::permutation(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  shuffle(v);
  return v;
}

}  // namespace bnlab
