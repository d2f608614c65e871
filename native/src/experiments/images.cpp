#include "bnlab/experiments/images.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "bnlab/error.h"
#include "bnlab/experiments/plumbing.h"
#include "bnlab/idx.h"
#include "bnlab/loss.h"

namespace bnlab {

namespace {

const char* const kNetNames[2] = {"plain", "bn"};

std::string base64(const std::uint8_t* p, std::size_t n) {
  static const char* const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t v = (static_cast<std::uint32_t>(p[i]) << 16) |
                            (i + 1 < n ? static_cast<std::uint32_t>(p[i + 1]) << 8 : 0u) |
                            (i + 2 < n ? static_cast<std::uint32_t>(p[i + 2]) : 0u);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < n ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < n ? abc[v & 63] : '=';
  }
  return out;
}

// Keeps the first n examples of an image set (0 = all); `field` names the spec field.
void keep_first(Dataset& d, int n, const std::string& field, const char* what) {
  if (n == 0) return;
  if (n > d.size())
    throw Error(field + " = " + std::to_string(n) + ": must be <= " + std::to_string(d.size()) + " (the " + what +
                " provided; 0 = all)");
  d.y.resize(static_cast<std::size_t>(n));
  d.pixels.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(d.pixel_dims));
}

struct NetRecord {
  std::vector<double> eval_step, accuracy;
  PercentileBands bands;
  std::vector<int> example_class;
  std::vector<double> example_prob;
  double final_accuracy = -1.0;  // at the end of the seed (running averages); -1 until then
};

// What one seed records; the first seed's are the ones shown.
struct SeedRecords {
  std::array<NetRecord, 2> nets;
  json test_time = nullptr;  // chapter 4 on real images, at the end of the seed
};

class ImagesExperiment : public LockStepExperiment {
 public:
  ImagesExperiment(const ImagesSpec& s, const DataStore& store)
      : LockStepExperiment(s.seeds, s.steps), spec_(s), spec_json_(to_json(s)) {
    auto it = store.find(kFashionMnist);
    if (it == store.end() || !it->second)
      throw Error(std::string("data ") + kFashionMnist + ": not provided: " + kFashionMnistHelp +
                  "; the CLI reads /usr/share/datasets/fashion-mnist (or --data), the page web/generated/" +
                  "fashion-mnist-subset.bin (npm start builds it)");
    ImageData d = parse_image_bundle(*it->second, kFashionMnist, kImageClasses);
    if (d.rows * d.cols != kImageDims)
      throw Error(std::string("data ") + kFashionMnist + ": images are " + std::to_string(d.rows) + " x " +
                  std::to_string(d.cols) + ": must be 28 x 28");
    rows_ = d.rows;
    cols_ = d.cols;
    train_ = std::move(d.train);
    test_ = std::move(d.test);
    keep_first(train_, spec_.n_train, "spec.data.n_train", "training images");
    keep_first(test_, spec_.n_test, "spec.data.n_test", "test images");
    spec_.train.validate(train_.size());
    if (spec_.probe_size > test_.size())
      throw Error("spec.probe_size = " + std::to_string(spec_.probe_size) + ": must be <= the number of test images (" +
                  std::to_string(test_.size()) + ")");
    probe_x_ = first_examples(test_, spec_.probe_size);
    pick_examples();
    eval_order_ = Rng::stream(spec_.seeds.seed, Stream::Probe).permutation(test_.size());
    start_seed();
  }

  json result() const override {
    json r = result_envelope("images", spec_json_, progress(), done());
    const SeedRecords& shown = rec_.shown();
    r["data"] = {{"source", spec_.source}, {"n_train", train_.size()}, {"n_test", test_.size()}, {"rows", rows_}, {"cols", cols_}};
    json names = json::array();
    for (const char* c : kFashionMnistClasses) names.push_back(c);
    r["classes"] = names;
    r["probe_layer"] = static_cast<int>(spec_.model.hidden.size());
    r["probe_unit"] = spec_.probe_unit;
    const std::size_t u = static_cast<std::size_t>(spec_.probe_unit);
    json nets = json::object();
    json examples = {{"index", example_idx_}, {"label", example_label_}, {"pixels", example_pixels_}};
    for (std::size_t k = 0; k < 2; ++k) {
      const NetRecord& n = shown.nets[k];
      const PercentileBands& b = n.bands;
      const long div = first_diverged_at(k);
      const double fin = n.final_accuracy;
      nets[kNetNames[k]] = {
          {"eval_step", series(n.eval_step)},
          {"test_accuracy", series(n.accuracy)},
          {"percentiles", b.to_json()},
          {"band_drift", b.unit_drift(u)},
          {"band_drift_all_units", b.all_units_drift()},
          {"unit_rank", b.first.empty() ? json(nullptr) : json(b.rank(u))},
          {"final_accuracy", fin >= 0 ? json(fin) : json(nullptr)},
          {"diverged_at", div > 0 ? json(div) : json(nullptr)}};
      examples[kNetNames[k]] = {{"class", n.example_class}, {"probability", series(n.example_prob)}};
    }
    r["nets"] = nets;
    r["examples"] = examples;
    r["test_time"] = shown.test_time;
    r["takeaway"] = takeaway(shown);
    if (spec_.seeds.seeds > 1) r["seed_runs"] = seed_runs_;
    return r;
  }

