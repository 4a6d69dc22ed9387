#pragma once
// Test data files written by the tests themselves: a scratch directory, gzip without a compression library,
// and MNIST's IDX format.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tg::testing {

/// A scratch directory named after the running test, removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `bytes` to the file `name` in this directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& bytes) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// `data` as a gzip file of deflate "stored" (uncompressed) blocks with its CRC-32 trailer (RFC 1951/1952).
std::string gzip_stored(const std::string& data);

/// An IDX images file: magic 0x00000803, count, rows, columns (big-endian uint32), then the pixels.
std::string idx_images(const std::vector<std::uint8_t>& pixels, std::uint32_t count, std::uint32_t rows,
                       std::uint32_t columns);
/// An IDX labels file: magic 0x00000801, count, then the labels.
std::string idx_labels(const std::vector<std::uint8_t>& labels);

}  // namespace tg::testing
