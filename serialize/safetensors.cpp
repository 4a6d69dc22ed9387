// safetensors reader and writer. The header is parsed by nlohmann-json's SAX interface into a
// small state machine that accepts only the shapes the format allows, so no input (however
// malformed or deeply nested) builds a large document, and nothing is allocated or read for the
// tensor data until every offset has been checked against the real size of the data buffer.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <unordered_set>
#include <utility>
#include <vector>

#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/serialize/safetensors.hpp>

namespace tg {

// Note [safetensors layout]
// The writer produces what the reference implementation (huggingface/safetensors,
// safetensors/src/tensor.rs `prepare`) produces for the same tensors, byte for byte:
//  - tensors are laid out in the buffer sorted by dtype in descending order of the reference's
//    Dtype enum (whose order is by alignment: I64, F64, F32, I32, I16, I8, U8, BOOL), then by name,
//    so every tensor's data starts at a multiple of its element size;
//  - the header is compact JSON: "__metadata__" first (omitted when there is no metadata; its keys
//    sorted), then the tensors in buffer order, each as {"dtype", "shape", "data_offsets"};
//  - the header is padded with spaces (0x20) to a multiple of 8 bytes, so the buffer, and with it
//    every tensor, is 8-byte aligned within the file.
// The reader does not depend on any of this: any order of keys and of data is accepted as long as
// the offsets tile the buffer exactly.
//
// Note [safetensors validation]
// Following the specification (README "Format" and its notes) and the checks of the reference
// reader, the reader rejects, with a tg::Error naming the file and, where there is one, the tensor:
//  - files shorter than 8 bytes, a header length over kSafetensorsMaxHeaderSize or past the end of
//    the file, a header that does not start with '{', is not valid JSON or UTF-8 (checked by
//    nlohmann-json), or has anything but JSON whitespace after the object;
//  - duplicate keys, at the top level (tensor names) and inside a tensor or "__metadata__";
//    empty tensor names; "__metadata__" that is not an object of strings;
//  - a tensor that is not an object of exactly "dtype" (a string naming a dtype of the
//    specification), "shape" (non-negative integers, at most kMaxDims of them) and "data_offsets"
//    (two non-negative integers); the reference reader ignores unknown fields, we reject them;
//  - an element count or byte size that overflows, end < begin, end - begin != numel * itemsize,
//    offsets past the end of the buffer, offsets that overlap or leave a hole between tensors,
//    and buffer bytes after the last tensor (the offsets must tile the buffer exactly);
//  - then, for a valid file, dtypes tapegrad cannot hold (F16, BF16, U16..U64, C64, F8_*, sub-byte);
//  - BOOL bytes other than 0 and 1 (a C++ bool cannot hold them).
// Tensor values themselves are not checked (NaN and infinities load as they are).

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; tapegrad reads and writes it with plain copies");

namespace {

constexpr std::size_t kMaxDims = 64;
constexpr std::string_view kMetadataKey = "__metadata__";

// The dtypes of the specification, in the order of the reference implementation's Dtype enum
// (the writer's sort key). bytes == 0 marks sub-byte types (F4, F6_*).
struct DtypeInfo {
  std::string_view name;
  std::size_t bytes;
  std::optional<Dtype> dtype;  // the tapegrad dtype, if tapegrad has one
};

constexpr DtypeInfo kDtypes[] = {
    {"BOOL", 1, kBool},
    {"F4", 0, std::nullopt},
    {"F6_E2M3", 0, std::nullopt},
    {"F6_E3M2", 0, std::nullopt},
    {"U8", 1, kUInt8},
    {"I8", 1, kInt8},
    {"F8_E5M2", 1, std::nullopt},
    {"F8_E4M3", 1, std::nullopt},
    {"F8_E8M0", 1, std::nullopt},
    {"I16", 2, kInt16},
    {"U16", 2, std::nullopt},
    {"F16", 2, std::nullopt},
    {"BF16", 2, std::nullopt},
    {"I32", 4, kInt32},
    {"U32", 4, std::nullopt},
    {"F32", 4, kFloat32},
    {"C64", 8, std::nullopt},
    {"F64", 8, kFloat64},
    {"I64", 8, kInt64},
    {"U64", 8, std::nullopt},
};

// For error messages about the dtypes tapegrad cannot hold.
constexpr std::string_view kSupportedDtypes = "it holds BOOL, U8, I8, I16, I32, I64, F32 and F64 tensors";

const DtypeInfo* find_dtype(std::string_view name) {
  for (const DtypeInfo& info : kDtypes)
    if (info.name == name) return &info;
  return nullptr;
}

const DtypeInfo& dtype_info(Dtype dtype) {
  for (const DtypeInfo& info : kDtypes)
    if (info.dtype == dtype) return info;
  throw Error("safetensors: no safetensors dtype for " + std::string(dtype_name(dtype)));
}

// Position in the reference's Dtype enum: the writer sorts by it, descending.
std::size_t dtype_rank(Dtype dtype) { return static_cast<std::size_t>(&dtype_info(dtype) - kDtypes); }

std::string in_quotes(std::string_view text) {
  std::string out;  // appended piece by piece: "\"" + text + "\"" trips GCC 12's -Wrestrict
  out.reserve(text.size() + 2);
  out.append(1, '"').append(text).append(1, '"');
  return out;
}

std::string format_list(const std::vector<std::uint64_t>& values) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Entry {
  std::string name;
  const DtypeInfo* dtype = nullptr;
  std::vector<std::uint64_t> shape;
  std::vector<std::uint64_t> offsets;  // [begin, end] once parsed
  unsigned seen = 0;                   // bit per field, to detect missing and duplicate fields
  std::uint64_t numel = 0;
  std::uint64_t nbytes = 0;
  std::uint64_t begin() const { return offsets[0]; }
  std::uint64_t end() const { return offsets[1]; }
};

struct Header {
  std::vector<Entry> entries;  // in header order
  std::map<std::string, std::string> metadata;
};

// A SAX consumer that accepts exactly {"name": {"dtype": s, "shape": [n...], "data_offsets": [n, n]},
// "__metadata__": {s: s}} and stops at the first thing that does not fit, recording why.
class HeaderParser final : public nlohmann::json_sax<nlohmann::json> {
 public:
  Header header;
  std::string error;

