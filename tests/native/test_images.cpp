#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../../native/cli/data_files.h"
#include "fashion_data.h"
#include "bnlab/api.h"
#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/experiments/images.h"
#include "bnlab/idx.h"
#include "bnlab/model.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

void put_u32(std::string& s, std::uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
}

// One IDX images part of n images of r x c pixels (pixel value = index mod 251) and its labels.
std::string idx_pair(std::uint32_t n, std::uint32_t r, std::uint32_t c, int classes) {
  std::string s;
  put_u32(s, 0x803);
  put_u32(s, n);
  put_u32(s, r);
  put_u32(s, c);
  for (std::uint32_t i = 0; i < n * r * c; ++i) s += static_cast<char>(i % 251);
  put_u32(s, 0x801);
  put_u32(s, n);
  for (std::uint32_t i = 0; i < n; ++i) s += static_cast<char>(i % static_cast<std::uint32_t>(classes));
  return s;
}

std::string error_of(const std::string& bytes) {
  try {
    parse_image_bundle(bytes, kFashionMnist, 10);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using bnlab_test::fashion_bundle;
using bnlab_test::have_data;

json run_images(const json& spec) {
  Session s;
  REQUIRE(s.provide_data(kFashionMnist, fashion_bundle()).ok);
  const Outcome started = s.start(spec.dump());
  REQUIRE(started.ok);
  while (!s.done()) REQUIRE(s.advance(500).ok);
  return json::parse(s.result_json());
}

}  // namespace

TEST_CASE("An IDX bundle parses into image sets of bytes with their labels", "[images]") {
  const ImageData d = parse_image_bundle(idx_pair(5, 2, 3, 10) + idx_pair(4, 2, 3, 10), kFashionMnist, 10);
  CHECK(d.rows == 2);
  CHECK(d.cols == 3);
  CHECK(d.train.size() == 5);
  CHECK(d.test.size() == 4);
  CHECK(d.train.dims() == 6);
  CHECK(d.train.pixels.size() == 30);
  CHECK(d.train.y == std::vector<int>{0, 1, 2, 3, 4});
  // gather scales the bytes to [0, 1].
  Mat<float> x;
  std::vector<int> y;
  gather(d.train, std::vector<int>{1, 4}, 0, 2, x, y);
  CHECK(x.rows() == 6);
  CHECK(x(0, 0) == static_cast<float>(6) * static_cast<float>(1.0 / 255.0));
  CHECK(x(5, 1) == static_cast<float>(29) * static_cast<float>(1.0 / 255.0));
  CHECK(y == std::vector<int>{1, 4});
}

TEST_CASE("A bad IDX bundle is refused with a message naming the part and the problem", "[images][errors]") {
  const std::string good = idx_pair(5, 2, 3, 10) + idx_pair(4, 2, 3, 10);
  std::string bad_magic = good;
  bad_magic[3] = 0x01;
  CHECK_THAT(error_of(bad_magic), StartsWith("data fashion-mnist: train-images: magic number 0x00000801: must be 0x00000803"));
  CHECK_THAT(error_of(good.substr(0, good.size() - 2)), StartsWith("data fashion-mnist: test-labels: has 2 bytes of data: its header promises 4"));
  CHECK_THAT(error_of(good + "x"), StartsWith("data fashion-mnist: test-labels: 1 bytes follow the last part"));
  CHECK_THAT(error_of(idx_pair(5, 2, 3, 10)), StartsWith("data fashion-mnist: test-images: ends inside its header"));
  CHECK_THAT(error_of(idx_pair(5, 2, 3, 10) + idx_pair(4, 3, 3, 10)), Contains("images are 3 x 3: the training images are 2 x 3"));
  CHECK_THAT(error_of(idx_pair(12, 1, 1, 12) + idx_pair(1, 1, 1, 10)), StartsWith("data fashion-mnist: train-labels: label 10 of example 10: must be in [0, 9]"));
  CHECK_THAT(error_of(""), Contains("a bundle is 4 IDX files"));
}

TEST_CASE("The images chapter without its data says what is missing and how to get it", "[images][errors]") {
  Session s;
  const Outcome o = s.start(R"({"chapter": "images"})");
  REQUIRE_FALSE(o.ok);
  CHECK_THAT(o.error, StartsWith("data fashion-mnist: not provided: install dataset-fashion-mnist (bash scripts/setup.sh)"));
  CHECK(required_data("images") == "fashion-mnist");
  CHECK(required_data("speed").empty());
  const Outcome wrong = s.provide_data("mnist", "abc");
  REQUIRE_FALSE(wrong.ok);
  CHECK(wrong.error == "data name \"mnist\": must be one a chapter needs (fashion-mnist)");
  // Provided but corrupt: the loader's message.
  REQUIRE(s.provide_data(kFashionMnist, "garbage").ok);
  CHECK_THAT(s.start(R"({"chapter": "images"})").error, StartsWith("data fashion-mnist: train-images: magic number"));
}

TEST_CASE("The images spec: Ioffe & Szegedy's net by default, fields checked", "[images][spec]") {
  const ImagesSpec s = parse_images_spec(json{{"chapter", "images"}});
  CHECK(s.model.inputs == 784);
  CHECK(s.model.hidden == std::vector<int>{100, 100, 100});
  CHECK(s.model.outputs == 10);
  CHECK(s.model.activation == ActivationKind::Sigmoid);
  CHECK(s.model.init_std == 0.1);
  CHECK(s.train.batch_size == 60);
  CHECK(s.train.optimizer.momentum == 0.0);
  CHECK(s.train.optimizer.lr == 0.1);
  auto err = [](json j) {
    j["chapter"] = "images";
    try {
      parse_images_spec(j);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(err({{"probe_unit", 100}}), StartsWith("spec.probe_unit = 100: must be in [0, 99]"));
  CHECK_THAT(err({{"data", {{"source", "mnist"}}}}), StartsWith("spec.data.source = \"mnist\""));
  CHECK_THAT(err({{"model", {{"init_std", -1}}}}), StartsWith("spec.model.init_std = -1"));
  CHECK_THAT(err({{"train", {{"batch_size", 1}}}}), StartsWith("spec.train.batch_size = 1"));
  CHECK_THAT(err({{"data", {{"n_test", 100}}}}), StartsWith("spec.probe_size = 256: must be <= spec.data.n_test (100)"));
}

TEST_CASE("init_std draws every weight from N(0, init_std^2)", "[images][model]") {
  MlpConfig m = parse_images_spec(json{{"chapter", "images"}}).model;
  Rng rng(7);
  Mlp<double> net(m, rng);
  for (int l = 0; l <= net.depth(); ++l) {
    const MatD& W = net.linear(l).W;
    const double n = static_cast<double>(W.size());
    const double mean = W.mean();
    const double sd = std::sqrt((W.array() - mean).square().sum() / (n - 1));
    // Standard errors: 0.1 / sqrt(n) for the mean, 0.1 / sqrt(2n) for the sd; 5 of them.
    CHECK(std::abs(mean) < 5 * 0.1 / std::sqrt(n));
    CHECK(std::abs(sd - 0.1) < 5 * 0.1 / std::sqrt(2 * n));
  }
  // 0 keeps every other chapter's He / Glorot initialisation.
  m.init_std = 0.0;
  Rng a(7);
  Mlp<double> glorot(m, a);
  CHECK(std::abs(glorot.linear(0).W.array().square().mean() - 2.0 / (784 + 100)) < 0.1 * 2.0 / (784 + 100));
}

TEST_CASE("Images: a short run on the real data has the documented shape", "[images][slow]") {
  if (!have_data()) return;
  const json r = run_images({{"chapter", "images"}, {"steps", 40}, {"eval_every", 20}, {"probe_every", 20},
                             {"data", {{"n_train", 3000}, {"n_test", 600}}}, {"examples", 12}});
  CHECK(r["complete"] == true);
  CHECK(r["data"]["n_train"] == 3000);
  CHECK(r["data"]["n_test"] == 600);
  CHECK(r["classes"].size() == 10);
  CHECK(r["classes"][9] == "Ankle boot");
  for (const char* k : {"plain", "bn"}) {
    const json& n = r["nets"][k];
    CHECK(n["eval_step"] == json::array({0, 20, 40}));
    CHECK(n["percentiles"]["step"] == json::array({0, 20, 40}));
    CHECK(n["final_accuracy"].is_number());
    CHECK(r["examples"][k]["class"].size() == 12);
  }
  // One image of each class first, then the next of each: labels 0..9, 0, 1.
  CHECK(r["examples"]["label"] == json::array({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}));
  CHECK(r["examples"]["pixels"][0].get<std::string>().size() == 4 * ((784 + 2) / 3));
  CHECK(r["test_time"]["batch"][0]["size"] == 1);
  // Asking for more than was provided names the field and the count.
  Session s;
  REQUIRE(s.provide_data(kFashionMnist, fashion_bundle()).ok);
  CHECK_THAT(s.start(R"({"chapter": "images", "data": {"n_train": 70000}})").error,
             StartsWith("spec.data.n_train = 70000: must be <= 60000 (the training images provided; 0 = all)"));
}

TEST_CASE("Images: BN is far ahead after 1000 steps, its inputs drift less, and a test batch of one is at chance",
          "[images][slow]") {
  if (!have_data()) return;
  // Three seeds of the preset (all 60000 / 10000 images), fewer evaluations to save time.
  const json r = run_images({{"chapter", "images"}, {"seed", 1}, {"seeds", 3}, {"eval_every", 1000},
                             {"probe_every", 10}, {"test_batch_sizes", {1}}});
  REQUIRE(r["seed_runs"].size() == 3);
  // Measured on seeds 1-5 (docs/chapters/images.md): BN - plain test accuracy 0.239 to 0.336,
  // mean 0.283, sd 0.043 over seeds. Bounds: mean - 4 sd for one seed, mean - 4 sd / sqrt(3) for
  // the mean of three. All-unit drift: BN / plain 0.10 to 0.11 (plain 1.13-1.34, BN 0.123-0.126).
  const double mean = 0.283, sd = 0.043;
  double gap_sum = 0.0;
  for (const json& s : r["seed_runs"]) {
    INFO("seed " << s["seed"]);
    const double gap = s["bn_accuracy"].get<double>() - s["plain_accuracy"].get<double>();
    gap_sum += gap;
    CHECK(gap > mean - 4 * sd);
    CHECK(s["bn_drift_all"].get<double>() < 0.25 * s["plain_drift_all"].get<double>());
    // A batch of one: one answer for all 10000 test images, i.e. the share of one class. Chance is
    // 10%; binomial sd sqrt(0.1 * 0.9 / 10000) = 0.003, tolerance 4 sd.
    CHECK(std::abs(s["bn_batch1_accuracy"].get<double>() - 0.1) < 4 * std::sqrt(0.1 * 0.9 / 10000));
  }
  CHECK(gap_sum / 3 > mean - 4 * sd / std::sqrt(3.0));
  CHECK(r["test_time"]["batch1_one_answer"] == true);
}
