#pragma once
// The character-level corpus: Debian's fortune cookies (package `fortunes`), read as bytes.
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace char_lm {

/// The regular files (not symlinks) of `directory` whose names contain no dot, sorted byte-wise by
/// name and concatenated. Throws tg::Error when there is none.
std::string read_fortunes(const std::filesystem::path& directory);

/// The distinct bytes of a text, sorted; each byte's id is its position.
class Vocabulary {
 public:
  explicit Vocabulary(const std::string& text);
  std::int64_t size() const { return static_cast<std::int64_t>(bytes_.size()); }
  /// int64 ids [text.size()] (every byte must be in the vocabulary).
  tg::Tensor encode(const std::string& text) const;
  std::string decode(const tg::Tensor& ids) const;
  bool contains(char byte) const { return id_of_[static_cast<unsigned char>(byte)] >= 0; }

 private:
  std::vector<char> bytes_;
  std::array<std::int64_t, 256> id_of_{};
};

/// The first 90 % of the ids train, the last 10 % validate (nanoGPT's shakespeare_char split).
struct Split {
  tg::Tensor train, val;
};
Split split_train_val(const tg::Tensor& ids, double train_fraction = 0.9);

/// `batch` windows of `block` ids starting at uniformly random offsets (tg's generator), and the same
/// windows shifted by one as targets: {x, y}, both int64 [batch, block].
std::pair<tg::Tensor, tg::Tensor> random_batch(const tg::Tensor& ids, std::int64_t batch, std::int64_t block);

}  // namespace char_lm
