#include "bnlab/idx.h"

#include <cstdint>
#include <cstdio>

#include "bnlab/error.h"

namespace bnlab {

const char* const kFashionMnistClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

// Reads one IDX part at `pos`, advancing it.
class Parts {
 public:
  Parts(const std::string& bytes, const std::string& name) : b_(bytes), name_(name) {}

  [[noreturn]] void fail(const std::string& part, const std::string& what) const {
    throw Error("data " + name_ + ": " + part + ": " + what +
                " (a bundle is 4 IDX files: train-images, train-labels, test-images, test-labels)");
  }

  std::uint32_t u32(const std::string& part) {
    if (pos_ + 4 > b_.size()) fail(part, "ends inside its header at byte " + std::to_string(b_.size()));
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(b_[pos_ + static_cast<std::size_t>(k)]);
    pos_ += 4;
    return v;
  }

  // Checks the magic number and returns the sizes; `pos` then points at the elements.
  std::vector<std::uint32_t> header(const std::string& part, std::uint32_t magic, const char* kind) {
    const std::uint32_t m = u32(part);
    if (m != magic) fail(part, "magic number " + hex32(m) + ": must be " + hex32(magic) + " (" + kind + ")");
    std::vector<std::uint32_t> sizes;
    for (std::uint32_t d = 0; d < (magic & 0xff); ++d) sizes.push_back(u32(part));
    return sizes;
  }

  const unsigned char* take(const std::string& part, std::size_t n) {
    if (pos_ + n > b_.size())
      fail(part, "has " + std::to_string(b_.size() - pos_) + " bytes of data: its header promises " + std::to_string(n));
    const unsigned char* p = reinterpret_cast<const unsigned char*>(b_.data()) + pos_;
    pos_ += n;
    return p;
  }

  std::size_t remaining() const { return b_.size() - pos_; }

 private:
  const std::string& b_;
  std::string name_;
  std::size_t pos_ = 0;
};

void read_pair(Parts& parts, const std::string& which, int classes, Dataset& d, int& rows, int& cols) {
  const std::string ip = which + "-images", lp = which + "-labels";
  const std::vector<std::uint32_t> is = parts.header(ip, 0x00000803u, "IDX images");
  if (is[0] == 0 || is[1] == 0 || is[2] == 0 || is[0] > 1000000u || is[1] > 4096u || is[2] > 4096u ||
      is[1] * is[2] > 4096u || static_cast<std::uint64_t>(is[0]) * is[1] * is[2] > (1ull << 30))
    parts.fail(ip, "sizes " + std::to_string(is[0]) + " x " + std::to_string(is[1]) + " x " + std::to_string(is[2]) +
                       ": must be 1..1000000 images of at most 4096 pixels, 2^30 bytes in all");
  if (rows != 0 && (static_cast<int>(is[1]) != rows || static_cast<int>(is[2]) != cols))
    parts.fail(ip, "images are " + std::to_string(is[1]) + " x " + std::to_string(is[2]) + ": the training images are " +
                       std::to_string(rows) + " x " + std::to_string(cols));
  rows = static_cast<int>(is[1]);
  cols = static_cast<int>(is[2]);
  const std::size_t n = is[0], dims = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
  const unsigned char* px = parts.take(ip, n * dims);
  const std::vector<std::uint32_t> ls = parts.header(lp, 0x00000801u, "IDX labels");
  if (ls[0] != is[0])
    parts.fail(lp, std::to_string(ls[0]) + " labels: must be one per image (" + std::to_string(n) + ")");
  const unsigned char* lab = parts.take(lp, n);
  d.pixels.assign(px, px + n * dims);
  d.pixel_dims = static_cast<int>(dims);
  d.classes = classes;
  d.x.resize(0, 0);
  d.y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (lab[i] >= classes)
      parts.fail(lp, "label " + std::to_string(lab[i]) + " of example " + std::to_string(i) + ": must be in [0, " +
                         std::to_string(classes - 1) + "]");
    d.y[i] = lab[i];
  }
}

}  // namespace

ImageData parse_image_bundle(const std::string& bytes, const std::string& name, int classes) {
  require(classes >= 2 && classes <= 256, "image classes", classes, "must be in [2, 256]");
  Parts parts(bytes, name);
  ImageData out;
  read_pair(parts, "train", classes, out.train, out.rows, out.cols);
  read_pair(parts, "test", classes, out.test, out.rows, out.cols);
  if (parts.remaining() != 0)
    parts.fail("test-labels", std::to_string(parts.remaining()) + " bytes follow the last part: must end there");
  return out;
}

}  // namespace bnlab
