#include <fstream>
#include <iterator>
#include <ostream>

#include <tapegrad/serialize/io.hpp>

namespace tg {
namespace {

std::string in_quotes(std::string_view text) {
  std::string out;  // appended piece by piece: "\"" + text + "\"" trips GCC 12's -Wrestrict
  out.reserve(text.size() + 2);
  out.append(1, '"').append(text).append(1, '"');
  return out;
}

constexpr std::string_view kStreamName = "<stream>";

}  // namespace

void SaveTarget::write(std::string_view op, const OrderedDict<Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) const {
  if (const auto* path = std::get_if<std::string>(&target_)) {
    save_safetensors(tensors, *path, metadata);
    return;
  }
  std::ostream& out = *std::get<std::ostream*>(target_);
  const std::string bytes = serialize_safetensors(tensors, metadata);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  check(out.good(), op, "writing ", bytes.size(), " bytes to the stream failed");
}

SafetensorsFile LoadSource::read(std::string_view op) const {
  if (const auto* path = std::get_if<std::string>(&source_)) return load_safetensors(*path);
  std::istream& in = *std::get<std::istream*>(source_);
  check(in.good(), op, "the stream cannot be read (its state is not good)");
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  check(!in.bad(), op, "reading the stream failed after ", bytes.size(), " bytes");
  return deserialize_safetensors(bytes, kStreamName);
}

std::string LoadSource::describe() const {
  if (const auto* path = std::get_if<std::string>(&source_)) return in_quotes(*path);
  return std::string(kStreamName);
}

namespace detail {

void check_content(std::string_view op, const SafetensorsFile& file, const LoadSource& source,
                   std::string_view expected) {
  const auto found = file.metadata.find(std::string(kContentKey));
  if (found == file.metadata.end() || found->second == expected) return;
  check(false, op, source.describe(), " holds a checkpoint of ", in_quotes(found->second), ", not of ",
        in_quotes(expected), " (its metadata \"", kContentKey, "\" says so)");
}

}  // namespace detail
}  // namespace tg
