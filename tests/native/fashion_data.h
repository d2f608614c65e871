// The full Fashion-MNIST bundle from Debian's package for the images tests, read once (empty if
// the package is absent), and have_data(): false, with a line saying what to install, then.
#pragma once

#include <catch2/catch.hpp>

#include <iostream>
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

// The line CTest looks for (SKIP_REGULAR_EXPRESSION in CMakeLists.txt): a test that prints it
// returned early without checking anything and is reported as skipped, never as passed. Catch2
// 2.13 has no SKIP of its own. Printed to stdout directly so every reporter's run shows it.
inline constexpr const char* kSkipMarker = "BNLAB-TEST-SKIPPED";

inline bool have_data() {
  if (!fashion_bundle().empty()) return true;
  std::cout << kSkipMarker << ": Fashion-MNIST not found in " << bnlab_cli::default_fashion_dir() << ": "
            << bnlab::kFashionMnistHelp << std::endl;
  return false;
}

}  // namespace bnlab_test
