#include "bnlab/dataset.h"

#include <cmath>

#include "bnlab/detmath.h"
#include "bnlab/error.h"
#include "bnlab/rng.h"

namespace bnlab {

void DataConfig::validate() const {
  require(kind == "moons" || kind == "circles" || kind == "spirals" || kind == "xor" || kind == "blobs",
          "data.kind", "\"" + kind + "\"", "must be one of moons, circles, spirals, xor, blobs");
  require(n_train >= 2 && n_train <= 100000, "data.n_train", n_train, "must be in [2, 100000]");
  require(n_test >= 1 && n_test <= 100000, "data.n_test", n_test, "must be in [1, 100000]");
  require(noise >= 0.0 && noise <= 2.0, "data.noise", noise, "must be in [0, 2]");
  require(label_flip >= 0.0 && label_flip <= 0.5, "data.label_flip", label_flip, "must be in [0, 0.5]");
  require(classes >= 2 && classes <= 8, "data.classes", classes, "must be in [2, 8]");
}

int DataConfig::num_classes() const { return (kind == "spirals" || kind == "blobs") ? classes : 2; }

namespace {

// One clean point of class c (before input noise).
void draw_point(const DataConfig& cfg, int c, int K, Rng& rng, double& x0, double& x1) {
  const double pi = detmath::pi();
  double s, co;
  if (cfg.kind == "moons") {
    detmath::sincos(pi * rng.uniform(), s, co);
    // Upper moon (c = 0) and lower moon (c = 1), shifted so the pair is centred at the origin.
    if (c == 0) { x0 = co - 0.5; x1 = s - 0.25; }
    else { x0 = 0.5 - co; x1 = 0.25 - s; }
  } else if (cfg.kind == "circles") {
    detmath::sincos(2.0 * pi * rng.uniform(), s, co);
    const double r = c == 0 ? 1.0 : 0.5;
    x0 = r * co;
    x1 = r * s;
  } else if (cfg.kind == "spirals") {
    const double t = 0.05 + 0.95 * rng.uniform();          // radius in (0.05, 1]
    const double angle = 1.75 * 2.0 * pi * t + 2.0 * pi * c / K;  // 1.75 turns per arm
    detmath::sincos(angle, s, co);
    x0 = 1.2 * t * co;
    x1 = 1.2 * t * s;
  } else if (cfg.kind == "xor") {
    // Rejection keeps the class balanced: same-sign quadrants are class 0.
    do {
      x0 = rng.uniform(-1.0, 1.0);
      x1 = rng.uniform(-1.0, 1.0);
    } while ((x0 * x1 > 0.0 ? 0 : 1) != c || x0 * x1 == 0.0);
  } else {  // blobs
    detmath::sincos(2.0 * pi * c / K, s, co);
    x0 = 1.5 * co + 0.5 * rng.normal();
    x1 = 1.5 * s + 0.5 * rng.normal();
  }
}

}  // namespace

Dataset make_dataset(const DataConfig& cfg, int n, std::uint64_t seed, bool train) {
  cfg.validate();
  require(n >= 1, "data set size", n, "must be >= 1");
  Rng rng = Rng::stream(seed, train ? Stream::TrainData : Stream::TestData);
  const int K = cfg.num_classes();
  Dataset d;
  d.classes = K;
  d.x.resize(2, n);
  d.y.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int c = i % K;
    double x0 = 0.0, x1 = 0.0;
    draw_point(cfg, c, K, rng, x0, x1);
    d.x(0, i) = x0 + cfg.noise * rng.normal();
    d.x(1, i) = x1 + cfg.noise * rng.normal();
    d.y[static_cast<std::size_t>(i)] = c;
  }
  if (train && cfg.label_flip > 0.0) flip_labels(d, cfg.label_flip, rng);
  return d;
}

void flip_labels(Dataset& d, double fraction, Rng& rng) {
  require(fraction >= 0.0 && fraction <= 1.0, "label flip fraction", fraction, "must be in [0, 1]");
  const int n = d.size(), K = d.classes;
  const int flips = static_cast<int>(std::floor(fraction * n + 0.5));
  if (flips == 0) return;
  const std::vector<int> perm = rng.permutation(n);
  for (int k = 0; k < flips; ++k) {
    const int i = perm[static_cast<std::size_t>(k)];
    int& y = d.y[static_cast<std::size_t>(i)];
    y = K == 2 ? 1 - y : (y + 1 + static_cast<int>(rng.below(static_cast<std::uint64_t>(K - 1)))) % K;
    d.flipped.push_back(i);
  }
}

bool InputTransform::identity() const {
  return tx == 0.0 && ty == 0.0 && scale == 1.0 && sx == 1.0 && sy == 1.0 && rotate_deg == 0.0;
}

void InputTransform::validate() const {
  require(std::abs(tx) <= 100.0, "transform.tx", tx, "must be in [-100, 100]");
  require(std::abs(ty) <= 100.0, "transform.ty", ty, "must be in [-100, 100]");
  require(scale > 0.0 && scale <= 100.0, "transform.scale", scale, "must be in (0, 100]");
  require(sx > 0.0 && sx <= 100.0, "transform.sx", sx, "must be in (0, 100]");
  require(sy > 0.0 && sy <= 100.0, "transform.sy", sy, "must be in (0, 100]");
  require(std::abs(rotate_deg) <= 360.0, "transform.rotate_deg", rotate_deg, "must be in [-360, 360]");
}

Dataset transform(const Dataset& d, const InputTransform& t) {
  t.validate();
  require(d.dims() == 2, "transform input dimensions", d.dims(), "must be 2");
  double s, c;
  detmath::sincos(t.rotate_deg * detmath::pi() / 180.0, s, c);
  Dataset out = d;
  for (int i = 0; i < d.size(); ++i) {
    const double a = t.sx * d.x(0, i), b = t.sy * d.x(1, i);
    out.x(0, i) = t.scale * (c * a - s * b) + t.tx;
    out.x(1, i) = t.scale * (s * a + c * b) + t.ty;
  }
  return out;
}

template <typename T>
void gather(const Dataset& d, const std::vector<int>& idx, std::size_t begin, std::size_t end, Mat<T>& x,
            std::vector<int>& y) {
  const Eigen::Index n = static_cast<Eigen::Index>(end - begin);
  x.resize(d.dims(), n);
  y.resize(static_cast<std::size_t>(n));
  const T inv255 = static_cast<T>(1.0 / 255.0);
  for (Eigen::Index j = 0; j < n; ++j) {
    const int i = idx[begin + static_cast<std::size_t>(j)];
    if (d.pixels.empty()) {
      x.col(j) = d.x.col(i).template cast<T>();
    } else {
      const std::uint8_t* p = d.pixels.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(d.pixel_dims);
      for (int r = 0; r < d.pixel_dims; ++r) x(r, j) = static_cast<T>(p[r]) * inv255;
    }
    y[static_cast<std::size_t>(j)] = d.y[static_cast<std::size_t>(i)];
  }
}

template void gather<float>(const Dataset&, const std::vector<int>&, std::size_t, std::size_t, Mat<float>&,
                            std::vector<int>&);
template void gather<double>(const Dataset&, const std::vector<int>&, std::size_t, std::size_t, Mat<double>&,
                             std::vector<int>&);

}  // namespace bnlab
