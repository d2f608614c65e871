#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/experiments/noise.h"
#include "bnlab/stats.h"
#include "chapter_support.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

json run_noise(json spec) { return test::run_chapter("noise", std::move(spec), 500); }

std::vector<double> numbers(const json& a) { return a.get<std::vector<double>>(); }

std::string refusal(const json& spec) { return test::refusal_of("noise", spec); }

}  // namespace

// The standard error of a standard deviation estimated from R draws is about 1/sqrt(2R): 1.1% at
// R = 4000. The 32 units of layer 1 are projections of the same 2-d inputs, so averaging over them
// gains little; 5% is about 4 standard errors.
TEST_CASE("The batch mean's noise matches the finite-population theory within 5%", "[noise]") {
  const json r = run_noise({{"data", {{"n_train", 512}}}, {"batch_sizes", {16, 64, 256}}, {"batches", 4000}});
  const std::vector<double> measured = numbers(r["mean_noise"]), theory = numbers(r["mean_noise_theory"]);
  const int N = 512;
  const std::vector<int> m{16, 64, 256};
  for (std::size_t k = 0; k < m.size(); ++k) {
    CAPTURE(m[k]);
    CHECK_THAT(theory[k], WithinRel(stats::theory_mean_noise(m[k], N), 1e-12));
    CHECK_THAT(measured[k], WithinRel(theory[k], 0.05));
  }
  // At 256 = N/2 the correction matters: the i.i.d. 1/sqrt(m) is 41% higher than what is measured.
  CHECK(measured[2] < 0.8 / std::sqrt(256.0));
}

// With N = 512 a batch of 512 is the whole set (zero noise), so the 64 -> 512 ratio is tested on a
// larger population, N = 4096, where the theory ratio is sqrt(8 (N-64)/(N-512)) = 3.00 (2.83 i.i.d.);
// and 64 -> 256 on N = 512 itself (theory sqrt(7) = 2.65).
TEST_CASE("From batch 64 to 512 the batch mean's noise falls by the theory's ratio within 10%", "[noise]") {
  SECTION("N = 4096: 64 -> 512") {
    const json r = run_noise({{"data", {{"n_train", 4096}}}, {"batch_sizes", {64, 512}}, {"batches", 2000}});
    const std::vector<double> mn = numbers(r["mean_noise"]), th = numbers(r["mean_noise_theory"]);
    CHECK_THAT(th[0] / th[1], WithinRel(3.0, 0.001));
    CHECK_THAT(mn[0] / mn[1], WithinRel(th[0] / th[1], 0.10));
    CHECK_THAT(r["takeaway"].get<std::string>(), Contains("Batch 64 -> 512"));
  }
  SECTION("N = 512: 64 -> 256") {
    const json r = run_noise({{"data", {{"n_train", 512}}}, {"batch_sizes", {64, 256}}, {"batches", 2000}});
    const std::vector<double> mn = numbers(r["mean_noise"]), th = numbers(r["mean_noise_theory"]);
    CHECK_THAT(th[0] / th[1], WithinRel(std::sqrt(7.0), 0.001));
    CHECK_THAT(mn[0] / mn[1], WithinRel(th[0] / th[1], 0.10));
  }
}

