#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/device/array.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_streambuf.hpp>
#include <fstream>
#include <ios>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/nn/data/read_file.hpp>

namespace tg::data::detail {

namespace {

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string describe(const boost::iostreams::gzip_error& error) {
  namespace gzip = boost::iostreams::gzip;
  namespace zlib = boost::iostreams::zlib;
  switch (error.error()) {
    case gzip::bad_crc:
      return "CRC-32 check failed";
    case gzip::bad_length:
      return "length check failed";
    case gzip::bad_header:
      return "bad gzip header";
    case gzip::bad_footer:
      return "bad or missing gzip trailer";
    case gzip::bad_method:
      return "unsupported compression method";
    case gzip::zlib_error:
      if (error.zlib_error_code() == zlib::data_error) return "corrupt deflate data";
      if (error.zlib_error_code() == zlib::buf_error) return "the compressed data ends early";
      return "zlib error " + std::to_string(error.zlib_error_code());
    default:
      return error.what();
  }
}

std::string gunzip(const std::string& compressed, const std::filesystem::path& path, std::string_view op) {
  namespace io = boost::iostreams;
  std::ostringstream out;
  std::string problem;
  try {
    io::filtering_streambuf<io::input> in;
    in.push(io::gzip_decompressor());
    in.push(io::array_source(compressed.data(), compressed.size()));
    io::copy(in, out);
  } catch (const io::gzip_error& error) {
    problem = describe(error);
  } catch (const io::zlib_error& error) {
    problem = "zlib error " + std::to_string(error.error());
  } catch (const std::ios_base::failure& error) {
    problem = error.what();
  }
  check(problem.empty(), op, path.string(), ": not valid gzip data (", problem, ")");
  return std::move(out).str();
}

}  // namespace

std::string read_file(const std::filesystem::path& path, std::string_view op) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  check(std::filesystem::exists(status), op, "cannot open ", path.string(), ": no such file");
  check(!std::filesystem::is_directory(status), op, "cannot read ", path.string(), ": it is a directory");
  std::ifstream file(path, std::ios::binary);
  check(file.is_open(), op, "cannot open ", path.string(), " for reading");
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  check(!file.bad(), op, "error while reading ", path.string());
  return is_gzip(bytes) ? gunzip(bytes, path, op) : bytes;
}

}  // namespace tg::data::detail
