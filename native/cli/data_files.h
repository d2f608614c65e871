// Reading the data a chapter needs from disk (the CLI and the native tests; the library does no
// I/O). Fashion-MNIST: Debian's dataset-fashion-mnist installs the four IDX files gzipped in
// /usr/share/datasets/fashion-mnist; they are gunzipped here with zlib (gzread also reads files
// that are not compressed) and concatenated into the bundle of bnlab/idx.h. A path that is a
// regular file is read as a bundle as it is (the page's subset, web/generated/fashion-mnist-subset.bin).
#pragma once

#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <string>

#include "bnlab/idx.h"

namespace bnlab_cli {

inline const char* default_fashion_dir() {
  const char* env = std::getenv("BNLAB_FASHION_MNIST");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

// Appends the (decompressed) contents of `path` to `out`; false if it cannot be read.
inline bool gunzip_append(const std::string& path, std::string& out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool ok = n == 0;
  gzclose(f);
  return ok;
}

// The Fashion-MNIST bundle from a directory of the four files (.gz or not) or from a bundle file.
// On failure returns false with a one-line message saying what is missing and how to get it.
inline bool read_fashion_mnist(const std::string& where, std::string& bundle, std::string& error) {
  struct stat st {};
  if (stat(where.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    if (gunzip_append(where, bundle)) return true;
    error = std::string("data fashion-mnist: cannot read \"") + where + "\"";
    return false;
  }
  for (const char* part : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"}) {
    const std::string base = where + "/" + part;
    if (gunzip_append(base + ".gz", bundle) || gunzip_append(base, bundle)) continue;
    error = "data fashion-mnist: cannot read " + base + ".gz: " + bnlab::kFashionMnistHelp +
            ", or pass --data DIR (or a bundle file)";
    return false;
  }
  return true;
}

}  // namespace bnlab_cli
