#pragma once
// Where tg::save writes and tg::load reads: a path or a standard stream, as libtorch's
// OutputArchive::save_to / InputArchive::load_from. Every file is a safetensors file
// (safetensors.hpp) whose metadata key "tapegrad.content" names what it holds, so that loading one
// kind of file as another (a tensor list as a Tensor, an optimizer as a module) is refused.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include <tapegrad/serialize/safetensors.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// A path (the file is replaced atomically, see save_safetensors) or a std::ostream.
class SaveTarget {
 public:
  SaveTarget(std::string path) : target_(std::move(path)) {}
  SaveTarget(const char* path) : target_(std::string(path)) {}
  SaveTarget(const std::filesystem::path& path) : target_(path.string()) {}
  SaveTarget(std::ostream& stream) : target_(&stream) {}

  /// Writes the safetensors bytes of `tensors` with `metadata`; throws tg::Error naming `op` and
  /// the path or stream when it cannot.
  void write(std::string_view op, const OrderedDict<Tensor>& tensors,
             const std::map<std::string, std::string>& metadata) const;

 private:
  std::variant<std::string, std::ostream*> target_;
};

/// A path or a std::istream (read to its end).
class LoadSource {
 public:
  LoadSource(std::string path) : source_(std::move(path)) {}
  LoadSource(const char* path) : source_(std::string(path)) {}
  LoadSource(const std::filesystem::path& path) : source_(path.string()) {}
  LoadSource(std::istream& stream) : source_(&stream) {}

  /// Reads and validates the whole file (load_safetensors / deserialize_safetensors).
  SafetensorsFile read(std::string_view op) const;
  /// The path in quotes, or "<stream>", for error messages.
  std::string describe() const;

 private:
  std::variant<std::string, std::istream*> source_;
};

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {

/// The metadata key that names what a tapegrad file holds ("module", "optimizer", "training",
/// "tensor", "tensor_list").
inline constexpr std::string_view kContentKey = "tapegrad.content";

/// Throws unless the file holds `expected` (files without the key, such as PyTorch's, pass).
void check_content(std::string_view op, const SafetensorsFile& file, const LoadSource& source,
                   std::string_view expected);

}  // namespace detail
#pragma GCC visibility pop
}  // namespace tg

#pragma GCC visibility pop
