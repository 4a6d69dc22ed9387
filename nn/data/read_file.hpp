#pragma once
// Reading a whole data file into memory, decompressing it when it is gzip-compressed.
#include <filesystem>
#include <string>
#include <string_view>

namespace tg::data::detail {

/// The bytes of `path`; a gzip file (recognised by its magic bytes 1f 8b, whatever its name) is
/// decompressed with Boost.Iostreams. Throws tg::Error("<op>: ...") naming the path when the file is
/// missing, unreadable, or not valid gzip data.
std::string read_file(const std::filesystem::path& path, std::string_view op);

}  // namespace tg::data::detail
