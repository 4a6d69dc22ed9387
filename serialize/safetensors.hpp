#pragma once
// Reading and writing the safetensors format (https://github.com/huggingface/safetensors, README
// "Format"), implemented from its specification:
//
//   8 bytes   N, the header length, an unsigned little-endian 64-bit integer
//   N bytes   a UTF-8 JSON object that starts with '{' (and may be padded with trailing spaces):
//               {"__metadata__": {"key": "value", ...},                       (optional, strings only)
//                "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//   the rest  the byte buffer: each tensor's elements, row-major and little-endian, at
//             [begin, end) relative to the start of the buffer
//
// tapegrad holds BOOL, U8, I8, I16, I32, I64, F32 and F64 tensors (every tapegrad dtype). See Note
// [safetensors layout] in safetensors.cpp for what the writer emits and Note [safetensors validation] for
// what the reader rejects.
#include <map>
#include <string>
#include <string_view>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/ordered_dict.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// The contents of a safetensors file: its tensors (in the order of their data in the file) and
/// the free-form string map stored under "__metadata__".
struct SafetensorsFile {
  OrderedDict<Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

/// The safetensors header limit (as the reference implementation's): longer headers are rejected.
inline constexpr std::uint64_t kSafetensorsMaxHeaderSize = 100'000'000;

/// Writes `tensors` (any strides; the elements are written row-major) to `path`, atomically: the
/// bytes go to a temporary file in the same directory, which is flushed to disk and then renamed
/// over `path`, so a crash or a failed write leaves any previous file at `path` untouched.
/// Throws tg::Error naming the path (and the tensor) on an undefined tensor, an empty or reserved
/// name, or an I/O error.
void save_safetensors(const OrderedDict<Tensor>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});
void save_safetensors(const std::map<std::string, Tensor>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata = {});

/// Reads and validates a whole safetensors file. Every tensor is a new contiguous tensor (no
/// requires_grad). Throws tg::Error naming the file, the tensor and what is wrong when the file
/// is not a valid safetensors file or holds a dtype tapegrad has no equivalent for (F16, BF16, ...).
SafetensorsFile load_safetensors(const std::string& path);

/// The bytes save_safetensors writes, in memory.
std::string serialize_safetensors(const OrderedDict<Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
/// Parses safetensors bytes held in memory; `source` names them in error messages.
SafetensorsFile deserialize_safetensors(std::string_view bytes, std::string_view source = "<memory>");

}  // namespace tg

#pragma GCC visibility pop