  bool null() override { return unexpected("null"); }
  bool boolean(bool) override { return unexpected("a boolean"); }
  bool number_integer(number_integer_t value) override {
    if (value >= 0) return number_unsigned(static_cast<number_unsigned_t>(value));
    if (state_ != State::Array) return unexpected("a negative number");
    return fail(field_context() + " has the negative entry " + std::to_string(value) + "; " + field_rule());
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (state_ != State::Array) return unexpected("a number");
    Entry& entry = header.entries.back();
    if (field_ == Field::Shape) {
      if (entry.shape.size() == kMaxDims)
        return fail(field_context() + " has more than " + std::to_string(kMaxDims) + " dimensions");
      entry.shape.push_back(value);
    } else {
      if (entry.offsets.size() == 2)
        return fail(field_context() + " has more than two entries; " + field_rule());
      entry.offsets.push_back(value);
    }
    return true;
  }
  bool number_float(number_float_t, const string_t& text) override {
    if (state_ != State::Array) return unexpected("a number");
    return fail(field_context() + " has the entry " + text + "; " + field_rule());
  }
  bool binary(binary_t&) override { return unexpected("binary data"); }

  bool string(string_t& value) override {
    if (state_ == State::FieldValue && field_ == Field::Dtype) {
      Entry& entry = header.entries.back();
      entry.dtype = find_dtype(value);
      if (entry.dtype == nullptr)
        return fail(tensor_context() + " has the unknown dtype " + in_quotes(value) +
                    " (the specification's dtypes are F32, F64, I64, F16, BF16, I32, ...)");
      if (entry.dtype->bytes == 0)
        return fail(tensor_context() + " has dtype " + value + ", which tapegrad does not support (" +
                    std::string(kSupportedDtypes) + ")");
      state_ = State::Tensor;
      return true;
    }
    if (state_ == State::MetadataValue) {
      header.metadata.emplace(metadata_key_, std::move(value));
      state_ = State::Metadata;
      return true;
    }
    return unexpected("a string");
  }

