// libFuzzer target: the data loaders of nn/data (CSV and IDX/MNIST, plain or gzip) on arbitrary file
// contents. The first byte picks the loader and its options; the rest is written to a scratch file
// (the loaders read paths, and this way the gzip detection and decompression are fuzzed too). Every
// load must either succeed or throw tg::Error. See fuzz/README.md.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <tapegrad/nn/data/csv.hpp>
#include <tapegrad/nn/data/mnist.hpp>

namespace {

// Per-process scratch files in /dev/shm (memory) when it exists, else the temporary directory; the
// directory is removed when the fuzzer exits normally.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    path_ = base / ("tapegrad-data-fuzzer-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path scratch_path(const char* name) {
  static const ScratchDirectory directory;
  return directory.path() / name;
}

std::filesystem::path write_scratch(const char* name, const std::string& bytes) {
  const std::filesystem::path path = scratch_path(name);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

void check_consistent(const tg::Tensor& features, const tg::Tensor& labels) {
  if (features.dim() < 1 || labels.dim() != 1 || features.size(0) != labels.size(0)) {
    std::fprintf(stderr, "data_fuzzer: a loaded dataset has inconsistent shapes\n");
    std::abort();
  }
  (void)features.to_vector<double>();  // reads every element: ASan checks the bounds
  (void)labels.to_vector<std::int64_t>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const int loader = in.ConsumeIntegralInRange<int>(0, 3);
  try {
    if (loader <= 1) {  // CSV
      constexpr char kDelimiters[] = {',', ';', '\t', ' '};
      const tg::Dtype dtypes[] = {tg::kFloat32, tg::kFloat64, tg::kInt64};
      tg::data::CsvOptions options;
      options.header(in.ConsumeBool())
          .delimiter(in.PickValueInArray(kDelimiters))
          .label_column(in.ConsumeIntegralInRange<std::int64_t>(-4, 4))
          .dtype(in.PickValueInArray(dtypes));
      const auto path = write_scratch("data.csv", in.ConsumeRemainingBytesAsString());
      if (loader == 0) {
        const tg::data::TensorDataset dataset = tg::data::load_csv(path, options);
        check_consistent(dataset.inputs(), dataset.targets());
      } else {
        (void)tg::data::load_csv_tensor(path, options).to_vector<double>();
      }
    } else {  // IDX: images and labels from one input, split where the input says
      const std::string images = in.ConsumeRandomLengthString(size);
      const auto images_path = write_scratch("images.idx", images);
      const auto labels_path = write_scratch("labels.idx", in.ConsumeRemainingBytesAsString());
      if (loader == 2) {
        (void)tg::data::load_idx_images(images_path).to_vector<double>();
      } else {
        const auto layout =
            images.size() % 2 ? tg::data::ImageLayout::kFlat : tg::data::ImageLayout::kChannels;
        const tg::data::TensorDataset dataset = tg::data::load_mnist_idx(images_path, labels_path, layout);
        check_consistent(dataset.inputs(), dataset.targets());
      }
    }
  } catch (const tg::Error&) {
    // rejected with a message: expected
  }
  return 0;
}
