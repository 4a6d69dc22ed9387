#pragma once
// datasets::MNIST: the MNIST (or Fashion-MNIST) IDX files of a directory as a map-style dataset, as
// torch::data::datasets::MNIST.
#include <cstddef>
#include <optional>
#include <string>

#include <tapegrad/nn/data/datasets/base.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data::datasets {

class MNIST : public Dataset<MNIST> {
 public:
  enum class Mode { kTrain, kTest };

  /// Reads root/train-images-idx3-ubyte and root/train-labels-idx1-ubyte (kTest: t10k-images-idx3-ubyte,
  /// t10k-labels-idx1-ubyte), each plain or gzip-compressed with a .gz suffix. Throws tg::Error naming the
  /// path for a missing file, a bad magic number, a truncated file, or image and label counts that differ.
  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  /// Image `index` (float32 [1, rows, columns] in [0, 1]) and its label (int64 scalar).
  Example<> get(std::size_t index) override;
  std::optional<std::size_t> size() const override;

  bool is_train() const noexcept { return is_train_; }
  /// float32 [N, 1, rows, columns], pixel / 255.
  const Tensor& images() const { return images_; }
  /// int64 [N].
  const Tensor& targets() const { return targets_; }

 private:
  Tensor images_, targets_;
  bool is_train_;
};

}  // namespace tg::data::datasets

#pragma GCC visibility pop
