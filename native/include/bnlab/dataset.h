// Two-dimensional toy data sets, generated from the owned generator.
//
// Points are features x N (2 x N), like activations. Every generator gives balanced classes
// (example i has class i mod K before shuffling by the trainer), Gaussian input noise of standard
// deviation `noise`, and sits roughly in [-1.5, 1.5]^2 so inputs are already near-normalised.
// The training set draws from Stream::TrainData, the test set from Stream::TestData: changing the
// training-set size never changes the test set.
//   moons:   two interleaved half circles, centred          (2 classes)
//   circles: a ring of radius 1 around a disc of radius 0.5 (2 classes)
//   spirals: K interleaved arms, r in (0, 1]                (classes = K)
//   xor:     uniform square, class = sign(x1 x2)            (2 classes)
//   blobs:   K Gaussians, centres evenly on a circle of radius 1.5, std 0.5 + noise (classes = K)
// Label noise flips exactly round(label_flip * N) training labels (chosen without replacement) to
// another class; test sets are clean.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bnlab/rng.h"
#include "bnlab/types.h"

namespace bnlab {

struct Dataset {
  MatD x;              // dims x N (empty for an image set: see pixels)
  std::vector<int> y;  // N labels in [0, classes)
  int classes = 2;
  // An image set keeps its bytes instead of x (60000 x 784 doubles would be 376 MB): example i is
  // pixels[i * pixel_dims, (i + 1) * pixel_dims), and its input is byte / 255 (gather converts).
  std::vector<std::uint8_t> pixels;
  int pixel_dims = 0;
  int size() const { return static_cast<int>(y.size()); }
  int dims() const { return pixels.empty() ? static_cast<int>(x.rows()) : pixel_dims; }
  std::vector<int> flipped;  // indices whose label was flipped (training set only)
};

struct DataConfig {
  std::string kind = "moons";
  int n_train = 512;
  int n_test = 5000;
  double noise = 0.1;
  double label_flip = 0.0;  // fraction of training labels flipped, in [0, 0.5]
  int classes = 2;          // spirals and blobs; the others are always 2
  void validate() const;
  int num_classes() const;
};

Dataset make_dataset(const DataConfig& config, int n, std::uint64_t seed, bool train);
inline Dataset make_train_set(const DataConfig& c, std::uint64_t seed) { return make_dataset(c, c.n_train, seed, true); }
inline Dataset make_test_set(const DataConfig& c, std::uint64_t seed) { return make_dataset(c, c.n_test, seed, false); }

// Flips exactly round(fraction N) labels, of distinct examples (the first entries of a permutation
// drawn from rng), each to another class; their indices are appended to d.flipped.
void flip_labels(Dataset& d, double fraction, Rng& rng);

// x' = scale * R(rotate_deg) * diag(sx, sy) * x + (tx, ty): the shifted test sets of chapter 2'.
struct InputTransform {
  double tx = 0.0, ty = 0.0, scale = 1.0, sx = 1.0, sy = 1.0, rotate_deg = 0.0;
  bool identity() const;
  void validate() const;
};
Dataset transform(const Dataset& d, const InputTransform& t);

// Columns `idx` of d.x (or of the image bytes, scaled to [0, 1]) as a T matrix, and their labels.
template <typename T>
void gather(const Dataset& d, const std::vector<int>& idx, std::size_t begin, std::size_t end, Mat<T>& x,
            std::vector<int>& y);

}  // namespace bnlab