 private:
  void pick_examples() {
    std::vector<std::vector<int>> by_class(kImageClasses);
    for (int i = 0; i < test_.size(); ++i) by_class[static_cast<std::size_t>(test_.y[static_cast<std::size_t>(i)])].push_back(i);
    for (std::size_t round = 0; static_cast<int>(example_idx_.size()) < spec_.examples; ++round) {
      bool any = false;
      for (const std::vector<int>& list : by_class) {
        if (round >= list.size() || static_cast<int>(example_idx_.size()) >= spec_.examples) continue;
        example_idx_.push_back(list[round]);
        any = true;
      }
      if (!any) break;
    }
    example_pixels_ = json::array();
    for (int i : example_idx_) {
      example_label_.push_back(test_.y[static_cast<std::size_t>(i)]);
      example_pixels_.push_back(base64(test_.pixels.data() + static_cast<std::size_t>(i) * kImageDims, kImageDims));
    }
    std::vector<int> unused;
    if (!example_idx_.empty()) gather(test_, example_idx_, 0, example_idx_.size(), example_x_, unused);
  }

  void start_seed() override {
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seeds_.seed());
    rec_.at(seeds_) = SeedRecords{};
    step_ = 0;
    evaluate();
    probe();
  }

  long lock_step() override {
    ++step_;
    for (auto& t : nets_)
      if (!t->diverged()) t->step();
    if (step_ % spec_.eval_every == 0 || step_ == spec_.steps) evaluate();
    if (step_ % spec_.probe_every == 0 || step_ == spec_.steps) probe();
    return 1;
  }

  void evaluate() {
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      if (t.diverged()) continue;
      NetRecord& rec = rec_.at(seeds_).nets[static_cast<std::size_t>(k)];
      rec.eval_step.push_back(static_cast<double>(step_));
      rec.accuracy.push_back(t.evaluate(test_, BnStats::Running).accuracy);
      if (!seeds_.first() || example_idx_.empty()) continue;
      const MatD p = softmax(t.model().forward(example_x_, Mode::Eval, BnStats::Running));
      rec.example_class.assign(static_cast<std::size_t>(p.cols()), 0);
      rec.example_prob.assign(static_cast<std::size_t>(p.cols()), 0.0);
      for (Eigen::Index c = 0; c < p.cols(); ++c) {
        Eigen::Index best = 0;
        rec.example_prob[static_cast<std::size_t>(c)] = p.col(c).maxCoeff(&best);
        rec.example_class[static_cast<std::size_t>(c)] = static_cast<int>(best);
      }
    }
  }

  // Percentiles of the last hidden layer's input to the sigmoid over the fixed probe set.
  void probe() {
    std::array<NetRecord, 2>& rec = rec_.at(seeds_).nets;
    probe_pair(nets_, probe_x_, probe_stats_of(spec_.probe_stats), static_cast<int>(spec_.model.hidden.size()) - 1,
               spec_.probe_unit, step_, {&rec[kPlain].bands, &rec[kBn].bands});
  }

  // Chapter 4 on real images: running averages against the test batch's own statistics.
  json test_time(Trainer<Real>& bn, double running) {
    if (bn.diverged()) return nullptr;
    json batches = json::array();
    json out = {{"running", running}, {"chance", 1.0 / kImageClasses}};
    for (int m : spec_.test_batch_sizes) {
      if (m > 1) {
        batches.push_back({{"size", m}, {"accuracy", bn.evaluate(test_, BnStats::Batch, m, &eval_order_).accuracy}});
        continue;
      }
      // Batches of one, image by image: the accuracy, and whether every image got the same answer.
      Mat<Real> x;
      std::vector<int> y;
      int first_class = -1, correct = 0;
      bool one = true;
      for (int i = 0; i < test_.size(); ++i) {
        gather(test_, eval_order_, static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1, x, y);
        Eigen::Index c = 0;
        bn.model().forward(x, Mode::Eval, BnStats::Batch).col(0).maxCoeff(&c);
        if (first_class < 0) first_class = static_cast<int>(c);
        one = one && static_cast<int>(c) == first_class;
        correct += static_cast<int>(c) == y[0] ? 1 : 0;
      }
      batches.push_back({{"size", 1}, {"accuracy", static_cast<double>(correct) / test_.size()}});
      out["batch1_one_answer"] = one;
      out["batch1_class"] = first_class;
    }
    out["batch"] = batches;
    return out;
  }

  void finish_seed() override {
    SeedRecords& rec = rec_.at(seeds_);
    for (std::size_t k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[k];
      if (!t.diverged()) rec.nets[k].final_accuracy = t.evaluate(test_, BnStats::Running).accuracy;
    }
    rec.test_time = test_time(*nets_[kBn], rec.nets[kBn].final_accuracy);
    double batch1 = -1.0;
    if (rec.test_time.is_object())
      for (const json& b : rec.test_time["batch"])
        if (b["size"] == 1) batch1 = b["accuracy"].get<double>();
    auto opt = [](double v) { return v >= 0 ? json(v) : json(nullptr); };
    seed_runs_.push_back({{"seed", seeds_.seed()},
                          {"plain_accuracy", opt(rec.nets[kPlain].final_accuracy)},
                          {"bn_accuracy", opt(rec.nets[kBn].final_accuracy)},
                          {"plain_drift_all", rec.nets[kPlain].bands.all_units_drift()},
                          {"bn_drift_all", rec.nets[kBn].bands.all_units_drift()},
                          {"bn_batch1_accuracy", opt(batch1)}});
  }

  std::string takeaway(const SeedRecords& rec) const {
    const NetRecord& p = rec.nets[kPlain];
    const NetRecord& b = rec.nets[kBn];
    const json& test_time = rec.test_time;
    if (b.eval_step.empty()) return "";
    const long at = static_cast<long>(b.eval_step.back());
    const double pa = p.accuracy.empty() ? 0.0 : p.accuracy.back();
    std::string t = "After " + with_commas(at) + " steps on Fashion-MNIST: test accuracy " + fixed(100 * b.accuracy.back(), 1) +
                    "% with BN vs " + fixed(100 * pa, 1) + "% without.";
    const std::size_t u = static_cast<std::size_t>(spec_.probe_unit);
    t += " Unit " + std::to_string(spec_.probe_unit) + "'s 15/50/85th percentiles drifted " + fixed(p.bands.unit_drift(u), 2) +
         " band widths without BN vs " + fixed(b.bands.unit_drift(u), 2) + " with BN (all " +
         std::to_string(b.bands.first.size()) + " units: " + fixed(p.bands.all_units_drift(), 2) + " vs " +
         fixed(b.bands.all_units_drift(), 2) + ").";
    if (test_time.is_object()) {
      for (const json& x : test_time["batch"])
        if (x["size"] == 1)
          t += " At test time a batch of one with its own statistics scores " + fixed(100 * x["accuracy"].get<double>(), 1) +
               "% (chance 10%); running averages " + fixed(100 * test_time["running"].get<double>(), 1) + "%.";
    }
    if (seed_runs_.size() > 1) {
      double pl = 0.0, bn = 0.0;
      for (const json& s : seed_runs_) {
        pl += s["plain_accuracy"].is_number() ? s["plain_accuracy"].get<double>() : 0.0;
        bn += s["bn_accuracy"].is_number() ? s["bn_accuracy"].get<double>() : 0.0;
      }
      const double n = static_cast<double>(seed_runs_.size());
      t += " Mean over " + std::to_string(seed_runs_.size()) + " seeds: " + fixed(100 * bn / n, 1) + "% vs " + fixed(100 * pl / n, 1) + "%.";
    }
    const long dp = first_diverged_at(kPlain);
    if (dp > 0) t += " The plain net diverged at step " + with_commas(dp) + ".";
    return t;
  }

  ImagesSpec spec_;
  json spec_json_;
  int rows_ = 0, cols_ = 0;
  Dataset train_, test_;
  Mat<Real> probe_x_, example_x_;
  std::vector<int> example_idx_, example_label_, eval_order_;
  json example_pixels_ = json::array();
  FirstSeed<SeedRecords> rec_;
  json seed_runs_ = json::array();
};

}  // namespace

Chapter images_chapter() {
  Chapter c;
  c.name = "images";
  c.title = "Real images: Ioffe & Szegedy's Figure 1";
  c.preset = [] { return to_json(ImagesSpec{}); };
  c.normalize = [](const json& j) { return to_json(parse_images_spec(j)); };
  c.data = kFashionMnist;
  c.make = [](const json& j) -> std::unique_ptr<Experiment> {
    return std::make_unique<ImagesExperiment>(parse_images_spec(j), DataStore{});
  };
  c.make_with_data = [](const json& j, const DataStore& store) -> std::unique_ptr<Experiment> {
    return std::make_unique<ImagesExperiment>(parse_images_spec(j), store);
  };
  return c;
}

}  // namespace bnlab