  bool start_object(std::size_t) override {
    switch (state_) {
      case State::Start:
        state_ = State::Root;
        return true;
      case State::TensorValue:
        state_ = State::Tensor;
        return true;
      case State::MetadataObject:
        state_ = State::Metadata;
        return true;
      default:
        return unexpected("an object");
    }
  }
  bool key(string_t& key) override {
    if (state_ == State::Root) {
      if (key.empty()) return fail("a tensor has an empty name");
      if (!root_keys_.insert(key).second)
        return fail("the key " + in_quotes(key) + " appears twice in the header");
      if (key == kMetadataKey) {
        state_ = State::MetadataObject;
      } else {
        header.entries.emplace_back().name = key;
        state_ = State::TensorValue;
      }
      return true;
    }
    if (state_ == State::Tensor) {
      if (key == "dtype")
        field_ = Field::Dtype;
      else if (key == "shape")
        field_ = Field::Shape;
      else if (key == "data_offsets")
        field_ = Field::Offsets;
      else
        return fail(tensor_context() + " has the unexpected field " + in_quotes(key) +
                    " (a tensor has exactly \"dtype\", \"shape\" and \"data_offsets\")");
      const unsigned bit = 1u << static_cast<unsigned>(field_);
      Entry& entry = header.entries.back();
      if (entry.seen & bit) return fail(tensor_context() + " has the field " + in_quotes(key) + " twice");
      entry.seen |= bit;
      state_ = State::FieldValue;
      return true;
    }
    // State::Metadata: keys of objects elsewhere are rejected when the object starts.
    if (header.metadata.contains(key))
      return fail("\"__metadata__\" has the key " + in_quotes(key) + " twice");
    metadata_key_ = key;
    state_ = State::MetadataValue;
    return true;
  }
  bool end_object() override {
    switch (state_) {
      case State::Root:
        state_ = State::End;
        return true;
      case State::Metadata:
        state_ = State::Root;
        return true;
      default: {  // State::Tensor: the only other state in which an object can end
        const Entry& entry = header.entries.back();
        for (auto [field, name] : {std::pair{Field::Dtype, "dtype"}, std::pair{Field::Shape, "shape"},
                                   std::pair{Field::Offsets, "data_offsets"}})
          if (!(entry.seen & (1u << static_cast<unsigned>(field))))
            return fail(tensor_context() + " has no \"" + name + "\" field");
        state_ = State::Root;
        return true;
      }
    }
  }
  bool start_array(std::size_t) override {
    if (state_ == State::FieldValue && field_ != Field::Dtype) {
      state_ = State::Array;
      return true;
    }
    return unexpected("a list");
  }
  bool end_array() override {  // only reached in State::Array
    if (field_ == Field::Offsets && header.entries.back().offsets.size() != 2)
      return fail(field_context() + " has " + std::to_string(header.entries.back().offsets.size()) +
                  " entries; " + field_rule());
    state_ = State::Tensor;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& error) override {
    return fail(std::string("the header is not valid JSON: ") + error.what());
  }

