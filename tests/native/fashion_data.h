// The full Fashion-MNIST bundle from Debian's package for the images tests, read once (empty if
// the package is absent), and have_data(): false, with a warning saying what to install, then.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "../../native/cli/data_files.h"
#include "bnlab/idx.h"

namespace bnlab_test {

inline const std::string& fashion_bundle() {
  static const std::string bundle = [] {
    std::string b, error;
    if (!bnlab_cli::read_fashion_mnist(bnlab_cli::default_fashion_dir(), b, error)) return std::string();
    return b;
  }();
  return bundle;
}

inline bool have_data() {
  if (!fashion_bundle().empty()) return true;
  WARN("SKIPPED: Fashion-MNIST not found in " << bnlab_cli::default_fashion_dir() << ": " << bnlab::kFashionMnistHelp);
  return false;
}

}  // namespace bnlab_test
