#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "bnlab/dataset.h"
#include "bnlab/error.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {
DataConfig config(const std::string& kind, int n_train = 400, double noise = 0.1, int classes = 2) {
  DataConfig d;
  d.kind = kind;
  d.n_train = n_train;
  d.n_test = 300;
  d.noise = noise;
  d.classes = classes;
  return d;
}
}  // namespace

TEST_CASE("Every data set has balanced classes", "[dataset]") {
  const std::string kind = GENERATE("moons", "circles", "spirals", "xor", "blobs");
  const int classes = GENERATE(2, 3, 7);
  const int n = GENERATE(10, 101);
  CAPTURE(kind, classes, n);
  const DataConfig c = config(kind, n, 0.1, classes);
  const Dataset d = make_dataset(c, n, 1, true);
  const int K = c.num_classes();
  CHECK(d.classes == K);
  CHECK(d.size() == n);
  CHECK(d.dims() == 2);
  std::vector<int> count(static_cast<std::size_t>(K), 0);
  for (int y : d.y) {
    REQUIRE(y >= 0);
    REQUIRE(y < K);
    ++count[static_cast<std::size_t>(y)];
  }
  const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
  CHECK(*hi - *lo <= 1);
  CHECK(d.x.allFinite());
}

TEST_CASE("Label noise flips exactly round(f N) distinct training labels to another class", "[dataset]") {
  const auto fn = GENERATE(std::make_pair(0.3, 101), std::make_pair(0.25, 10), std::make_pair(0.5, 7),
                           std::make_pair(0.1, 1000), std::make_pair(0.01, 30));
  const std::string kind = GENERATE("moons", "spirals");
  CAPTURE(fn.first, fn.second, kind);
  DataConfig c = config(kind, fn.second, 0.1, 4);
  const Dataset clean = make_dataset(c, fn.second, 2, true);
  c.label_flip = fn.first;
  const Dataset noisy = make_dataset(c, fn.second, 2, true);
  // round half up: 0.25 x 10 = 2.5 -> 3, 0.5 x 7 = 3.5 -> 4, 0.01 x 30 = 0.3 -> 0.
  const int expected = static_cast<int>(std::floor(fn.first * fn.second + 0.5));
  CHECK(static_cast<int>(noisy.flipped.size()) == expected);
  CHECK(std::set<int>(noisy.flipped.begin(), noisy.flipped.end()).size() == noisy.flipped.size());
  // The inputs are those of the clean set; exactly the flipped labels differ.
  CHECK_THAT(noisy.x, AllClose(clean.x, 0.0));
  int differ = 0;
  for (int i = 0; i < noisy.size(); ++i) {
    const bool flipped = std::count(noisy.flipped.begin(), noisy.flipped.end(), i) > 0;
    const bool changed = noisy.y[static_cast<std::size_t>(i)] != clean.y[static_cast<std::size_t>(i)];
    CHECK(flipped == changed);
    differ += changed;
    REQUIRE(noisy.y[static_cast<std::size_t>(i)] < noisy.classes);
  }
  CHECK(differ == expected);
}

TEST_CASE("Test sets are clean and independent of the training-set size", "[dataset]") {
  DataConfig a = config("spirals", 100), b = config("spirals", 5000);
  a.label_flip = 0.3;
  const Dataset ta = make_test_set(a, 9), tb = make_test_set(b, 9);
  CHECK_THAT(ta.x, AllClose(tb.x, 0.0));
  CHECK(ta.y == tb.y);
  CHECK(ta.flipped.empty());
  CHECK(ta.size() == 300);
  SECTION("and differ from the training set and across seeds") {
    const Dataset train = make_dataset(a, 300, 9, true);
    CHECK((train.x - ta.x).cwiseAbs().maxCoeff() > 0.1);
    CHECK((make_test_set(a, 10).x - ta.x).cwiseAbs().maxCoeff() > 0.1);
  }
  SECTION("the same seed gives the same training set") {
    CHECK_THAT(make_train_set(a, 4).x, AllClose(make_train_set(a, 4).x, 0.0));
  }
}

TEST_CASE("Noise-free data sets have their stated shapes", "[dataset]") {
  SECTION("circles: radius 1 for class 0, 0.5 for class 1") {
    const Dataset d = make_train_set(config("circles", 200, 0.0), 1);
    for (int i = 0; i < d.size(); ++i)
      REQUIRE_THAT(d.x.col(i).norm(), WithinAbs(d.y[static_cast<std::size_t>(i)] == 0 ? 1.0 : 0.5, 1e-14));
  }
  SECTION("xor: the class is the sign of x0 x1") {
    const Dataset d = make_train_set(config("xor", 200, 0.0), 2);
    for (int i = 0; i < d.size(); ++i) {
      REQUIRE(std::abs(d.x(0, i)) <= 1.0);
      REQUIRE(d.y[static_cast<std::size_t>(i)] == (d.x(0, i) * d.x(1, i) > 0 ? 0 : 1));
    }
  }
  SECTION("moons: unit half circles centred at (-0.5, -0.25) and (0.5, 0.25)") {
    const Dataset d = make_train_set(config("moons", 200, 0.0), 3);
    for (int i = 0; i < d.size(); ++i) {
      const int c = d.y[static_cast<std::size_t>(i)];
      const double cx = c == 0 ? -0.5 : 0.5, cy = c == 0 ? -0.25 : 0.25;
      const double dx = d.x(0, i) - cx, dy = d.x(1, i) - cy;
      REQUIRE_THAT(std::hypot(dx, dy), WithinAbs(1.0, 1e-14));
      REQUIRE((c == 0 ? dy : -dy) >= -1e-15);  // upper half for class 0, lower for class 1
    }
  }
  SECTION("spirals: radius in (0.06, 1.2], K arms") {
    const Dataset d = make_train_set(config("spirals", 300, 0.0, 3), 4);
    CHECK(d.classes == 3);
    for (int i = 0; i < d.size(); ++i) {
      const double r = d.x.col(i).norm();
      REQUIRE(r >= 0.06 - 1e-12);
      REQUIRE(r <= 1.2 + 1e-12);
    }
  }
  SECTION("blobs: class means near their centres on a circle of radius 1.5") {
    const int K = 4, n = 4000;
    const Dataset d = make_train_set(config("blobs", n, 0.0, K), 5);
    for (int c = 0; c < K; ++c) {
      double mx = 0, my = 0;
      for (int i = c; i < n; i += K) {
        mx += d.x(0, i);
        my += d.x(1, i);
      }
      mx /= n / K;
      my /= n / K;
      // Each coordinate has std 0.5: the mean of n/K has std 0.5 / sqrt(1000); 5 sigma.
      const double tol = 5.0 * 0.5 / std::sqrt(n / K);
      CHECK_THAT(mx, WithinAbs(1.5 * std::cos(2 * M_PI * c / K), tol));
      CHECK_THAT(my, WithinAbs(1.5 * std::sin(2 * M_PI * c / K), tol));
    }
  }
}