 private:
  enum class State {
    Start,           // before the top-level object
    Root,            // in the top-level object: a key or the end
    TensorValue,     // after a tensor's name: its object
    Tensor,          // in a tensor's object: a field name or the end
    FieldValue,      // after a field name: its value
    Array,           // in "shape" or "data_offsets"
    MetadataObject,  // after "__metadata__": its object
    Metadata,        // in "__metadata__": a key or the end
    MetadataValue,   // after a metadata key: a string
    End,
  };
  enum class Field : unsigned { Dtype, Shape, Offsets };

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  std::string tensor_context() const { return "tensor " + in_quotes(header.entries.back().name); }
  std::string field_name() const {
    return field_ == Field::Dtype ? "\"dtype\"" : field_ == Field::Shape ? "\"shape\"" : "\"data_offsets\"";
  }
  std::string field_context() const { return tensor_context() + ": " + field_name(); }
  std::string field_rule() const {
    return field_ == Field::Shape ? "a shape is a list of non-negative integers"
                                  : "data_offsets is a list [begin, end] of two non-negative integers";
  }
  bool unexpected(const std::string& what) {
    switch (state_) {
      case State::Start:
        return fail("the header is " + what + ", not a JSON object");
      case State::TensorValue:
        return fail(tensor_context() + " is " + what +
                    "; a tensor is an object {\"dtype\", \"shape\", \"data_offsets\"}");
      case State::FieldValue:
        if (field_ == Field::Dtype)
          return fail(tensor_context() + ": \"dtype\" is " + what + ", not a string");
        return fail(field_context() + " is " + what + "; " + field_rule());
      case State::Array:
        return fail(field_context() + " contains " + what + "; " + field_rule());
      case State::MetadataObject:
        return fail("\"__metadata__\" is " + what + "; it must be an object whose values are strings");
      case State::MetadataValue:
        return fail("\"__metadata__\" maps " + in_quotes(metadata_key_) + " to " + what +
                    "; metadata values must be strings");
      default:
        return fail("unexpected " + what + " in the header");
    }
  }

  State state_ = State::Start;
  Field field_ = Field::Dtype;
  std::unordered_set<std::string> root_keys_;
  std::string metadata_key_;
};

// Reads the 8-byte little-endian header length.
std::uint64_t decode_u64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

// Parses the header and checks every entry against a data buffer of `buffer_size` bytes
// (Note [safetensors validation]). Returns the entries sorted by offset.
Header parse_header(std::string_view op, std::string_view source, std::string_view json,
                    std::uint64_t buffer_size) {
  const auto error = [&](const std::string& message) {
    return Error(std::string(op) + ": " + std::string(source) + ": " + message);
  };
  if (json.empty() || json.front() != '{')
    throw error("the header does not start with '{' (it is not a safetensors file, or it is corrupted)");
  HeaderParser parser;
  const bool ok =
      nlohmann::json::sax_parse(json.begin(), json.end(), &parser, nlohmann::json::input_format_t::json,
                                /*strict=*/true, /*ignore_comments=*/false);
  if (!ok) throw error(parser.error.empty() ? "the header is not valid JSON" : parser.error);
  Header header = std::move(parser.header);

  constexpr std::uint64_t max_numel = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  for (Entry& entry : header.entries) {
    const std::string name = "tensor " + in_quotes(entry.name);
    const std::string shape = format_list(entry.shape);
    entry.numel = 1;
    for (std::uint64_t size : entry.shape) {
      if (size > max_numel || (size != 0 && entry.numel > max_numel / size))
        throw error(name + ": the shape " + shape + " has more elements than a tensor can hold");
      entry.numel *= size;
    }
    if (entry.numel > max_numel / entry.dtype->bytes)
      throw error(name + ": the shape " + shape + " of " + std::string(entry.dtype->name) +
                  " elements has a byte size that overflows");
    entry.nbytes = entry.numel * entry.dtype->bytes;
    const std::string offsets = format_list(entry.offsets);
    if (entry.end() < entry.begin())
      throw error(name + ": data_offsets " + offsets + " end before they begin");
    if (entry.end() - entry.begin() != entry.nbytes)
      throw error(name + ": data_offsets " + offsets + " span " +
                  std::to_string(entry.end() - entry.begin()) + " bytes, but shape " + shape + " of " +
                  std::string(entry.dtype->name) + " needs " + std::to_string(entry.nbytes));
    if (entry.end() > buffer_size)
      throw error(name + ": data_offsets " + offsets + " run past the end of the data (" +
                  std::to_string(buffer_size) +
                  " bytes after the header); the file is truncated or corrupted");
  }

  std::sort(header.entries.begin(), header.entries.end(), [](const Entry& a, const Entry& b) {
    return std::pair(a.begin(), a.end()) < std::pair(b.begin(), b.end());
  });
  std::uint64_t covered = 0;  // the buffer [0, covered) belongs to the tensors seen so far
  for (std::size_t i = 0; i < header.entries.size(); ++i) {
    const Entry& entry = header.entries[i];
    if (entry.begin() < covered)
      throw error("tensor " + in_quotes(entry.name) + ": data_offsets " + format_list(entry.offsets) +
                  " overlap those of tensor " + in_quotes(header.entries[i - 1].name) + " " +
                  format_list(header.entries[i - 1].offsets));
    if (entry.begin() > covered)
      throw error("bytes [" + std::to_string(covered) + ", " + std::to_string(entry.begin()) +
                  ") of the data belong to no tensor (a hole before tensor " + in_quotes(entry.name) +
                  "); tensors must be stored back to back");
    covered = entry.end();
  }
  if (covered != buffer_size)
    throw error("the data has " + std::to_string(buffer_size) + " bytes, but the tensors cover only " +
                std::to_string(covered) + " (" + std::to_string(buffer_size - covered) +
                " trailing bytes belong to no tensor)");

  for (const Entry& entry : header.entries)
    if (!entry.dtype->dtype)
      throw error("tensor " + in_quotes(entry.name) + " has dtype " + std::string(entry.dtype->name) +
                  ", which tapegrad does not support (" + std::string(kSupportedDtypes) +
                  "); convert it first");
  return header;
}

// A C++ bool holds only 0 and 1: any other byte in a BOOL tensor is refused before it is read as one.
void check_bool_bytes(std::string_view op, std::string_view source, const Entry& entry, const void* data) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::uint64_t i = 0; i < entry.nbytes; ++i)
    check(bytes[i] <= 1, op, source, ": tensor ", in_quotes(entry.name), " is BOOL but its element ", i,
          " is the byte ", static_cast<int>(bytes[i]), " (booleans are stored as 0 or 1)");
}

