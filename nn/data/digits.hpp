#pragma once
// The UCI handwritten digits (8x8 images, 10 classes) as shipped with scikit-learn: 1,797 examples,
// bundled as nn/data/datasets/digits.csv.gz (see the README there for provenance and licence).
#include <filesystem>

#include <tapegrad/nn/data/dataset.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// Where load_digits() looks by default: the copy in tapegrad's source tree when it exists (so programs
/// built in any build tree find it), else the installed copy, <prefix>/share/tapegrad/datasets/digits.csv.gz
/// for the prefix configured at build time. Either way the result names the file; it need not exist.
std::filesystem::path default_digits_path();

/// The digits dataset: inputs float32 [1797, 64] (pixels 0..16 divided by 16, so in [0, 1], each row an 8x8
/// image in row-major order) and int64 targets [1797] in 0..9. `path` is a CSV (optionally gzip-compressed)
/// with 64 pixel columns and the label last, as scikit-learn's digits.csv.gz.
TensorDataset load_digits(const std::filesystem::path& path = default_digits_path());

}  // namespace tg::data

#pragma GCC visibility pop
