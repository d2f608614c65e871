// The core's one exception type. Every impossible request (a batch of one in training-mode batch
// norm, a width of zero, dropout p >= 1, a spec field out of range) throws bnlab::Error with a
// one-line message that names the parameter, the value and what is allowed. The facade (api.h)
// turns it into a value; nothing else in the core catches it.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace bnlab {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A value as a message shows it: what std::ostream prints (%g for floating point), without
// iostreams (they are a large part of the wasm module otherwise).
template <typename V>
std::string message_text(const V& value) {
  if constexpr (std::is_convertible_v<const V&, std::string>) {
    return std::string(value);
  } else if constexpr (std::is_same_v<V, bool>) {
    return value ? "1" : "0";
  } else if constexpr (std::is_same_v<V, char>) {
    return std::string(1, value);
  } else if constexpr (std::is_integral_v<V>) {
    return std::to_string(value);
  } else {
    static_assert(std::is_floating_point_v<V>, "message_text: a number or a string");
    char text[40];
    std::snprintf(text, sizeof text, "%g", static_cast<double>(value));
    return text;
  }
}

// require(cond, "name", value, "must be >= 1") -> "name = 0: must be >= 1"
template <typename V>
inline void require(bool condition, const std::string& name, const V& value, const std::string& rule) {
  if (condition) return;
  throw Error(name + " = " + message_text(value) + ": " + rule);
}

}  // namespace bnlab