// Builds the tensors; read(offset, destination, size) fills `size` bytes from the data buffer.
SafetensorsFile make_tensors(std::string_view op, std::string_view source, Header header,
                             const std::function<void(std::uint64_t, void*, std::uint64_t)>& read) {
  SafetensorsFile file;
  file.metadata = std::move(header.metadata);
  for (const Entry& entry : header.entries) {
    Shape sizes;
    for (std::uint64_t size : entry.shape) sizes.push_back(static_cast<std::int64_t>(size));
    Tensor tensor = empty(sizes, *entry.dtype->dtype);
    if (entry.nbytes > 0) read(entry.begin(), tensor.raw_data(), entry.nbytes);
    if (tensor.dtype() == kBool) check_bool_bytes(op, source, entry, tensor.raw_data());
    file.tensors.insert(entry.name, std::move(tensor));
  }
  return file;
}

std::string describe_errno(int error_number) { return std::strerror(error_number); }

// ---------------------------------------------------------------------------------------------
// Writing

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// The tensors in buffer order with the header bytes (already padded), per Note [safetensors layout].
struct Prepared {
  std::string header;  // the 8-byte length followed by the padded JSON
  NamedTensors tensors;
};

Prepared prepare(std::string_view op, NamedTensors tensors,
                 const std::map<std::string, std::string>& metadata) {
  NoGradGuard no_grad;  // contiguous() of a view that requires grad must not record a node
  for (auto& [name, tensor] : tensors) {
    check(!name.empty(), op, "a tensor has an empty name");
    check(name != kMetadataKey, op, "\"__metadata__\" is reserved for metadata and cannot name a tensor");
    check(tensor.defined(), op, "tensor \"", name, "\" is undefined");
    tensor = tensor.contiguous();
  }
  std::stable_sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) {
    const std::size_t rank_a = dtype_rank(a.second.dtype()), rank_b = dtype_rank(b.second.dtype());
    return rank_a != rank_b ? rank_a > rank_b : a.first < b.first;
  });

  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json& object = json[std::string(kMetadataKey)];
    object = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) object[key] = value;
  }
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const std::uint64_t nbytes = static_cast<std::uint64_t>(tensor.numel()) * element_size(tensor.dtype());
    nlohmann::ordered_json info = nlohmann::ordered_json::object();
    info["dtype"] = std::string(dtype_info(tensor.dtype()).name);
    info["shape"] = std::vector<std::int64_t>(tensor.sizes().begin(), tensor.sizes().end());
    info["data_offsets"] = {offset, offset + nbytes};
    json[name] = std::move(info);
    offset += nbytes;
  }
  std::string text;
  try {
    text = json.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::strict);
  } catch (const nlohmann::json::type_error& error) {
    throw Error(std::string(op) + ": a tensor name or metadata string is not valid UTF-8 (" + error.what() +
                ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  check(text.size() <= kSafetensorsMaxHeaderSize, op, "the header would be ", text.size(),
        " bytes, over the safetensors limit of ", kSafetensorsMaxHeaderSize);

  Prepared prepared;
  prepared.header.resize(8);
  const std::uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) prepared.header[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  prepared.header += text;
  prepared.tensors = std::move(tensors);
  return prepared;
}

NamedTensors named(const OrderedDict<Tensor>& tensors) {
  NamedTensors out;
  for (const auto& item : tensors) out.emplace_back(item.key(), item.value());
  return out;
}
NamedTensors named(const std::map<std::string, Tensor>& tensors) { return {tensors.begin(), tensors.end()}; }

std::size_t tensor_bytes(const Tensor& tensor) { return tensor.numel() * element_size(tensor.dtype()); }

// Writes all of `data` to fd; returns 0 or the errno of the failure.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, std::min<std::size_t>(size, 1 << 30));
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return 0;
}

