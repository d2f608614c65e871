#include "bnlab/experiments/images.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

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

// What a result is written from. A run fills it from its records, merge from its cells' results,
// and one writer (write_result) makes both, so the merged bytes are the run's by construction.
struct ResultParts {
  json data;                       // {"source", "n_train", "n_test", "rows", "cols"}
  json examples = json::object();  // {"index", "label", "pixels"}
  std::array<json, 2> nets;         // each net's block (net_block); null: not in this result (a cell)
  std::array<json, 2> predictions;  // the examples' {"class", "probability"} by each net
  json test_time = nullptr;
  json seed_runs = json::array();  // written with seeds > 1 (not by a cell)
  double progress = 0.0;
  bool complete = false;
};

json net_block(const NetRecord& n, std::size_t shown_unit, long diverged_at) {
  const PercentileBands& b = n.bands;
  const double fin = n.final_accuracy;
  return {{"eval_step", series(n.eval_step)},
          {"test_accuracy", series(n.accuracy)},
          {"percentiles", b.to_json()},
          {"band_drift", b.unit_drift(shown_unit)},
          {"band_drift_all_units", b.all_units_drift()},
          {"unit_rank", b.first.empty() ? json(nullptr) : json(b.rank(shown_unit))},
          {"final_accuracy", fin >= 0 ? json(fin) : json(nullptr)},
          {"diverged_at", diverged_at > 0 ? json(diverged_at) : json(nullptr)}};
}

json predictions_of(const NetRecord& n) { return {{"class", n.example_class}, {"probability", series(n.example_prob)}}; }

// A number of a result as written (null, which the core writes for NaN, reads back as NaN).
double number_of(const json& j) { return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN(); }
double last_of(const json& a) {
  return a.is_array() && !a.empty() ? number_of(a.back()) : std::numeric_limits<double>::quiet_NaN();
}

std::string takeaway(const ImagesSpec& s, const ResultParts& p) {
  if (s.is_cell()) {
    const std::size_t k = s.net == "bn" ? kBn : kPlain;
    const json& n = p.nets[k];
    if (n["eval_step"].empty()) return "";
    std::string t = std::string("One cell: the net ") + (k == kBn ? "with" : "without") + " BN alone, seed " +
                    std::to_string(s.seeds.seed + static_cast<std::uint64_t>(s.seed_index)) + ": test accuracy " +
                    fixed(100 * last_of(n["test_accuracy"]), 1) + "% after " +
                    with_commas(static_cast<long>(last_of(n["eval_step"]))) + " steps.";
    if (n["diverged_at"].is_number()) t += " It diverged at step " + with_commas(n["diverged_at"].get<long>()) + ".";
    return t;
  }
  const json& pl = p.nets[kPlain];
  const json& bn = p.nets[kBn];
  if (bn["eval_step"].empty()) return "";
  const long at = static_cast<long>(last_of(bn["eval_step"]));
  const double pa = pl["test_accuracy"].empty() ? 0.0 : last_of(pl["test_accuracy"]);
  std::string t = "After " + with_commas(at) + " steps on Fashion-MNIST: test accuracy " +
                  fixed(100 * last_of(bn["test_accuracy"]), 1) + "% with BN vs " + fixed(100 * pa, 1) + "% without.";
  // The units probed: the whole last hidden layer once the BN net has been probed.
  const int units = bn["percentiles"]["step"].empty() ? 0 : s.model.hidden.back();
  t += " Unit " + std::to_string(s.probe_unit) + "'s 15/50/85th percentiles drifted " + fixed(number_of(pl["band_drift"]), 2) +
       " band widths without BN vs " + fixed(number_of(bn["band_drift"]), 2) + " with BN (all " + std::to_string(units) +
       " units: " + fixed(number_of(pl["band_drift_all_units"]), 2) + " vs " + fixed(number_of(bn["band_drift_all_units"]), 2) +
       ").";
  const json& test_time = p.test_time;
  if (test_time.is_object()) {
    for (const json& x : test_time["batch"])
      if (x["size"] == 1)
        t += " At test time a batch of one with its own statistics scores " + fixed(100 * x["accuracy"].get<double>(), 1) +
             "% (chance 10%); running averages " + fixed(100 * test_time["running"].get<double>(), 1) + "%.";
  }
  if (p.seed_runs.size() > 1) {
    double plain_sum = 0.0, bn_sum = 0.0;
    for (const json& r : p.seed_runs) {
      plain_sum += r["plain_accuracy"].is_number() ? r["plain_accuracy"].get<double>() : 0.0;
      bn_sum += r["bn_accuracy"].is_number() ? r["bn_accuracy"].get<double>() : 0.0;
    }
    const double n = static_cast<double>(p.seed_runs.size());
    t += " Mean over " + std::to_string(p.seed_runs.size()) + " seeds: " + fixed(100 * bn_sum / n, 1) + "% vs " +
         fixed(100 * plain_sum / n, 1) + "%.";
  }
  if (pl["diverged_at"].is_number()) t += " The plain net diverged at step " + with_commas(pl["diverged_at"].get<long>()) + ".";
  return t;
}

