#include "support/data_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

namespace tg::testing {

TempDir::TempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test_name =
      info == nullptr ? std::string("no_test") : std::string(info->test_suite_name()) + "_" + info->name();
  path_ = std::filesystem::temp_directory_path() /
          ("tapegrad_data_test_" + std::to_string(::getpid()) + "_" + test_name);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& bytes) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream(file, std::ios::binary) << bytes;
  return file;
}

namespace {

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_le32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void put_be32(std::string& out, std::uint32_t value) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

std::string gzip_stored(const std::string& data) {
  std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\xff'};
  std::size_t position = 0;
  do {
    const std::size_t length = std::min<std::size_t>(data.size() - position, 65535);
    const bool last = position + length == data.size();
    out.push_back(last ? '\x01' : '\x00');
    out.push_back(static_cast<char>(length & 0xff));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(~length & 0xff));
    out.push_back(static_cast<char>((~length >> 8) & 0xff));
    out.append(data, position, length);
    position += length;
  } while (position < data.size());
  put_le32(out, crc32(data));
  put_le32(out, static_cast<std::uint32_t>(data.size()));
  return out;
}

std::string idx_images(const std::vector<std::uint8_t>& pixels, std::uint32_t count, std::uint32_t rows,
                       std::uint32_t columns) {
  std::string out;
  put_be32(out, 0x00000803);
  put_be32(out, count);
  put_be32(out, rows);
  put_be32(out, columns);
  out.append(pixels.begin(), pixels.end());
  return out;
}

std::string idx_labels(const std::vector<std::uint8_t>& labels) {
  std::string out;
  put_be32(out, 0x00000801);
  put_be32(out, static_cast<std::uint32_t>(labels.size()));
  out.append(labels.begin(), labels.end());
  return out;
}

}  // namespace tg::testing