// A temporary file next to the target, removed on destruction unless committed (renamed).
class TemporaryFile {
 public:
  TemporaryFile(std::string_view op, const std::filesystem::path& target) : op_(op), target_(target) {
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
    std::random_device random;
    int error = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string name = ".";  // built by appending: operator+ on a temporary trips GCC 12's -Wrestrict
      name.append(target.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
      name.append("-")
          .append(std::to_string(counter++))
          .append("-")
          .append(std::to_string(random() % 1000000));
      path_ = directory / name;
      // 0666 before the umask: the checkpoint gets the permissions any new file would get.
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      error = errno;
      if (error != EEXIST) break;
    }
    fail("cannot create a temporary file in " + in_quotes(directory.string()), error);
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(const char* data, std::size_t size) {
    if (int error = write_all(fd_, data, size))
      fail("writing " + in_quotes(path_.string()) + " failed", error);
  }
  // Flushes the file to disk, renames it over the target and flushes the directory entry.
  void commit() {
    if (::fsync(fd_) != 0) fail("flushing " + in_quotes(path_.string()) + " to disk failed", errno);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail("closing " + in_quotes(path_.string()) + " failed", errno);
    if (::rename(path_.c_str(), target_.c_str()) != 0)
      fail("renaming " + in_quotes(path_.string()) + " to the target failed", errno);
    committed_ = true;
    const std::filesystem::path directory = target_.parent_path().empty() ? "." : target_.parent_path();
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return;  // the file is complete and in place; only its durability is not forced
    const int status = ::fsync(dir);
    const int error = errno;
    ::close(dir);
    // Some filesystems cannot fsync a directory (EINVAL): the rename is then as durable as it gets.
    if (status != 0 && error != EINVAL)
      fail("the checkpoint was written, but flushing the directory entry failed", error);
  }

 private:
  [[noreturn]] void fail(const std::string& what, int error_number) const {
    throw Error(std::string(op_) + ": cannot save " + in_quotes(target_.string()) + ": " + what + ": " +
                describe_errno(error_number));
  }

  std::string op_;
  std::filesystem::path target_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

void save_named(NamedTensors tensors, const std::string& path,
                const std::map<std::string, std::string>& metadata) {
  constexpr std::string_view op = "save_safetensors";
  check(!path.empty(), op, "the path is empty");
  const std::filesystem::path target(path);
  check(target.has_filename(), op, "the path ", in_quotes(path), " names a directory, not a file");
  Prepared prepared = prepare(op, std::move(tensors), metadata);
  TemporaryFile file(op, target);
  file.write(prepared.header.data(), prepared.header.size());
  for (const auto& [name, tensor] : prepared.tensors)
    if (tensor.numel() > 0) file.write(static_cast<const char*>(tensor.raw_data()), tensor_bytes(tensor));
  file.commit();
}

std::string serialize_named(NamedTensors tensors, const std::map<std::string, std::string>& metadata) {
  Prepared prepared = prepare("serialize_safetensors", std::move(tensors), metadata);
  std::string bytes = std::move(prepared.header);
  for (const auto& [name, tensor] : prepared.tensors)
    if (tensor.numel() > 0) bytes.append(static_cast<const char*>(tensor.raw_data()), tensor_bytes(tensor));
  return bytes;
}

}  // namespace

void save_safetensors(const OrderedDict<Tensor>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
  save_named(named(tensors), path, metadata);
}

void save_safetensors(const std::map<std::string, Tensor>& tensors, const std::string& path,
                      const std::map<std::string, std::string>& metadata) {
  save_named(named(tensors), path, metadata);
}

std::string serialize_safetensors(const OrderedDict<Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  return serialize_named(named(tensors), metadata);
}

std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  return serialize_named(named(tensors), metadata);
}