json write_result(const ImagesSpec& s, const json& spec_json, const ResultParts& p) {
  json r = result_envelope("images", spec_json, p.progress, p.complete);
  r["data"] = p.data;
  json names = json::array();
  for (const char* c : kFashionMnistClasses) names.push_back(c);
  r["classes"] = names;
  r["probe_layer"] = static_cast<int>(s.model.hidden.size());
  r["probe_unit"] = s.probe_unit;
  json nets = json::object();
  json examples = p.examples;
  for (std::size_t k = 0; k < 2; ++k) {
    if (p.nets[k].is_null()) continue;
    nets[kNetNames[k]] = p.nets[k];
    examples[kNetNames[k]] = p.predictions[k];
  }
  r["nets"] = nets;
  r["examples"] = examples;
  r["test_time"] = p.test_time;
  r["takeaway"] = takeaway(s, p);
  if (s.seeds.seeds > 1 && !s.is_cell()) r["seed_runs"] = p.seed_runs;
  return r;
}

// The seeds a run trains: all of them, or a cell's one.
SeedFields seeds_run(const ImagesSpec& s) {
  if (!s.is_cell()) return s.seeds;
  return {s.seeds.seed + static_cast<std::uint64_t>(s.seed_index), 1};
}

class ImagesExperiment : public LockStepExperiment {
 public:
  ImagesExperiment(const ImagesSpec& s, const DataStore& store)
      : LockStepExperiment(seeds_run(s), s.steps), spec_(s), spec_json_(to_json(s)) {
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
    const SeedRecords& shown = rec_.shown();
    ResultParts p;
    p.data = {{"source", spec_.source}, {"n_train", train_.size()}, {"n_test", test_.size()}, {"rows", rows_}, {"cols", cols_}};
    p.examples = {{"index", example_idx_}, {"label", example_label_}, {"pixels", example_pixels_}};
    for (std::size_t k = 0; k < 2; ++k) {
      if (!runs_[k]) continue;
      p.nets[k] = net_block(shown.nets[k], static_cast<std::size_t>(spec_.probe_unit), first_diverged_at(k));
      p.predictions[k] = predictions_of(shown.nets[k]);
    }
    p.test_time = shown.test_time;
    p.seed_runs = seed_runs_;
    p.progress = progress();
    p.complete = done();
    return write_result(spec_, spec_json_, p);
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
    nets_ = make_net_pair(spec_.model, spec_.train, train_, seeds_.seed(), runs_);
    rec_.at(seeds_) = SeedRecords{};
    step_ = 0;
    evaluate();
    probe();
  }

  long lock_step() override {
    ++step_;
    for (auto& t : nets_)
      if (t && !t->diverged()) t->step();
    if (step_ % spec_.eval_every == 0 || step_ == spec_.steps) evaluate();
    if (step_ % spec_.probe_every == 0 || step_ == spec_.steps) probe();
    return 1;
  }

