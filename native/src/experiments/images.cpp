#include "bnlab/experiments/images.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "bnlab/error.h"
#include "bnlab/idx.h"
#include "bnlab/loss.h"

namespace bnlab {

namespace {

constexpr int kPlain = 0, kBn = 1;
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


// Percentile bands of every unit of the probed layer: the shown unit's series, and per unit its
// first percentiles, the largest departure from them and the summed band width.
struct Bands {
  std::vector<double> step, p15, p50, p85;
  std::vector<std::array<double, 3>> first, max_dev;
  std::vector<double> width_sum;
  int probes = 0;
  double unit_drift(std::size_t u) const {
    if (u >= first.size() || probes == 0) return 0.0;
    const double width = width_sum[u] / probes;
    return width > 0 ? (max_dev[u][0] + max_dev[u][1] + max_dev[u][2]) / 3.0 / width : 0.0;
  }
  double all_units_drift() const {
    double s = 0.0;
    for (std::size_t u = 0; u < first.size(); ++u) s += unit_drift(u);
    return first.empty() ? 0.0 : s / static_cast<double>(first.size());
  }
  int rank(std::size_t u) const {  // 1 = drifted most
    int r = 1;
    for (std::size_t v = 0; v < first.size(); ++v)
      if (unit_drift(v) > unit_drift(u)) ++r;
    return r;
  }
};

struct NetRecord {
  std::vector<double> eval_step, accuracy;
  Bands bands;
  std::vector<int> example_class;
  std::vector<double> example_prob;
};

class ImagesExperiment : public Experiment {
 public:
  ImagesExperiment(const ImagesSpec& s, const DataStore& store) : spec_(s), spec_json_(to_json(s)) {
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
    std::vector<int> idx(static_cast<std::size_t>(spec_.probe_size));
    for (int i = 0; i < spec_.probe_size; ++i) idx[static_cast<std::size_t>(i)] = i;
    std::vector<int> unused;
    gather(test_, idx, 0, idx.size(), probe_x_, unused);
    pick_examples();
    eval_order_ = Rng::stream(spec_.seeds.seed, Stream::Probe).permutation(test_.size());
    start_seed();
  }

  void advance(long units) override {
    for (long u = 0; u < units && !done(); ++u) {
      lock_step();
      if (step_ == spec_.steps || (nets_[kPlain]->diverged() && nets_[kBn]->diverged())) finish_seed();
    }
  }

  bool done() const override { return seed_index_ >= spec_.seeds.seeds; }

  double progress() const override {
    const double per_seed = spec_.steps;
    return done() ? 1.0 : (seed_index_ * per_seed + step_) / (spec_.seeds.seeds * per_seed);
  }

  json result() const override {
    json r = result_envelope("images", spec_json_, progress(), done());
    const bool live = seed_index_ == 0;
    const std::array<NetRecord, 2>& rec = live ? rec_ : first_;
    r["data"] = {{"source", spec_.source}, {"n_train", train_.size()}, {"n_test", test_.size()}, {"rows", rows_}, {"cols", cols_}};
    json names = json::array();
    for (const char* c : kFashionMnistClasses) names.push_back(c);
    r["classes"] = names;
    r["probe_layer"] = static_cast<int>(spec_.model.hidden.size());
    r["probe_unit"] = spec_.probe_unit;
    const std::size_t u = static_cast<std::size_t>(spec_.probe_unit);
    json nets = json::object();
    json examples = {{"index", example_idx_}, {"label", example_label_}, {"pixels", example_pixels_}};
    for (int k = 0; k < 2; ++k) {
      const NetRecord& n = rec[static_cast<std::size_t>(k)];
      const Bands& b = n.bands;
      const long div = live ? nets_[static_cast<std::size_t>(k)]->diverged_at() : first_diverged_[static_cast<std::size_t>(k)];
      const double fin = first_final_[static_cast<std::size_t>(k)];
      nets[kNetNames[k]] = {
          {"eval_step", series(n.eval_step)},
          {"test_accuracy", series(n.accuracy)},
          {"percentiles", {{"step", series(b.step)}, {"p15", series(b.p15)}, {"p50", series(b.p50)}, {"p85", series(b.p85)}}},
          {"band_drift", b.unit_drift(u)},
          {"band_drift_all_units", b.all_units_drift()},
          {"unit_rank", b.first.empty() ? json(nullptr) : json(b.rank(u))},
          {"final_accuracy", fin >= 0 ? json(fin) : json(nullptr)},
          {"diverged_at", div > 0 ? json(div) : json(nullptr)}};
      examples[kNetNames[k]] = {{"class", n.example_class}, {"probability", series(n.example_prob)}};
    }
    r["nets"] = nets;
    r["examples"] = examples;
    r["test_time"] = first_test_time_;
    r["takeaway"] = takeaway(rec);
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

  void start_seed() {
    const std::uint64_t seed = spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_);
    for (int k = 0; k < 2; ++k) {
      MlpConfig m = spec_.model;
      m.batch_norm = k == kBn;
      nets_[static_cast<std::size_t>(k)] = std::make_unique<Trainer<Real>>(m, spec_.train, train_, seed);
      rec_[static_cast<std::size_t>(k)] = NetRecord{};
    }
    step_ = 0;
    evaluate();
    probe();
  }

