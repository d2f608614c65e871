// Image data sets in the IDX format (LeCun's MNIST files; Fashion-MNIST uses the same), parsed
// from bytes in memory: the library does no I/O, so the CLI reads (and gunzips) the files and the
// page fetches a subset, and both hand the bytes over (Session::provide_data).
//
// IDX layout, big-endian: bytes 0-1 zero, byte 2 the element type (0x08 = unsigned byte), byte 3
// the number of dimensions d, then d uint32 sizes, then the elements in row-major order.
//   images: magic 0x00000803, sizes (N, rows, cols), N * rows * cols bytes
//   labels: magic 0x00000801, sizes (N),             N bytes, each a class in [0, classes)
// A bundle is four IDX files concatenated in this order: training images, training labels, test
// images, test labels (each file states its own length, so nothing else is needed). The CLI builds
// one from the four files of Debian's dataset-fashion-mnist; scripts/build-data.mjs writes the
// page's subset in the same format.
#pragma once

#include <string>

#include "bnlab/dataset.h"

namespace bnlab {

// The name under which hosts provide Fashion-MNIST, and what to do when it is missing.
inline constexpr const char* kFashionMnist = "fashion-mnist";
inline constexpr const char* kFashionMnistHelp = "install dataset-fashion-mnist (bash scripts/setup.sh)";
// Its ten classes, label order.
extern const char* const kFashionMnistClasses[10];

struct ImageData {
  Dataset train, test;  // pixels = bytes, y = labels, classes = `classes`
  int rows = 0, cols = 0;
};

// Parses a bundle. Every check names the part and what was wrong, e.g.
//   data fashion-mnist: test-labels: magic number 0x00000803: must be 0x00000801 (IDX labels)
// and what the bundle must contain; `classes` bounds the labels.
ImageData parse_image_bundle(const std::string& bytes, const std::string& name, int classes);

}  // namespace bnlab
