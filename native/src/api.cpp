#include "bnlab/api.h"

#include <exception>

#include "bnlab/error.h"
#include "bnlab/experiment.h"
#include "bnlab/spec.h"

namespace bnlab {

namespace {
// Every message leaves as one line of bounded length, whatever a value or key held.
Outcome failure(const std::string& message) { return Outcome{false, clip(message, 400), ""}; }

// The spec's chapter decides which parser validates it.
const Chapter& chapter_of(const json& spec) {
  if (!spec.is_object()) throw Error("spec: must be a JSON object with a \"chapter\" field");
  auto it = spec.find("chapter");
  if (it == spec.end() || !it->is_string()) throw Error("spec.chapter: missing; must name a chapter");
  return find_chapter(it->get<std::string>());
}

template <typename F>
Outcome guarded(F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    return failure(e.what());
  } catch (const std::bad_alloc&) {
    return failure("out of memory: the spec asks for more than this machine can hold");
  } catch (const json::exception& e) {
    return failure(std::string("spec: could not be read (") + e.what() + ")");
  } catch (const std::exception& e) {
    return failure(std::string("the run stopped: ") + e.what());
  }
}
}  // namespace

std::vector<std::string> chapters() {
  std::vector<std::string> names;
  for (const Chapter& c : all_chapters()) names.push_back(c.name);
  return names;
}

std::string required_data(const std::string& chapter) {
  for (const Chapter& c : all_chapters())
    if (c.name == chapter) return c.data;
  return "";
}

Outcome preset(const std::string& chapter) {
  return guarded([&] { return Outcome{true, "", find_chapter(chapter).preset().dump(2)}; });
}

namespace {
json chapter_schema(const Chapter& c) {
  SpecSchema recorder;
  c.normalize(c.preset());
  json j = recorder.json_schema("BN Lab spec: " + c.name + " (" + c.title + ")");
  j["required"] = json::array({"chapter"});
  return j;
}
}  // namespace

Outcome schema(const std::string& chapter) {
  return guarded([&] {
    if (!chapter.empty()) return Outcome{true, "", chapter_schema(find_chapter(chapter)).dump(2)};
    json all = {{"$schema", "https://json-schema.org/draft/2020-12/schema"}, {"title", "BN Lab spec"}};
    json& one_of = all["oneOf"] = json::array();
    for (const Chapter& c : all_chapters()) {
      json j = chapter_schema(c);
      j.erase("$schema");
      one_of.push_back(std::move(j));
    }
    return Outcome{true, "", all.dump(2)};
  });
}

Outcome validate(const std::string& spec_json) {
  return guarded([&] {
    const json spec = parse_json(spec_json);
    return Outcome{true, "", chapter_of(spec).normalize(spec).dump(2)};
  });
}

Outcome cells(const std::string& spec_json) {
  return guarded([&] {
    const json spec = parse_json(spec_json);
    const Chapter& chapter = chapter_of(spec);
    if (chapter.cells) return Outcome{true, "", chapter.cells(spec).dump()};
    return Outcome{true, "", json::array({chapter.normalize(spec)}).dump()};
  });
}

Outcome merge(const std::string& spec_json, const std::string& cell_results_json) {
  return guarded([&] {
    const json spec = parse_json(spec_json);
    const Chapter& chapter = chapter_of(spec);
    const json results = json::parse(cell_results_json, nullptr, false);
    if (results.is_discarded() || !results.is_array())
      throw Error("merge: cell_results must be a JSON array (one entry per cell, null = not done)");
    if (chapter.merge) return Outcome{true, "", chapter.merge(spec, results).dump()};
    // One cell: its result is the chapter's result; not done yet, the run's empty start.
    if (results.size() != 1)
      throw Error("merge: cell_results must have 1 entry for chapter \"" + chapter.name + "\" (it has " +
                  std::to_string(results.size()) + ")");
    if (results[0].is_null()) return Outcome{true, "", chapter.make(spec)->result().dump()};
    if (!results[0].is_object() || results[0].value("chapter", json()) != chapter.name)
      throw Error("merge: cell_results[0]: not a result of chapter \"" + chapter.name + "\"");
    return Outcome{true, "", results[0].dump()};
  });
}

Session::Session() = default;
Session::~Session() = default;

Outcome Session::start(const std::string& spec_json) {
  experiment_.reset();
  cancelled_ = false;
  failure_.clear();
  return guarded([&] {
    const json spec = parse_json(spec_json);
    const Chapter& c = chapter_of(spec);
    experiment_ = c.data.empty() ? c.make(spec) : c.make_with_data(spec, data_);
    return Outcome{};
  });
}

Outcome Session::provide_data(const std::string& name, std::string bytes) {
  std::string known;
  for (const Chapter& c : all_chapters()) {
    if (c.data.empty()) continue;
    if (c.data == name) {
      data_[name] = std::make_shared<const std::string>(std::move(bytes));
      return Outcome{};
    }
    known += (known.empty() ? "" : ", ") + c.data;
  }
  return failure("data name \"" + name + "\": must be one a chapter needs (" + known + ")");
}

Outcome Session::advance(long units) {
  if (!failure_.empty()) return failure(failure_);
  if (!experiment_) return failure("no run: start a spec first");
  if (cancelled_ || experiment_->done()) return Outcome{};
  if (units < 1 || units > kMaxAdvanceUnits)
    return failure("advance: units = " + std::to_string(units) + ": must be a whole number in [1, " +
                   std::to_string(kMaxAdvanceUnits) + "]");
  Outcome o = guarded([&] {
    experiment_->advance(units);
    return Outcome{};
  });
  if (!o.ok) failure_ = o.error;
  return o;
}

bool Session::running() const { return experiment_ && !cancelled_ && failure_.empty() && !experiment_->done(); }
bool Session::done() const { return experiment_ && experiment_->done(); }
double Session::progress() const { return experiment_ ? experiment_->progress() : 0.0; }

std::string Session::result_json() const {
  if (!experiment_) return "null";
  try {
    json r = experiment_->result();
    if (cancelled_) r["cancelled"] = true;
    return r.dump();
  } catch (const std::exception& e) {
    return json{{"error", e.what()}}.dump();
  }
}

void Session::cancel() { cancelled_ = true; }

Outcome run(const std::string& spec_json, void (*on_progress)(double, void*), void* user) {
  Session s;
  Outcome o = s.start(spec_json);
  if (!o.ok) return o;
  while (!s.done()) {
    o = s.advance(200);
    if (!o.ok) return o;
    if (on_progress) on_progress(s.progress(), user);
  }
  return Outcome{true, "", s.result_json()};
}

}  // namespace bnlab