TEST_CASE("Input noise has the requested standard deviation", "[dataset]") {
  // Circles: the radial offset of a noisy point from its clean circle is ~N(0, noise^2) to first order.
  const double noise = 0.05;
  const int n = 4000;
  const Dataset d = make_train_set(config("circles", n, noise), 6);
  double sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double r = d.x.col(i).norm() - (d.y[static_cast<std::size_t>(i)] == 0 ? 1.0 : 0.5);
    sum2 += r * r;
  }
  // The tangential part adds a bias ~ noise^2 / (2 r): 0.1% on the rms at r = 0.5; the rms of n
  // samples has a relative std of 1/sqrt(2n) = 1.1%. 10% is 9 sigma; a noise of 2x or 0 fails.
  CHECK_THAT(std::sqrt(sum2 / n), WithinAbs(noise, 0.1 * noise));
}

TEST_CASE("Input transforms: rotation, scale, anisotropy and translation", "[dataset]") {
  Dataset d;
  d.x.resize(2, 3);
  d.x << 1, 0, 2,  //
      0, 1, -1;
  d.y = {0, 1, 0};
  SECTION("rotation by 90 degrees maps (x, y) to (-y, x)") {
    InputTransform t;
    t.rotate_deg = 90;
    MatD expected(2, 3);
    expected << 0, -1, 1,  //
        1, 0, 2;
    CHECK_THAT(transform(d, t).x, AllClose(expected, 0.0, 1e-15));
  }
  SECTION("rotation by 180 degrees negates; 360 is the identity") {
    InputTransform t;
    t.rotate_deg = 180;
    CHECK_THAT(transform(d, t).x, AllClose(-d.x, 0.0, 1e-15));
    t.rotate_deg = 360;
    CHECK_THAT(transform(d, t).x, AllClose(d.x, 0.0, 1e-15));
  }
  SECTION("x' = scale R diag(sx, sy) x + t, in that order") {
    InputTransform t;
    t.sx = 2;
    t.sy = 3;
    t.scale = 0.5;
    t.rotate_deg = 90;
    t.tx = 10;
    t.ty = -1;
    // Column (2, -1): diag -> (4, -3), rotate 90 -> (3, 4), scale -> (1.5, 2), translate -> (11.5, 1).
    const Dataset out = transform(d, t);
    CHECK_THAT(out.x(0, 2), WithinAbs(11.5, 1e-14));
    CHECK_THAT(out.x(1, 2), WithinAbs(1.0, 1e-14));
    CHECK(out.y == d.y);
  }
  SECTION("the identity leaves the data alone") {
    InputTransform t;
    CHECK(t.identity());
    CHECK_THAT(transform(d, t).x, AllClose(d.x, 0.0));
  }
  SECTION("out-of-range transforms are refused with the field's name") {
    InputTransform t;
    t.scale = 0;
    CHECK_THROWS_WITH(transform(d, t), Contains("transform.scale"));
    t = InputTransform{};
    t.rotate_deg = 400;
    CHECK_THROWS_WITH(transform(d, t), Contains("transform.rotate_deg"));
  }
}

TEST_CASE("gather copies the chosen columns and labels", "[dataset]") {
  const Dataset d = make_train_set(config("moons", 20), 7);
  Mat<float> x;
  std::vector<int> y;
  gather(d, {5, 2, 19, 0}, 1, 3, x, y);
  REQUIRE(x.cols() == 2);
  CHECK(x(0, 0) == static_cast<float>(d.x(0, 2)));
  CHECK(x(1, 1) == static_cast<float>(d.x(1, 19)));
  CHECK(y == std::vector<int>{d.y[2], d.y[19]});
}

TEST_CASE("Bad data settings are refused with the field's name", "[dataset][errors]") {
  DataConfig c = config("moons");
  c.kind = "swirls";
  CHECK_THROWS_WITH(make_train_set(c, 1), Contains("data.kind"));
  c = config("moons");
  c.label_flip = 0.6;
  CHECK_THROWS_WITH(make_train_set(c, 1), Contains("data.label_flip"));
  c = config("moons");
  c.n_train = 1;
  CHECK_THROWS_WITH(make_train_set(c, 1), Contains("data.n_train"));
  c = config("blobs");
  c.classes = 9;
  CHECK_THROWS_WITH(make_train_set(c, 1), Contains("data.classes"));
}
