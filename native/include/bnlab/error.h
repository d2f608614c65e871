// The core's one exception type. Every impossible request (a batch of one in training-mode batch
// norm, a width of zero, dropout p >= 1, a spec field out of range) throws bnlab::Error with a
// one-line message that names the parameter, the value and what is allowed. The facade (api.h)
// turns it into a value; nothing else in the core catches it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace bnlab {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// require(cond, "name", value, "must be >= 1") -> "name = 0: must be >= 1"
template <typename V>
inline void require(bool condition, const std::string& name, const V& value, const std::string& rule) {
  if (condition) return;
  std::ostringstream os;
  os << name << " = " << value << ": " << rule;
  throw Error(os.str());
}

}  // namespace bnlab
