#include <tapegrad/nn/data/csv.hpp>
#include <tapegrad/nn/data/digits.hpp>

// Set for this file by nn/CMakeLists.txt.
#ifndef TAPEGRAD_DIGITS_SOURCE_PATH
#error "TAPEGRAD_DIGITS_SOURCE_PATH must name nn/data/datasets/digits.csv.gz in the source tree"
#endif
#ifndef TAPEGRAD_DIGITS_INSTALL_PATH
#error "TAPEGRAD_DIGITS_INSTALL_PATH must name the installed digits.csv.gz"
#endif

namespace tg::data {

std::filesystem::path default_digits_path() {
  const std::filesystem::path source = TAPEGRAD_DIGITS_SOURCE_PATH;
  std::error_code error;
  if (std::filesystem::exists(source, error)) return source;
  return TAPEGRAD_DIGITS_INSTALL_PATH;
}

TensorDataset load_digits(const std::filesystem::path& path) {
  TensorDataset digits = load_csv(path, CsvOptions().label_column(-1));
  const Tensor& pixels = digits.inputs();
  const Tensor& labels = digits.targets();
  check(pixels.size(1) == 64, "load_digits", path.string(), ": expected 64 pixel columns and a label, got ",
        pixels.size(1) + 1, " columns");
  const float* values = pixels.data_ptr<float>();
  for (std::int64_t i = 0; i < pixels.numel(); ++i)
    check(values[i] >= 0.0f && values[i] <= 16.0f, "load_digits", path.string(), ": pixel ", i % 64,
          " of row ", i / 64 + 1, " is ", values[i], ", outside [0, 16]");
  const std::int64_t* classes = labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    check(classes[i] >= 0 && classes[i] < 10, "load_digits", path.string(), ": label ", classes[i],
          " of row ", i + 1, " is outside [0, 10)");
  pixels.mul_(1.0 / 16.0);  // exact: a power of two
  return digits;
}

}  // namespace tg::data
