#include <catch2/catch.hpp>

#include <string>

#include "bnlab/api.h"
#include "bnlab/error.h"
#include "bnlab/spec.h"

using namespace bnlab;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {
std::string text_error(const std::string& text) {
  try {
    check_json_text(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
std::string nested(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }
}  // namespace

TEST_CASE("Spec text nested deeper than the limit is refused before anything recurses", "[spec][text]") {
  CHECK(text_error("{\"a\":" + nested(kMaxSpecDepth - 1) + "}").empty());
  CHECK_THAT(text_error("{\"a\":" + nested(kMaxSpecDepth) + "}"), Contains("nested more than 32 levels deep"));
  // 400000 levels overflow the stack in json::parse; the SAX pass keeps its own stack.
  CHECK_THAT(text_error("{\"data\":" + nested(400000) + "}"), Contains("spec.data[0][0]"));
}

TEST_CASE("Spec text with a key given twice names the key and its object", "[spec][text]") {
  CHECK_THAT(text_error(R"({"train":{"lr":50},"train":{"lr":0.1}})"), Equals("spec.train: given twice in one object (each field may appear once)"));
  CHECK_THAT(text_error(R"({"s":[{"n":1},{"n":1,"n":2}]})"), Contains("spec.s[1].n: given twice"));
  CHECK(text_error(R"({"a":{"x":1},"b":{"x":1}})").empty());  // the same key in two objects is fine
}

TEST_CASE("Spec text with a NUL byte, too many bytes or numbers a double cannot hold is refused", "[spec][text]") {
  CHECK_THAT(text_error(std::string("{}\0{}", 5)), Contains("NUL byte at offset 2"));
  CHECK_THAT(text_error(std::string(kMaxSpecBytes + 1, ' ')), Contains("more than the limit of 1000000"));
  CHECK_THAT(text_error(R"({"train":{"lr":1e400}})"), Contains("spec.train.lr = 1e400: out of the range of a double"));
  CHECK_THAT(text_error(R"({"m":[0,-2e-400]})"), Contains("spec.m[1] = -2e-400: too small for a double"));
  CHECK(text_error(R"({"m":[0.0,0e-400,5e-324]})").empty());  // true zeros and the smallest denormal
}

TEST_CASE("clip keeps messages one line: control characters escaped, long text cut, UTF-8 intact", "[spec][text]") {
  CHECK(clip("a\nb\tc\x01", 60) == "a\\nb\\tc\\x01");
  CHECK(clip(std::string(100, 'x'), 60) == std::string(60, 'x') + "...");
  CHECK(clip("\xC3\xA9\xC3\xA9\xC3\xA9", 2) == "\xC3\xA9\xC3\xA9...");
  CHECK(clip("a\xFF" "b", 60) == "a\\xFFb");
}

TEST_CASE("A Session refuses unit counts outside [1, kMaxAdvanceUnits] instead of doing one unit", "[api][errors]") {
  Session s;
  REQUIRE(s.start(R"({"chapter":"speed","steps":20,"eval_every":5,"grid":4})").ok);
  CHECK_THAT(s.advance(0).error, Contains("advance: units = 0: must be a whole number in [1, 2147483647]"));
  CHECK_FALSE(s.advance(-5).ok);
  CHECK(s.progress() == 0.0);
  REQUIRE(s.advance(kMaxAdvanceUnits).ok);
  CHECK(s.done());
}
