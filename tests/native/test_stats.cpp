#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/rng.h"
#include "bnlab/stats.h"

using namespace bnlab;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("mean, variance and kurtosis equal hand computations", "[stats]") {
  // 1, 2, 3, 6: mean 3, squared deviations 4 1 0 9 (sum 14), fourth powers 16 1 0 81 (sum 98).
  const std::vector<double> v{1, 2, 3, 6};
  CHECK(stats::mean(v) == 3.0);
  CHECK_THAT(stats::variance(v), WithinRel(14.0 / 3.0, 1e-15));
  CHECK_THAT(stats::stddev(v), WithinRel(std::sqrt(14.0 / 3.0), 1e-15));
  CHECK_THAT(stats::kurtosis(v), WithinRel((98.0 / 4) / ((14.0 / 4) * (14.0 / 4)), 1e-15));
  CHECK(stats::variance({5.0}) == 0.0);
  CHECK(stats::mean({}) == 0.0);
}

TEST_CASE("percentile interpolates between order statistics like numpy", "[stats]") {
  const std::vector<double> v{10, 1, 4, 3};  // sorted 1 3 4 10
  CHECK(stats::percentile(v, 0) == 1.0);
  CHECK(stats::percentile(v, 100) == 10.0);
  CHECK_THAT(stats::percentile(v, 50), WithinRel(3.5, 1e-15));   // position 1.5
  CHECK_THAT(stats::percentile(v, 90), WithinRel(8.2, 1e-14));   // position 2.7: 4 + 0.7 * 6
  CHECK_THROWS_AS(stats::percentile({}, 50), Error);
  CHECK_THROWS_AS(stats::percentile(v, 101), Error);
}

TEST_CASE("Student t quantiles match published values", "[stats]") {
  CHECK(stats::t_quantile_975(1) == 12.7062);
  CHECK(stats::t_quantile_975(9) == 2.2622);
  CHECK(stats::t_quantile_975(30) == 2.0423);
  // Beyond the table: t_{0.975} for df 40, 60, 120 is 2.0211, 2.0003, 1.9799 (4 decimals).
  CHECK_THAT(stats::t_quantile_975(40), WithinAbs(2.0211, 1e-4));
  CHECK_THAT(stats::t_quantile_975(60), WithinAbs(2.0003, 1e-4));
  CHECK_THAT(stats::t_quantile_975(120), WithinAbs(1.9799, 1e-4));
  CHECK_THAT(stats::t_quantile_975(100000), WithinAbs(1.96, 1e-4));
  CHECK_THROWS_AS(stats::t_quantile_975(0), Error);
}

TEST_CASE("The 95% t-interval is t s / sqrt(n)", "[stats]") {
  const std::vector<double> v{1, 2, 3, 6};
  const stats::Interval i = stats::t_interval95(v);
  CHECK(i.n == 4);
  CHECK(i.mean == 3.0);
  CHECK_THAT(i.half_width, WithinRel(3.1824 * std::sqrt(14.0 / 3.0) / 2.0, 1e-14));
  CHECK(stats::t_interval95({2.0}).half_width == 0.0);
}

TEST_CASE("Finite-population noise theory matches sampling without replacement", "[stats]") {
  // Exact values: m = N gives zero, m = 1 gives sqrt((N-1)/(N-1)) = 1 for the mean.
  CHECK(stats::theory_mean_noise(100, 100) == 0.0);
  CHECK_THAT(stats::theory_mean_noise(1, 100), WithinRel(1.0, 1e-15));
  CHECK_THAT(stats::theory_mean_noise(64, 1024), WithinRel(std::sqrt(960.0 / (64.0 * 1023.0)), 1e-15));
  CHECK(stats::theory_var_noise(100, 100, 3.0) == 0.0);
  CHECK_THAT(stats::theory_var_noise(64, 1024, 3.0), WithinRel(std::sqrt(2.0 / 63) * std::sqrt(960.0 / 1023), 1e-15));
  SECTION("and a simulation: std of the mean of m draws without replacement") {
    // 20000 batches of m = 16 from a fixed population of N = 64; the std of a std estimate from
    // k samples is about 1/sqrt(2k) relative: 0.5%, so 3% is 6 sigma.
    Rng rng(3);
    const int N = 64, m = 16, k = 20000;
    std::vector<double> pop(N);
    for (double& x : pop) x = rng.normal();
    const double sigma = std::sqrt(stats::variance(pop) * (N - 1) / N);  // population std (over N)
    std::vector<double> means;
    for (int b = 0; b < k; ++b) {
      const std::vector<int> p = rng.permutation(N);
      double s = 0;
      for (int j = 0; j < m; ++j) s += pop[static_cast<std::size_t>(p[static_cast<std::size_t>(j)])];
      means.push_back(s / m);
    }
    CHECK_THAT(stats::stddev(means) / sigma, WithinRel(stats::theory_mean_noise(m, N), 0.03));
  }
}
