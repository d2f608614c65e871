// The checks on a spec's raw text before anything parses it into a json value: size, NUL bytes,
// nesting depth, keys given twice, numbers a double cannot hold; then parse_json.
#include "bnlab/error.h"
#include "bnlab/spec.h"

namespace bnlab {

namespace {
// A first pass over the text with nlohmann's SAX parser, which keeps its own stack and does not
// recurse: it bounds the nesting before anything that does recurse (the DOM parser, SpecReader's
// copies, dump) sees the text, refuses a key given twice in one object (json::parse would keep the
// last one), and words number errors with the field they belong to.
class SpecChecker : public nlohmann::json_sax<json> {
 public:
  std::string error;

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t x, const string_t& text) override {
    if (x == 0.0) {
      // strtod rounds a tiny non-zero literal (1e-400) to 0; that would change the input.
      const std::string mantissa = text.substr(0, text.find_first_of("eE"));
      if (mantissa.find_first_of("123456789") != std::string::npos)
        return fail(where() + " = " + clip(text, 60) + ": too small for a double (it would become 0)");
    }
    return value();
  }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(true); }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) return fail(path(k) + ": given twice in one object (each field may appear once)");
    f.key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) override {
    if (e.id == 406)  // number overflow: strtod gave +-inf
      return fail(where() + " = " + clip(token, 60) + ": out of the range of a double (magnitude above 1.8e308)");
    std::string what = e.what();
    const auto at = what.find("parse error");
    return fail("spec: not valid JSON (" + clip(at == std::string::npos ? what : what.substr(at), 200) + ")");
  }

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;
    std::size_t index = 0;
  };
  std::vector<Frame> frames_;

  bool fail(const std::string& message) {
    if (error.empty()) error = message;
    return false;
  }
  std::string path(const std::string& last) const {
    std::string p = "spec";
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      const bool top = i + 1 == frames_.size();
      if (f.object) p += "." + clip(top ? last : f.key, 40);
      else p += "[" + std::to_string(top ? f.index : f.index - 1) + "]";
      if (p.size() > 200) return clip(p, 200);
    }
    return p;
  }
  // The field the value being read belongs to.
  std::string where() const {
    if (frames_.empty()) return "spec";
    const Frame& f = frames_.back();
    return path(f.object ? f.key : std::string());
  }
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool open(bool object) {
    if (frames_.size() >= kMaxSpecDepth)
      return fail(where() + ": nested more than " + std::to_string(kMaxSpecDepth) + " levels deep");
    value();
    frames_.push_back(Frame{object, {}, {}, 0});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
};
}  // namespace

void check_json_text(const std::string& text) {
  if (text.size() > kMaxSpecBytes)
    throw Error("spec: " + std::to_string(text.size()) + " bytes, more than the limit of " +
                std::to_string(kMaxSpecBytes));
  const auto nul = text.find('\0');
  if (nul != std::string::npos)
    throw Error("spec: a NUL byte at offset " + std::to_string(nul) + " (JSON text cannot contain one)");
  SpecChecker checker;
  if (!json::sax_parse(text, &checker) || !checker.error.empty())
    throw Error(checker.error.empty() ? std::string("spec: not valid JSON") : checker.error);
}

json parse_json(const std::string& text) {
  check_json_text(text);
  return json::parse(text);
}

}  // namespace bnlab