SafetensorsFile deserialize_safetensors(std::string_view bytes, std::string_view source) {
  constexpr std::string_view op = "deserialize_safetensors";
  check(bytes.size() >= 8, op, source, ": ", bytes.size(),
        " bytes are too few for a safetensors file (it starts with an 8-byte header length)");
  const std::uint64_t length = decode_u64(reinterpret_cast<const unsigned char*>(bytes.data()));
  check(length <= kSafetensorsMaxHeaderSize, op, source, ": the header length ", length,
        " is over the limit of ", kSafetensorsMaxHeaderSize,
        " bytes (it is not a safetensors file, or it is corrupted)");
  check(length <= bytes.size() - 8, op, source, ": the header length ", length, " runs past the end of the ",
        bytes.size(), " bytes (truncated?)");
  const std::string_view data = bytes.substr(8 + length);
  Header header = parse_header(op, source, bytes.substr(8, length), data.size());
  return make_tensors(op, source, std::move(header),
                      [&](std::uint64_t offset, void* destination, std::uint64_t size) {
                        std::memcpy(destination, data.data() + offset, size);
                      });
}

SafetensorsFile load_safetensors(const std::string& path) {
  constexpr std::string_view op = "load_safetensors";
  const std::string source = in_quotes(path);
  std::ifstream in(path, std::ios::binary);
  check(in.is_open(), op, "cannot open ", source, ": ", describe_errno(errno));
  std::error_code size_error;
  const std::uint64_t file_size = std::filesystem::file_size(path, size_error);
  check(!size_error, op, "cannot read the size of ", source, ": ", size_error.message());

  check(file_size >= 8, op, source, ": ", file_size,
        " bytes are too few for a safetensors file (it starts with an 8-byte header length)");
  unsigned char prefix[8];
  in.read(reinterpret_cast<char*>(prefix), 8);
  check(in.gcount() == 8, op, source, ": reading the header length failed");
  const std::uint64_t length = decode_u64(prefix);
  check(length <= kSafetensorsMaxHeaderSize, op, source, ": the header length ", length,
        " is over the limit of ", kSafetensorsMaxHeaderSize,
        " bytes (it is not a safetensors file, or it is corrupted)");
  check(length <= file_size - 8, op, source, ": the header length ", length, " runs past the end of the ",
        file_size, "-byte file (truncated?)");
  std::string json(length, '\0');
  in.read(json.data(), static_cast<std::streamsize>(length));
  check(static_cast<std::uint64_t>(in.gcount()) == length, op, source, ": reading the header failed");

  const std::uint64_t data_start = 8 + length;
  Header header = parse_header(op, source, json, file_size - data_start);
  return make_tensors(op, source, std::move(header),
                      [&](std::uint64_t offset, void* destination, std::uint64_t size) {
                        in.seekg(static_cast<std::streamoff>(data_start + offset));
                        in.read(static_cast<char*>(destination), static_cast<std::streamsize>(size));
                        check(in.good() && static_cast<std::uint64_t>(in.gcount()) == size, op, source,
                              ": reading tensor data failed (was the file changed while it was read?)");
                      });
}

}  // namespace tg