  void lock_step() {
    ++step_;
    for (auto& t : nets_)
      if (!t->diverged()) t->step();
    if (step_ % spec_.eval_every == 0 || step_ == spec_.steps) evaluate();
    if (step_ % spec_.probe_every == 0 || step_ == spec_.steps) probe();
  }

  void evaluate() {
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      if (t.diverged()) continue;
      NetRecord& rec = rec_[static_cast<std::size_t>(k)];
      rec.eval_step.push_back(static_cast<double>(step_));
      rec.accuracy.push_back(t.evaluate(test_, BnStats::Running).accuracy);
      if (seed_index_ != 0 || example_idx_.empty()) continue;
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
    const BnStats stats = spec_.probe_stats == "running" ? BnStats::Running : BnStats::Batch;
    const int layer = static_cast<int>(spec_.model.hidden.size()) - 1;
    std::vector<double> v(static_cast<std::size_t>(probe_x_.cols()));
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      if (t.diverged()) continue;
      Mlp<Real>& m = t.model();
      m.forward(probe_x_, Mode::Eval, stats);
      const Mat<Real>& zt = m.normalized(layer);
      Bands& bands = rec_[static_cast<std::size_t>(k)].bands;
      const bool first = bands.first.empty();
      if (first) {
        bands.first.resize(static_cast<std::size_t>(zt.rows()));
        bands.max_dev.assign(static_cast<std::size_t>(zt.rows()), {0.0, 0.0, 0.0});
        bands.width_sum.assign(static_cast<std::size_t>(zt.rows()), 0.0);
      }
      ++bands.probes;
      for (Eigen::Index u = 0; u < zt.rows(); ++u) {
        for (Eigen::Index j = 0; j < zt.cols(); ++j) v[static_cast<std::size_t>(j)] = zt(u, j);
        std::sort(v.begin(), v.end());
        const std::array<double, 3> q = quantiles_sorted(v);
        const std::size_t ui = static_cast<std::size_t>(u);
        if (first) bands.first[ui] = q;
        bands.width_sum[ui] += q[2] - q[0];
        for (std::size_t i = 0; i < 3; ++i) bands.max_dev[ui][i] = std::max(bands.max_dev[ui][i], std::abs(q[i] - bands.first[ui][i]));
        if (u == spec_.probe_unit) {
          bands.step.push_back(static_cast<double>(step_));
          bands.p15.push_back(q[0]);
          bands.p50.push_back(q[1]);
          bands.p85.push_back(q[2]);
        }
      }
    }
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

  void finish_seed() {
    std::array<double, 2> acc{-1.0, -1.0};
    for (int k = 0; k < 2; ++k) {
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
      if (!t.diverged()) acc[static_cast<std::size_t>(k)] = t.evaluate(test_, BnStats::Running).accuracy;
    }
    json tt = test_time(*nets_[kBn], acc[kBn]);
    double batch1 = -1.0;
    if (tt.is_object())
      for (const json& b : tt["batch"])
        if (b["size"] == 1) batch1 = b["accuracy"].get<double>();
    if (seed_index_ == 0) {
      first_ = rec_;
      first_final_ = acc;
      first_test_time_ = tt;
      for (int k = 0; k < 2; ++k) first_diverged_[static_cast<std::size_t>(k)] = nets_[static_cast<std::size_t>(k)]->diverged_at();
    }
    auto opt = [](double v) { return v >= 0 ? json(v) : json(nullptr); };
    seed_runs_.push_back({{"seed", spec_.seeds.seed + static_cast<std::uint64_t>(seed_index_)},
                          {"plain_accuracy", opt(acc[kPlain])},
                          {"bn_accuracy", opt(acc[kBn])},
                          {"plain_drift_all", rec_[kPlain].bands.all_units_drift()},
                          {"bn_drift_all", rec_[kBn].bands.all_units_drift()},
                          {"bn_batch1_accuracy", opt(batch1)}});
    ++seed_index_;
    if (!done()) start_seed();
  }

  std::string takeaway(const std::array<NetRecord, 2>& rec) const {
    const NetRecord& p = rec[kPlain];
    const NetRecord& b = rec[kBn];
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
    if (first_test_time_.is_object()) {
      for (const json& x : first_test_time_["batch"])
        if (x["size"] == 1)
          t += " At test time a batch of one with its own statistics scores " + fixed(100 * x["accuracy"].get<double>(), 1) +
               "% (chance 10%); running averages " + fixed(100 * first_test_time_["running"].get<double>(), 1) + "%.";
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
    const long dp = seed_index_ == 0 ? nets_[kPlain]->diverged_at() : first_diverged_[kPlain];
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
  std::array<std::unique_ptr<Trainer<Real>>, 2> nets_;
  std::array<NetRecord, 2> rec_, first_;
  std::array<double, 2> first_final_{-1.0, -1.0};
  std::array<long, 2> first_diverged_{0, 0};
  json first_test_time_ = nullptr;
  json seed_runs_ = json::array();
  int seed_index_ = 0;
  long step_ = 0;
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