  void evaluate() {
    for (int k = 0; k < 2; ++k) {
      if (net_done(nets_, static_cast<std::size_t>(k))) continue;
      Trainer<Real>& t = *nets_[static_cast<std::size_t>(k)];
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
    for (std::size_t k = 0; k < 2; ++k)
      if (!net_done(nets_, k)) rec.nets[k].final_accuracy = nets_[k]->evaluate(test_, BnStats::Running).accuracy;
    if (nets_[kBn]) rec.test_time = test_time(*nets_[kBn], rec.nets[kBn].final_accuracy);
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

  ImagesSpec spec_;
  json spec_json_;
  std::array<bool, 2> runs_{spec_.net != "bn", spec_.net != "plain"};  // the nets this run trains
  int rows_ = 0, cols_ = 0;
  Dataset train_, test_;
  Mat<Real> probe_x_, example_x_;
  std::vector<int> example_idx_, example_label_, eval_order_;
  json example_pixels_ = json::array();
  FirstSeed<SeedRecords> rec_;
  json seed_runs_ = json::array();
};

// The cell of (seed index i, net k).
ImagesSpec cell_spec(const ImagesSpec& s, int i, std::size_t k) {
  ImagesSpec c = s;
  c.net = kNetNames[k];
  c.seed_index = i;
  return c;
}

// What merge accepts for a field of a cell result (null is how the core writes NaN or "none").
enum class Kind { Boolean, Object, Array, NumberOrNull, ObjectOrNull };

// A cell result's field that merge reads: present, of the right kind, or a one-line error naming it.
const json& field_of(const json& j, const char* key, const std::string& where, Kind kind) {
  const std::string w = where + "." + key;
  if (!j.is_object() || !j.contains(key)) throw Error(w + ": missing");
  const json& v = j[key];
  bool ok = false;
  switch (kind) {
    case Kind::Boolean: ok = v.is_boolean(); break;
    case Kind::Object: ok = v.is_object(); break;
    case Kind::Array: ok = v.is_array(); break;
    case Kind::NumberOrNull: ok = v.is_number() || v.is_null(); break;
    case Kind::ObjectOrNull: ok = v.is_object() || v.is_null(); break;
  }
  if (!ok) throw Error(w + ": has the wrong type (" + std::string(v.type_name()) + ")");
  return v;
}

const json& array_of(const json& j, const char* key, const std::string& where) {
  return field_of(j, key, where, Kind::Array);
}

}  // namespace

json images_cells(const ImagesSpec& s) {
  json list = json::array();
  if (s.is_cell()) return list.push_back(to_json(s)), list;
  for (int i = 0; i < s.seeds.seeds; ++i)
    for (std::size_t k = 0; k < 2; ++k) list.push_back(to_json(cell_spec(s, i, k)));
  return list;
}

json images_merge(const ImagesSpec& s, const json& cells) {
  if (s.is_cell())
    throw Error("merge: spec.net = \"" + s.net + "\": this spec is one cell; merge takes the chapter's spec (net \"both\")");
  const std::size_t seeds = static_cast<std::size_t>(s.seeds.seeds), total = 2 * seeds;
  if (!cells.is_array() || cells.size() != total)
    throw Error("merge: cell_results must be an array of " + std::to_string(total) +
                " entries (one per cell of cells(spec), null = not done)");
  ResultParts p;
  p.data = nullptr;
  const std::size_t shown_unit = static_cast<std::size_t>(s.probe_unit);
  std::vector<std::array<const json*, 2>> complete(seeds, {nullptr, nullptr});
  double progress = 0.0;
  bool all = true;
  for (std::size_t i = 0; i < seeds; ++i)
    for (std::size_t k = 0; k < 2; ++k) {
      const std::size_t at = 2 * i + k;
      const json& cell = cells[at];
      if (cell.is_null()) {
        all = false;
        continue;
      }
      const std::string where = "merge: cell_results[" + std::to_string(at) + "]";
      if (!cell.is_object() || !cell.contains("spec") || cell["spec"] != to_json(cell_spec(s, static_cast<int>(i), k)))
        throw Error(where + ": not the result of cell " + std::to_string(at) + " of this spec");
      const bool done = field_of(cell, "complete", where, Kind::Boolean).get<bool>();
      const json& prog = field_of(cell, "progress", where, Kind::NumberOrNull);
      if (!prog.is_number() || !(prog.get<double>() >= 0.0 && prog.get<double>() <= 1.0))
        throw Error(where + ".progress: must be a number in [0, 1]");
      const std::string name = kNetNames[k];
      const json& net = field_of(field_of(cell, "nets", where, Kind::Object), name.c_str(), where + ".nets",
                                 Kind::Object);
      const std::string nw = where + ".nets." + name;
      array_of(net, "eval_step", nw);
      array_of(net, "test_accuracy", nw);
      for (const char* f : {"step", "p15", "p50", "p85"})
        array_of(field_of(net, "percentiles", nw, Kind::Object), f, nw + ".percentiles");
      for (const char* f : {"band_drift", "band_drift_all_units", "unit_rank", "final_accuracy", "diverged_at"})
        field_of(net, f, nw, Kind::NumberOrNull);
      const json& ex = field_of(cell, "examples", where, Kind::Object);
      const std::string ew = where + ".examples";
      for (const char* f : {"index", "label", "pixels"}) array_of(ex, f, ew);
      const json& pred = field_of(ex, name.c_str(), ew, Kind::Object);
      array_of(pred, "class", ew + "." + name);
      array_of(pred, "probability", ew + "." + name);
      const json& data = field_of(cell, "data", where, Kind::Object);
      const json& test_time = field_of(cell, "test_time", where, Kind::ObjectOrNull);
      progress += prog.get<double>();
      if (done) complete[i][k] = &cell;
      else all = false;
      if (p.data.is_null()) {
        p.data = data;
        p.examples = {{"index", ex["index"]}, {"label", ex["label"]}, {"pixels", ex["pixels"]}};
      }
      if (i > 0) continue;
      p.nets[k] = net;
      p.predictions[k] = pred;
      if (k == kBn) p.test_time = test_time;
    }
  // A net whose first cell has not reported yet: an empty record, as a run has before it starts.
  for (std::size_t k = 0; k < 2; ++k)
    if (p.nets[k].is_null()) {
      p.nets[k] = net_block(NetRecord{}, shown_unit, 0);
      p.predictions[k] = predictions_of(NetRecord{});
    }
  if (p.data.is_null()) {
    auto size = [](int n) { return n > 0 ? json(n) : json(nullptr); };  // 0 = all provided: not known here
    p.data = {{"source", s.source}, {"n_train", size(s.n_train)}, {"n_test", size(s.n_test)}, {"rows", 28}, {"cols", 28}};
    p.examples = {{"index", json::array()}, {"label", json::array()}, {"pixels", json::array()}};
  }
  // The seed table: the seeds whose two cells are complete, in seed order.
  for (std::size_t i = 0; i < seeds; ++i) {
    if (!complete[i][kPlain] || !complete[i][kBn]) continue;
    const json& pl = (*complete[i][kPlain])["nets"]["plain"];
    const json& bn = (*complete[i][kBn])["nets"]["bn"];
    const json& tt = (*complete[i][kBn])["test_time"];
    json batch1 = nullptr;
    if (tt.is_object() && tt.contains("batch") && tt["batch"].is_array())
      for (const json& b : tt["batch"])
        if (b.is_object() && b.value("size", json()) == 1 && b.contains("accuracy")) batch1 = b["accuracy"];
    p.seed_runs.push_back({{"seed", s.seeds.seed + static_cast<std::uint64_t>(i)},
                           {"plain_accuracy", pl["final_accuracy"]},
                           {"bn_accuracy", bn["final_accuracy"]},
                           {"plain_drift_all", pl["band_drift_all_units"]},
                           {"bn_drift_all", bn["band_drift_all_units"]},
                           {"bn_batch1_accuracy", batch1}});
  }
  p.complete = all;
  // Partial: the mean of the cells' progress, kept below 1 until every cell is complete.
  p.progress = all ? 1.0 : std::min(progress / static_cast<double>(total), 0.999);
  return write_result(s, to_json(s), p);
}

Chapter images_chapter() {
  Chapter c = make_chapter<ImagesSpec, ImagesExperiment>("images", "Real images: Ioffe & Szegedy's Figure 1",
                                                         parse_images_spec);
  c.data = kFashionMnist;
  c.cells = [](const json& j) { return images_cells(parse_images_spec(j)); };
  c.merge = [](const json& j, const json& results) { return images_merge(parse_images_spec(j), results); };
  return c;
}

}  // namespace bnlab
