#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/data/mnist.hpp>
#include <tapegrad/nn/data/read_file.hpp>

namespace tg::data {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dims
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dim

std::string hex(std::uint32_t value) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(8) << std::setfill('0') << value;
  return out.str();
}

// An IDX file in memory: its header words and its data, with every read checked against the file size.
struct IdxFile {
  std::string bytes;
  std::vector<std::uint32_t> dims;
  std::size_t data_offset = 0;
};

std::uint32_t read_big_endian(const std::string& bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

IdxFile read_idx(const std::filesystem::path& path, std::uint32_t expected_magic, std::size_t rank,
                 std::string_view kind, std::string_view op) {
  IdxFile file{detail::read_file(path, op), {}, 4 + 4 * rank};
  const std::string name = path.string();
  check(file.bytes.size() >= 4, op, name, " is truncated: ", file.bytes.size(),
        " bytes, shorter than the 4-byte IDX magic number");
  const std::uint32_t magic = read_big_endian(file.bytes, 0);
  const char* hint = magic == kImagesMagic   ? " (this is an IDX images file)"
                     : magic == kLabelsMagic ? " (this is an IDX labels file)"
                                             : "";
  check(magic == expected_magic, op, name, ": bad magic number ", hex(magic), hint, "; expected ",
        hex(expected_magic), " for an IDX ", kind, " file");
  check(file.bytes.size() >= file.data_offset, op, name, " is truncated: ", file.bytes.size(),
        " bytes, shorter than its ", file.data_offset, "-byte header");
  // Three uint32 dims multiply to at most 2^96 bytes: exact in 128 bits, compared before any data is read.
  unsigned __int128 data_size = 1;
  std::ostringstream dims;
  for (std::size_t i = 0; i < rank; ++i) {
    file.dims.push_back(read_big_endian(file.bytes, 4 + 4 * i));
    data_size *= file.dims.back();
    dims << (i == 0 ? "" : " x ") << file.dims.back();
  }
  const std::size_t available = file.bytes.size() - file.data_offset;
  check(data_size <= available, op, name, " is truncated: its header promises ", dims.str(),
        " bytes of data after the ", file.data_offset, "-byte header, but only ", available, " follow");
  check(data_size == available, op, name, " has ", available - static_cast<std::size_t>(data_size),
        " unexpected bytes after its ", dims.str(), " bytes of data");
  return file;
}

}  // namespace

Tensor load_idx_images(const std::filesystem::path& path) {
  const IdxFile file = read_idx(path, kImagesMagic, 3, "images", "load_idx_images");
  const std::int64_t count = file.dims[0];
  const std::int64_t rows = file.dims[1];
  const std::int64_t columns = file.dims[2];
  Tensor images = empty({count, rows, columns}, kFloat32);
  float* out = images.data_ptr<float>();
  const auto* pixels = reinterpret_cast<const unsigned char*>(file.bytes.data() + file.data_offset);
  for (std::int64_t i = 0; i < count * rows * columns; ++i) out[i] = static_cast<float>(pixels[i]) / 255.0f;
  return images;
}

Tensor load_idx_labels(const std::filesystem::path& path) {
  const IdxFile file = read_idx(path, kLabelsMagic, 1, "labels", "load_idx_labels");
  const std::int64_t count = file.dims[0];
  Tensor labels = empty({count}, kInt64);
  std::int64_t* out = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < count; ++i)
    out[i] = static_cast<unsigned char>(file.bytes[file.data_offset + static_cast<std::size_t>(i)]);
  return labels;
}

TensorDataset load_mnist_idx(const std::filesystem::path& images_path,
                             const std::filesystem::path& labels_path, ImageLayout layout) {
  Tensor images = load_idx_images(images_path);
  Tensor labels = load_idx_labels(labels_path);
  check(images.size(0) == labels.size(0), "load_mnist_idx", images_path.string(), " has ", images.size(0),
        " images but ", labels_path.string(), " has ", labels.size(0), " labels");
  const std::int64_t rows = images.size(1);
  const std::int64_t columns = images.size(2);
  images = layout == ImageLayout::kFlat ? images.view({images.size(0), rows * columns})
                                        : images.view({images.size(0), 1, rows, columns});
  return TensorDataset(std::move(images), std::move(labels));
}

}  // namespace tg::data
