#pragma once
// MNIST in its IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, ... plain or .gz).
#include <filesystem>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/data/dataset.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// The shape of the images load_mnist_idx returns.
enum class ImageLayout {
  kFlat,      ///< [N, rows * columns], ready for a Linear layer
  kChannels,  ///< [N, 1, rows, columns], as libtorch's MNIST dataset
};

/// An IDX image file (big-endian header: magic 0x00000803, then the count, rows and columns as uint32;
/// then count * rows * columns unsigned bytes) as float32 [count, rows, columns] scaled to [0, 1] (pixel /
/// 255).
Tensor load_idx_images(const std::filesystem::path& path);
/// An IDX label file (big-endian magic 0x00000801 and count, then count unsigned bytes) as int64 [count].
Tensor load_idx_labels(const std::filesystem::path& path);

/// The images and labels of one MNIST split as a dataset: float32 images in [0, 1] (shaped by `layout`) and
/// int64 labels. Gzip-compressed files are decompressed. Throws tg::Error naming the file for a missing file,
/// a wrong magic number, a file shorter or longer than its header says, or image and label counts that
/// differ; it never reads past the data a file holds.
TensorDataset load_mnist_idx(const std::filesystem::path& images_path,
                             const std::filesystem::path& labels_path,
                             ImageLayout layout = ImageLayout::kFlat);

}  // namespace tg::data

#pragma GCC visibility pop