// The default population is 60,000 examples: batch 512 is a real mini-batch, its noise the lecture's
// 1/sqrt(512) = 0.044 sigma up to the correction sqrt((N-m)/(N-1)) = 0.996. Tolerance as above:
// R = 4000 gives a standard error of ~1.1% on a std, 5% is about 4 of them.
TEST_CASE("At the default population a batch of 512 is a real mini-batch with 1/sqrt(512) noise", "[noise]") {
  const NoiseSpec s = parse_noise_spec({{"chapter", "noise"}});
  REQUIRE(s.data.n_train == 60000);
  const json r = run_noise({{"batch_sizes", {64, 512}}, {"batches", 4000}});
  CHECK(r["population"] == 60000);
  CHECK(r["full_batch"] == json({false, false}));
  const std::vector<double> mn = numbers(r["mean_noise"]), th = numbers(r["mean_noise_theory"]);
  const double fpc = std::sqrt((60000.0 - 512) / (60000.0 - 1));
  CHECK_THAT(th[1], WithinRel(fpc / std::sqrt(512.0), 1e-12));
  CHECK_THAT(mn[1], WithinRel(th[1], 0.05));
  CHECK_THAT(mn[0] / mn[1], WithinRel(th[0] / th[1], 0.10));  // 2.82 (2.83 i.i.d.)
  const std::string t = r["takeaway"].get<std::string>();
  CHECK_THAT(t, Contains("Batch 64 -> 512"));
  CHECK_THAT(t, Contains("At batch 512"));
  CHECK_THAT(t, Contains("N = 60,000"));
  CHECK_THAT(t, !Contains("full batch"));
}

TEST_CASE("The batch variance's noise follows the theory with the measured kurtosis, not the Gaussian one",
          "[noise]") {
  const json r = run_noise({{"batch_sizes", {16, 64, 256}}, {"batches", 4000}});
  const std::vector<double> vn = numbers(r["var_noise"]), th = numbers(r["var_noise_theory"]),
                            gauss = numbers(r["var_noise_gaussian"]);
  // Moons' layer-1 units are light-tailed (kurtosis ~2 < 3): fewer extreme values, steadier variance.
  CHECK(r["kurtosis"]["mean"].get<double>() < 2.5);
  for (std::size_t k = 0; k < vn.size(); ++k) {
    CAPTURE(k);
    CHECK_THAT(vn[k], WithinRel(th[k], 0.05));
    CHECK(gauss[k] > 1.2 * vn[k]);
  }
}

TEST_CASE("The full batch has zero noise and is labelled as such", "[noise]") {
  const json r = run_noise({{"data", {{"n_train", 512}}}, {"batch_sizes", {64, 512}}, {"batches", 50}});
  CHECK(r["full_batch"] == json({false, true}));
  CHECK(r["batches"] == json({50, 0}));
  CHECK(r["mean_noise"][1].get<double>() == 0.0);
  CHECK(r["var_noise"][1].get<double>() == 0.0);
  CHECK(r["mean_noise_theory"][1].get<double>() == 0.0);
  CHECK(r["example_noise"][1].get<double>() == 0.0);
  CHECK(r["mean_noise"][0].get<double>() > 0.05);
  CHECK_THAT(r["takeaway"].get<std::string>(), Contains("full batch"));
}

TEST_CASE("Dropout's noise does not depend on the batch size while BN's falls", "[noise]") {
  const json r = run_noise({{"data", {{"n_train", 512}}}, {"batch_sizes", {16, 64, 256, 512}}, {"batches", 400}});
  const double p = 0.2, theory = std::sqrt(p / (1 - p));
  const std::vector<double> rel = numbers(r["dropout"]["relative_std"]),
                            drop_ex = numbers(r["dropout"]["example_noise"]), bn_ex = numbers(r["example_noise"]);
  for (double x : rel) CHECK_THAT(x, WithinRel(theory, 0.03));
  const auto [lo, hi] = std::minmax_element(drop_ex.begin(), drop_ex.end());
  CHECK(*hi / *lo < 1.05);
  CHECK(bn_ex[0] / bn_ex[2] > 3.0);
  // BN's per-example perturbation follows its first-order theory sqrt(mean^2 + var^2 / 4).
  const std::vector<double> bn_th = numbers(r["example_noise_theory"]);
  for (std::size_t k = 0; k < 3; ++k) CHECK_THAT(bn_ex[k], WithinRel(bn_th[k], 0.10));
}

