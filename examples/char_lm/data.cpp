#include "char_lm/data.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace char_lm {

namespace fs = std::filesystem;

std::string read_fortunes(const fs::path& directory) {
  tg::check(fs::is_directory(directory), "read_fortunes", "no such directory: ", directory.string(),
            " (apt-get install fortunes)");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.find('.') == std::string::npos && fs::is_regular_file(entry.symlink_status()))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // std::string's < compares bytes (as unsigned char)
  tg::check(!names.empty(), "read_fortunes", "no fortune files (names without a dot) in ",
            directory.string());
  std::string text;
  for (const auto& name : names) {
    std::ifstream in(directory / name, std::ios::binary);
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return text;
}

Vocabulary::Vocabulary(const std::string& text) {
  std::array<bool, 256> seen{};
  for (const char c : text) seen[static_cast<unsigned char>(c)] = true;
  id_of_.fill(-1);
  for (int byte = 0; byte < 256; ++byte) {
    if (!seen[byte]) continue;
    id_of_[byte] = static_cast<std::int64_t>(bytes_.size());
    bytes_.push_back(static_cast<char>(byte));
  }
}

tg::Tensor Vocabulary::encode(const std::string& text) const {
  tg::Tensor ids = tg::empty({static_cast<std::int64_t>(text.size())}, tg::kInt64);
  auto* out = ids.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < text.size(); ++i) {
    out[i] = id_of_[static_cast<unsigned char>(text[i])];
    tg::check(out[i] >= 0, "Vocabulary::encode", "byte ",
              static_cast<int>(static_cast<unsigned char>(text[i])), " is not in the vocabulary");
  }
  return ids;
}

std::string Vocabulary::decode(const tg::Tensor& ids) const {
  const tg::Tensor flat = ids.contiguous().view({-1});
  const auto* in = flat.data_ptr<std::int64_t>();
  std::string text(static_cast<std::size_t>(flat.numel()), '\0');
  for (std::size_t i = 0; i < text.size(); ++i) {
    tg::check(in[i] >= 0 && in[i] < size(), "Vocabulary::decode", "id ", in[i], " out of range [0, ", size(),
              ")");
    text[i] = bytes_[static_cast<std::size_t>(in[i])];
  }
  return text;
}

Split split_train_val(const tg::Tensor& ids, double train_fraction) {
  const auto n = ids.numel();
  const auto n_train = static_cast<std::int64_t>(train_fraction * static_cast<double>(n));
  return {ids.narrow(0, 0, n_train), ids.narrow(0, n_train, n - n_train)};
}

std::pair<tg::Tensor, tg::Tensor> random_batch(const tg::Tensor& ids, std::int64_t batch,
                                               std::int64_t block) {
  tg::check(ids.numel() > block, "random_batch", "a corpus of ", ids.numel(), " ids has no window of ",
            block + 1);
  const tg::Tensor starts = tg::randint(ids.numel() - block, {batch});
  tg::Tensor x = tg::empty({batch, block}, tg::kInt64), y = tg::empty({batch, block}, tg::kInt64);
  const tg::Tensor source = ids.contiguous();
  const auto* data = source.data_ptr<std::int64_t>();
  const auto* start = starts.data_ptr<std::int64_t>();
  const auto bytes = static_cast<std::size_t>(block) * sizeof(std::int64_t);
  for (std::int64_t b = 0; b < batch; ++b) {
    std::memcpy(x.data_ptr<std::int64_t>() + b * block, data + start[b], bytes);
    std::memcpy(y.data_ptr<std::int64_t>() + b * block, data + start[b] + 1, bytes);
  }
  return {x, y};
}

}  // namespace char_lm
