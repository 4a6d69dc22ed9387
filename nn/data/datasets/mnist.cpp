#include <filesystem>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/nn/data/datasets/mnist.hpp>
#include <tapegrad/nn/data/mnist.hpp>

namespace tg::data::datasets {

namespace {

// root/name, else root/name.gz; throws naming both when neither exists.
std::filesystem::path find_idx_file(const std::string& root, const std::string& name, const char* kind) {
  const std::filesystem::path plain = std::filesystem::path(root) / name;
  std::filesystem::path gzipped = plain;
  gzipped += ".gz";
  if (std::filesystem::exists(plain)) return plain;
  if (std::filesystem::exists(gzipped)) return gzipped;
  throw Error("MNIST: Error opening " + std::string(kind) + " file at " + plain.string() +
              ": neither it nor " + gzipped.filename().string() + " exists");
}

}  // namespace

MNIST::MNIST(const std::string& root, Mode mode) : is_train_(mode == Mode::kTrain) {
  const std::string prefix = is_train_ ? "train" : "t10k";
  // Looked up one after the other, so that a missing directory is reported as missing images, as libtorch
  // does.
  const std::filesystem::path images = find_idx_file(root, prefix + "-images-idx3-ubyte", "images");
  const std::filesystem::path labels = find_idx_file(root, prefix + "-labels-idx1-ubyte", "labels");
  const TensorDataset pairs = load_mnist_idx(images, labels, ImageLayout::kChannels);
  images_ = pairs.inputs();
  targets_ = pairs.targets();
}

Example<> MNIST::get(std::size_t index) {
  check(index < static_cast<std::size_t>(images_.size(0)), "MNIST::get", "index ", index,
        " is out of range for a dataset of ", images_.size(0), " examples");
  const auto i = static_cast<std::int64_t>(index);
  return {images_[i], targets_[i]};
}

std::optional<std::size_t> MNIST::size() const { return static_cast<std::size_t>(images_.size(0)); }

}  // namespace tg::data::datasets