TEST_CASE("One layer up, a BN net's batch mean is far steadier than 1/sqrt(m), a plain net's is not", "[noise]") {
  SECTION("with BN") {
    const json r = run_noise({{"batch_sizes", {16, 64, 256}}, {"batches", 1000}});
    REQUIRE(r["deeper"]["layer"] == 2);
    const std::vector<double> mn = numbers(r["deeper"]["mean_noise"]), th = numbers(r["deeper"]["mean_noise_theory"]);
    for (std::size_t k = 0; k < mn.size(); ++k) CHECK(mn[k] < 0.4 * th[k]);
  }
  SECTION("without BN") {
    const json r = run_noise({{"model", {{"batch_norm", false}}}, {"batch_sizes", {16, 64, 256}}, {"batches", 1000}});
    const std::vector<double> mn = numbers(r["deeper"]["mean_noise"]), th = numbers(r["deeper"]["mean_noise_theory"]);
    for (std::size_t k = 0; k < mn.size(); ++k) CHECK_THAT(mn[k], WithinRel(th[k], 0.10));
  }
  SECTION("the last hidden layer has no layer above") {
    const json r = run_noise({{"layer", 2}, {"batch_sizes", {64}}, {"batches", 50}});
    CHECK(r["deeper"].is_null());
  }
}

TEST_CASE("The noise explorer is a pure function of its spec and reports partial results", "[noise]") {
  const json spec = {{"chapter", "noise"}, {"batch_sizes", {32, 128}}, {"batches", 100}, {"seeds", 2},
                     {"train_steps", 20}};
  const json a = run_noise(spec), b = run_noise(spec);
  CHECK(a == b);
  CHECK(a["seed_runs"].size() == 2);
  CHECK_THAT(a["frozen"]["description"].get<std::string>(), Contains("after 20 training steps"));

  std::unique_ptr<Experiment> e = find_chapter("noise").make(spec);
  e->advance(20 + 100);  // the training steps and the first batch size of seed 1
  const json partial = e->result();
  CHECK_FALSE(partial["complete"].get<bool>());
  CHECK(partial["mean_noise"][0].is_number());
  CHECK(partial["mean_noise"][1].is_null());
  CHECK_THAT(partial["progress"].get<double>(), WithinAbs(120.0 / 440.0, 1e-9));
}

// Units: one per training step and one per batch drawn (one for the full batch), planned up front;
// a training run that diverges skips its remaining steps, and they are counted as done then.
TEST_CASE("Noise progress moves in whole units of the plan and reaches 1 with the last, after a diverged training",
          "[noise]") {
  const json spec = {{"seeds", 2}, {"batch_sizes", {16, 64}}, {"batches", 20}, {"train_steps", 200}, {"train", {{"lr", 10.0}}}};
  const test::UnitByUnit run = test::run_unit_by_unit("noise", spec);
  REQUIRE_THAT(run.result["frozen"]["description"].get<std::string>(), Contains("diverged"));
  const double total = 2 * (200 + 20 + 20);
  CHECK(test::exact_progress(run.progress, total) == "");
  CHECK(run.progress.size() < total);  // the diverged training's skipped steps took no unit
  CHECK_THAT(run.progress[run.progress.size() - 2], WithinAbs((total - 1) / total, 1e-12));
}

TEST_CASE("Bad noise specs are refused with the field's name", "[noise][errors]") {
  CHECK_THAT(refusal({{"layer", 3}}), Contains("spec.layer = 3"));
  CHECK_THAT(refusal({{"batch_sizes", {64, 32}}}), Contains("strictly increasing"));
  CHECK_THAT(refusal({{"data", {{"n_train", 512}}}, {"batch_sizes", {1024}}}), Contains("spec.batch_sizes[0] = 1024"));
  CHECK_THAT(refusal({{"batch_sizes", {64, 100000}}}), Contains("spec.batch_sizes[1] = 100000"));
  CHECK_THAT(refusal({{"model", {{"dropout", 0.5}}}}), Contains("spec.model.dropout"));
  CHECK_THAT(refusal({{"batches", 5}}), Contains("spec.batches = 5"));
  CHECK_THAT(refusal({{"batchs", 5}}), Contains("unknown field"));
  CHECK(refusal(find_chapter("noise").preset()) == "(accepted)");
}
