// safetensors files (serialize/safetensors.hpp) and checkpoints (serialize/checkpoint.hpp):
// round trips, the reference implementation's own byte-level examples, every kind of corruption,
// atomic saving, PyTorch-made checkpoints (tests/fixtures/make_safetensors_fixture.py) and exact
// resumption of training from a model + optimizer checkpoint.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/optim/adam.hpp>
#include <tapegrad/optim/sgd.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"
#include "support/fixture_reader.hpp"
#include "support/tensor_bytes.hpp"

namespace {

using tg::testing::error_message;
using tg::testing::expect_identical;
using tg::testing::raw_bytes;

using namespace std::string_literals;
using ::testing::HasSubstr;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

// ---- helpers

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad_serialize_XXXXXX").string();
    const char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  /// The names of the entries in the directory, sorted.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  fs::path path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// The 8-byte little-endian length prefix of the format.
std::string le64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// A file with this JSON header (used as is) and data buffer.
std::string make_file(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

std::string parse_error(const std::string& bytes) {
  return error_message([&] { tg::deserialize_safetensors(bytes); });
}

tg::OrderedDict<Tensor> sample_tensors() {
  tg::manual_seed(3);
  tg::OrderedDict<Tensor> tensors;
  tensors.insert("weight", tg::randn({2, 3}));
  tensors.insert("double", tg::tensor({1.5, -0.0, std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::quiet_NaN(), 4.9e-324},
                                      {5}, tg::kFloat64));
  tensors.insert("ints",
                 tg::tensor(std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0, 1,
                                                      std::numeric_limits<std::int64_t>::max(), 42},
                            {3, 1, 2}));
  tensors.insert("scalar_f32", tg::scalar_tensor(0.25));
  tensors.insert("scalar_i64", tg::scalar_tensor(-7, tg::kInt64));
  tensors.insert("empty", tg::empty({0}));
  tensors.insert("empty_3d", tg::empty({2, 0, 3}, tg::kFloat64));
  tensors.insert("transposed", tg::randn({3, 4}).t());  // a non-contiguous view: written row-major
  tensors.insert("nested.name.0", tg::arange(6, tg::kFloat64).reshape({2, 3}));
  return tensors;
}

// ---- round trips

TEST(Safetensors, RoundTripsEveryDtypeAndShapeInMemory) {
  const tg::OrderedDict<Tensor> tensors = sample_tensors();
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "ünïcode ✓ \"quoted\"\n"}};
  const tg::SafetensorsFile file = tg::deserialize_safetensors(tg::serialize_safetensors(tensors, metadata));
  EXPECT_EQ(file.metadata, metadata);
  ASSERT_EQ(file.tensors.size(), tensors.size());
  for (const auto& item : tensors) expect_identical(file.tensors[item.key()], item.value(), item.key());
  EXPECT_EQ(file.tensors["scalar_f32"].dim(), 0);
  EXPECT_EQ(file.tensors["empty_3d"].sizes(), tg::Shape({2, 0, 3}));
  EXPECT_TRUE(file.tensors["transposed"].is_contiguous());
  EXPECT_FALSE(file.tensors["weight"].requires_grad());
}

TEST(Safetensors, RoundTripsThroughAFile) {
  TempDir dir;
  const std::string path = dir.file("tensors.safetensors");
  const tg::OrderedDict<Tensor> tensors = sample_tensors();
  tg::save_safetensors(tensors, path, {{"epoch", "3"}});
  EXPECT_EQ(read_bytes(path), tg::serialize_safetensors(tensors, {{"epoch", "3"}}));
  const tg::SafetensorsFile file = tg::load_safetensors(path);
  EXPECT_EQ(file.metadata.at("epoch"), "3");
  for (const auto& item : tensors) expect_identical(file.tensors[item.key()], item.value(), item.key());

  // The std::map overload writes the same file.
  std::map<std::string, Tensor> as_map;
  for (const auto& item : tensors) as_map.emplace(item.key(), item.value());
  tg::save_safetensors(as_map, dir.file("map.safetensors"), {{"epoch", "3"}});
  EXPECT_EQ(read_bytes(dir.file("map.safetensors")), read_bytes(path));
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"map.safetensors", "tensors.safetensors"}));
}

TEST(Safetensors, NoTensorsAndNoMetadata) {
  const tg::SafetensorsFile file =
      tg::deserialize_safetensors(tg::serialize_safetensors(tg::OrderedDict<Tensor>()));
  EXPECT_TRUE(file.tensors.empty());
  EXPECT_TRUE(file.metadata.empty());
}

// The writer's layout (Note [safetensors layout] in safetensors.cpp), checked on the bytes.
TEST(Safetensors, WriterLaysOutDataLikeTheReferenceImplementation) {
  tg::OrderedDict<Tensor> tensors;
  tensors.insert("b_f32", tg::ones({3}));
  tensors.insert("a_f32", tg::ones({1}));
  tensors.insert("z_i64", tg::zeros({2}, tg::kInt64));
  tensors.insert("c_f64", tg::zeros({1}, tg::kFloat64));
  tensors.insert("a_i64", tg::zeros({1}, tg::kInt64));
  const std::string bytes = tg::serialize_safetensors(tensors, {{"k", "v"}});

  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(length % 8, 0u) << "the header is padded to a multiple of 8 bytes";
  const std::string header = bytes.substr(8, length);
  EXPECT_EQ(header.front(), '{');
  const std::string json = header.substr(0, header.find_last_not_of(' ') + 1);
  EXPECT_EQ(header.substr(json.size()), std::string(header.size() - json.size(), ' '));
  // Sorted by dtype (I64, F64, F32: descending alignment in the reference's enum), then by name;
  // metadata first; compact JSON with the fields in the reference's order.
  EXPECT_EQ(json, R"({"__metadata__":{"k":"v"},)"
                  R"("a_i64":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
                  R"("z_i64":{"dtype":"I64","shape":[2],"data_offsets":[8,24]},)"
                  R"("c_f64":{"dtype":"F64","shape":[1],"data_offsets":[24,32]},)"
                  R"("a_f32":{"dtype":"F32","shape":[1],"data_offsets":[32,36]},)"
                  R"("b_f32":{"dtype":"F32","shape":[3],"data_offsets":[36,48]}})");
  EXPECT_EQ(bytes.size(), 8 + length + 48);
  // 1.0f little-endian where b_f32 starts.
  EXPECT_EQ(bytes.substr(8 + length + 36, 4), "\x00\x00\x80\x3f"s);
}

// ---- the specification's examples: the byte strings of the reference implementation's tests
// (huggingface/safetensors, safetensors/src/tensor.rs, mod tests)

// test_serialization_forced_alignement: {"attn0": F32 [1, 1, 2, 3] = 0..5}, header padded with spaces.
const std::string kReferenceAligned =
    "H\0\0\0\0\0\0\0"  // N = 72
    R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})"
    "       "
    "\0\0\0\0"
    "\0\0\x80\x3f"
    "\0\0\0\x40"
    "\0\0\x40\x40"
    "\0\0\x80\x40"
    "\0\0\xa0\x40"s;
// test_serialization: {"attn.0": F32 [1, 2, 3] = 0..5}; this header is 64 bytes, no padding needed.
const std::string kReferenceUnpadded =
    "@\0\0\0\0\0\0\0"  // N = 64
    R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})"
    "\0\0\0\0"
    "\0\0\x80\x3f"
    "\0\0\0\x40"
    "\0\0\x40\x40"
    "\0\0\x80\x40"
    "\0\0\xa0\x40"s;
// test_empty: no tensors, without and with metadata.
const std::string kReferenceEmpty = "\x08\0\0\0\0\0\0\0{}      "s;
const std::string kReferenceEmptyWithMetadata =
    "(\0\0\0\0\0\0\0"  // N = 40
    R"({"__metadata__":{"framework":"pt"}})"
    "     "s;
// test_deserialization: an I32 tensor of zeros.
const std::string kReferenceI32 =
    "<\0\0\0\0\0\0\0"  // N = 60
    R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})"s +
    std::string(16, '\0');

TEST(SafetensorsSpec, ReferenceExamplesParse) {
  ASSERT_EQ(kReferenceAligned.size(), 8u + 72 + 24);
  for (const std::string* bytes : {&kReferenceAligned, &kReferenceUnpadded}) {
    const tg::SafetensorsFile file = tg::deserialize_safetensors(*bytes);
    ASSERT_EQ(file.tensors.size(), 1u);
    const Tensor& tensor = file.tensors.items()[0].value();
    EXPECT_EQ(tensor.dtype(), tg::kFloat32);
    EXPECT_EQ(tensor.sizes(), bytes == &kReferenceAligned ? tg::Shape({1, 1, 2, 3}) : tg::Shape({1, 2, 3}));
    EXPECT_EQ(tensor.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
    EXPECT_TRUE(file.metadata.empty());
  }
  EXPECT_TRUE(tg::deserialize_safetensors(kReferenceEmpty).tensors.empty());
  const tg::SafetensorsFile with_metadata = tg::deserialize_safetensors(kReferenceEmptyWithMetadata);
  EXPECT_TRUE(with_metadata.tensors.empty());
  EXPECT_EQ(with_metadata.metadata, (std::map<std::string, std::string>{{"framework", "pt"}}));
  const tg::SafetensorsFile i32 = tg::deserialize_safetensors(kReferenceI32);
  EXPECT_EQ(i32.tensors["test"].dtype(), tg::kInt32);
  EXPECT_EQ(i32.tensors["test"].to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, 0, 0, 0}));
  // test_whitespace_padded_header: any JSON whitespace may follow the object.
  EXPECT_TRUE(tg::deserialize_safetensors("\x06\0\0\0\0\0\0\0{}\r \t\n"s).tensors.empty());
}

TEST(SafetensorsSpec, WriterReproducesTheReferenceBytes) {
  tg::OrderedDict<Tensor> aligned;
  aligned.insert("attn0", tg::arange(6, tg::kFloat32).reshape({1, 1, 2, 3}));
  EXPECT_EQ(tg::serialize_safetensors(aligned), kReferenceAligned);
  tg::OrderedDict<Tensor> unpadded;
  unpadded.insert("attn.0", tg::arange(6, tg::kFloat32).reshape({1, 2, 3}));
  EXPECT_EQ(tg::serialize_safetensors(unpadded), kReferenceUnpadded);
  EXPECT_EQ(tg::serialize_safetensors(tg::OrderedDict<Tensor>()), kReferenceEmpty);
  EXPECT_EQ(tg::serialize_safetensors(tg::OrderedDict<Tensor>(), {{"framework", "pt"}}),
            kReferenceEmptyWithMetadata);
}

TEST(SafetensorsSpec, ReferenceExamplesThatMustFail) {
  // A valid file, but of a dtype tapegrad has no equivalent for.
  std::string u32 = kReferenceI32;
  u32.replace(u32.find("I32"), 3, "U32");
  EXPECT_THAT(parse_error(u32), HasSubstr("tensor \"test\" has dtype U32, which tapegrad does not support"));
  // test_metadata_incomplete_buffer: bytes after the last tensor, or 2 bytes missing.
  EXPECT_THAT(parse_error(kReferenceI32 + "extra_bogus_data_for_polyglot_file"),
              HasSubstr("34 trailing bytes belong to no tensor"));
  EXPECT_THAT(parse_error(kReferenceI32.substr(0, kReferenceI32.size() - 2)),
              HasSubstr("tensor \"test\": data_offsets [0, 16] run past the end of the data (14 bytes"));
  // test_header_too_large: N = 0xffffff0000003c.
  std::string too_large = kReferenceI32;
  too_large.replace(5, 3, "\xff\xff\xff");
  EXPECT_THAT(parse_error(too_large), HasSubstr("is over the limit of 100000000 bytes"));
  // test_header_too_small, test_invalid_header_length.
  EXPECT_THAT(parse_error(""), HasSubstr("0 bytes are too few for a safetensors file"));
  EXPECT_THAT(parse_error("<\0\0\0\0\0\0\0"s),
              HasSubstr("the header length 60 runs past the end of the 8 bytes"));
  // test_invalid_header_non_utf8 (here caught by the '{' rule) and inside a string;
  // test_invalid_header_not_json.
  EXPECT_THAT(parse_error("\x01\0\0\0\0\0\0\0\xff"s), HasSubstr("the header does not start with '{'"));
  EXPECT_THAT(parse_error(make_file("{\"\xff\":1}")), HasSubstr("the header is not valid JSON"));
  EXPECT_THAT(parse_error("\x01\0\0\0\0\0\0\0{"s), HasSubstr("the header is not valid JSON"));
  // test_invalid_info: [0, 4] cannot hold 2 x 2 I32 values.
  EXPECT_THAT(
      parse_error(make_file(R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}})")),
      HasSubstr("tensor \"test\": data_offsets [0, 4] span 4 bytes, but shape [2, 2] of I32 needs 16"));
  // test_validation_overflow: element counts that overflow.
  EXPECT_THAT(
      parse_error(
          make_file(R"({"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}})",
                    std::string(16, '\0'))),
      HasSubstr(
          "tensor \"test\": the shape [2, 18446744073709551614] has more elements than a tensor can hold"));
  EXPECT_THAT(parse_error(make_file(
                  R"({"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}})",
                  std::string(16, '\0'))),
              HasSubstr("has more elements than a tensor can hold"));
  // test_json_attack: ten tensors claiming the same 16 bytes.
  std::string attack = "{";
  for (int i = 0; i < 10; ++i)
    attack += (i ? ","s : ""s) + "\"weight_" + std::to_string(i) +
              R"(":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})";
  attack += "}";
  EXPECT_THAT(parse_error(make_file(attack, std::string(16, '\0'))), HasSubstr("overlap those of tensor"));
}

// ---- every kind of corruption, each with its message

struct CorruptCase {
  std::string name;
  std::string bytes;
  std::string message;
};

std::vector<CorruptCase> corrupt_cases() {
  const std::string f32x2 = R"({"dtype":"F32","shape":[2],"data_offsets":)";
  const std::string eight(8, '\0');
  std::string sixty_four_ones;  // with the leading 1: a shape of 65 ones
  for (int i = 0; i < 64; ++i) sixty_four_ones += ",1";
  return {
      {"too_short", "\x10\0\0"s, "3 bytes are too few for a safetensors file"},
      {"header_past_end", le64(1000) + "{}", "the header length 1000 runs past the end of the 10 bytes"},
      {"header_over_limit", le64(100'000'001) + "{}", "the header length 100000001 is over the limit"},
      {"empty_header", le64(0), "the header does not start with '{'"},
      {"leading_space", make_file(" {}"), "the header does not start with '{'"},
      {"not_an_object", make_file("[]"), "the header does not start with '{'"},
      {"invalid_json", make_file(R"({"a": )"), "the header is not valid JSON"},
      {"trailing_garbage", make_file("{}x"), "the header is not valid JSON"},
      {"two_objects", make_file("{}{}"), "the header is not valid JSON"},
      {"truncated_data", make_file(R"({"a":)" + f32x2 + "[0,8]}}", "\0\0\0\0"s),
       "tensor \"a\": data_offsets [0, 8] run past the end of the data (4 bytes after the header)"},
      {"trailing_data", make_file(R"({"a":)" + f32x2 + "[0,8]}}", eight + "xyz"),
       "the data has 11 bytes, but the tensors cover only 8 (3 trailing bytes belong to no tensor)"},
      {"overlap", make_file(R"({"a":)" + f32x2 + R"([0,8]},"b":)" + f32x2 + "[4,12]}}", eight + "\0\0\0\0"s),
       "tensor \"b\": data_offsets [4, 12] overlap those of tensor \"a\" [0, 8]"},
      {"hole",
       make_file(R"({"a":)" + f32x2 + R"([0,8]},"b":)" + f32x2 + "[12,20]}}", eight + eight + "\0\0\0\0"s),
       "bytes [8, 12) of the data belong to no tensor (a hole before tensor \"b\")"},
      {"hole_at_start", make_file(R"({"a":)" + f32x2 + "[4,12]}}", eight + "\0\0\0\0"s),
       "bytes [0, 4) of the data belong to no tensor"},
      {"wrong_size", make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight),
       "tensor \"a\": data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12"},
      {"end_before_begin", make_file(R"({"a":)" + f32x2 + "[8,0]}}", eight),
       "tensor \"a\": data_offsets [8, 0] end before they begin"},
      {"byte_size_overflow",
       make_file(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})"),
       "the shape [2305843009213693952] of F64 elements has a byte size that overflows"},
      {"unknown_dtype", make_file(R"({"a":{"dtype":"XYZ","shape":[],"data_offsets":[0,4]}})", "\0\0\0\0"s),
       "tensor \"a\" has the unknown dtype \"XYZ\""},
      {"torch_style_dtype",
       make_file(R"({"a":{"dtype":"float32","shape":[],"data_offsets":[0,4]}})", "\0\0\0\0"s),
       "tensor \"a\" has the unknown dtype \"float32\""},
      {"f16", make_file(R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", "\0\0\0\0"s),
       "tensor \"h\" has dtype F16, which tapegrad does not support (it holds BOOL, U8, I8, I16, I32, I64, "
       "F32 and F64 tensors)"},
      {"bf16", make_file(R"({"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", "\0\0\0\0"s),
       "tensor \"h\" has dtype BF16, which tapegrad does not support"},
      {"sub_byte", make_file(R"({"h":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}})", "\0"s),
       "tensor \"h\" has dtype F4, which tapegrad does not support"},
      {"dtype_not_string", make_file(R"({"a":{"dtype":4,"shape":[],"data_offsets":[0,4]}})"),
       "tensor \"a\": \"dtype\" is a number, not a string"},
      {"negative_shape", make_file(R"({"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,0]}})"),
       "tensor \"a\": \"shape\" has the negative entry -1; a shape is a list of non-negative integers"},
      {"fractional_shape", make_file(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})"),
       "tensor \"a\": \"shape\" has the entry 1.5"},
      {"huge_shape_entry", make_file(R"({"a":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}})"),
       "the header is not valid JSON"},
      {"shape_not_list", make_file(R"({"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}})"),
       "tensor \"a\": \"shape\" is a string; a shape is a list of non-negative integers"},
      {"nested_shape", make_file(R"({"a":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}})"),
       "tensor \"a\": \"shape\" contains a list"},
      {"too_many_dims",
       make_file(R"({"a":{"dtype":"F32","shape":[1)" + sixty_four_ones + R"(],"data_offsets":[0,4]}})"),
       "tensor \"a\": \"shape\" has more than 64 dimensions"},
      {"negative_offset", make_file(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[-4,0]}})"),
       "tensor \"a\": \"data_offsets\" has the negative entry -4"},
      {"three_offsets", make_file(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4,8]}})"),
       "tensor \"a\": \"data_offsets\" has more than two entries"},
      {"one_offset", make_file(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[4]}})"),
       "tensor \"a\": \"data_offsets\" has 1 entries; data_offsets is a list [begin, end] of two "
       "non-negative integers"},
      {"missing_offsets", make_file(R"({"a":{"dtype":"F32","shape":[]}})"),
       "tensor \"a\" has no \"data_offsets\" field"},
      {"missing_dtype", make_file(R"({"a":{"shape":[],"data_offsets":[0,4]}})"),
       "tensor \"a\" has no \"dtype\" field"},
      {"unexpected_field",
       make_file(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,4],"offsets":[0,4]}})"),
       "tensor \"a\" has the unexpected field \"offsets\""},
      {"duplicate_field", make_file(R"({"a":{"dtype":"F32","dtype":"F64","shape":[],"data_offsets":[0,4]}})"),
       "tensor \"a\" has the field \"dtype\" twice"},
      {"duplicate_tensor",
       make_file(R"({"a":)" + f32x2 + R"([0,8]},"a":)" + f32x2 + "[8,16]}}", eight + eight),
       "the key \"a\" appears twice in the header"},
      {"empty_name", make_file(R"({"":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", "\0\0\0\0"s),
       "a tensor has an empty name"},
      {"tensor_not_object", make_file(R"({"a":[1,2]})"),
       "tensor \"a\" is a list; a tensor is an object {\"dtype\", \"shape\", \"data_offsets\"}"},
      {"tensor_null", make_file(R"({"a":null})"), "tensor \"a\" is null"},
      {"metadata_not_object", make_file(R"({"__metadata__":"pt"})"),
       "\"__metadata__\" is a string; it must be an object"},
      {"metadata_value_not_string", make_file(R"({"__metadata__":{"epoch":3}})"),
       "\"__metadata__\" maps \"epoch\" to a number; metadata values must be strings"},
      {"metadata_nested", make_file(R"({"__metadata__":{"a":{"b":"c"}}})"),
       "\"__metadata__\" maps \"a\" to an object"},
      {"metadata_duplicate_key", make_file(R"({"__metadata__":{"a":"1","a":"2"}})"),
       "\"__metadata__\" has the key \"a\" twice"},
      {"metadata_twice", make_file(R"({"__metadata__":{},"__metadata__":{}})"),
       "the key \"__metadata__\" appears twice"},
      {"deep_nesting", make_file(R"({"a":{"dtype":"F32","shape":)" + std::string(100000, '[')),
       "tensor \"a\": \"shape\" contains a list"},
  };
}

TEST(SafetensorsCorrupt, EveryCaseThrowsWithItsMessage) {
  for (const CorruptCase& c : corrupt_cases()) {
    SCOPED_TRACE(c.name);
    const std::string message = parse_error(c.bytes);
    EXPECT_THAT(message, HasSubstr(c.message));
    EXPECT_THAT(message, HasSubstr("deserialize_safetensors: <memory>: "));
  }
}

TEST(SafetensorsCorrupt, FileErrorsNameThePath) {
  TempDir dir;
  const std::string path = dir.file("broken.safetensors");
  write_bytes(path,
              make_file(R"({"layer.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", "short"));
  EXPECT_THAT(
      error_message([&] { tg::load_safetensors(path); }),
      HasSubstr("load_safetensors: \"" + path +
                "\": tensor \"layer.weight\": data_offsets [0, 16] run past "
                "the end of the data (5 bytes after the header); the file is truncated or corrupted"));
  EXPECT_THAT(error_message([&] { tg::load_safetensors(dir.file("missing.safetensors")); }),
              HasSubstr("load_safetensors: cannot open \"" + dir.file("missing.safetensors") +
                        "\": No such file or directory"));
  write_bytes(path, "\x05\0\0"s);
  EXPECT_THAT(error_message([&] { tg::load_safetensors(path); }), HasSubstr("3 bytes are too few"));
  write_bytes(path, le64(64) + "{}");
  EXPECT_THAT(error_message([&] { tg::load_safetensors(path); }),
              HasSubstr("the header length 64 runs past the end of the 10-byte file"));
}

// Every prefix of a valid file, and thousands of random mutations of one, either load or throw
// tg::Error (under the asan preset this also shows that nothing is read out of bounds).
TEST(SafetensorsCorrupt, TruncationsAndRandomMutationsNeverCrash) {
  const std::string valid = tg::serialize_safetensors(sample_tensors(), {{"format", "pt"}});
  for (std::size_t size = 0; size < valid.size(); ++size)
    EXPECT_THAT(parse_error(valid.substr(0, size)), ::testing::Not(HasSubstr("no tg::Error"))) << size;

  std::mt19937_64 random(12345);
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<unsigned char>(valid[i]);
  const char* interesting = "0123456789[]{},:\"-. eE";
  int loaded = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    std::string bytes = valid;
    const int mutations = 1 + static_cast<int>(random() % 3);
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      // Mostly inside the header, where the structure is.
      const std::size_t position = random() % 4 ? 8 + random() % header_length : random() % bytes.size();
      if (position >= bytes.size()) continue;
      switch (random() % 5) {
        case 0:
          bytes[position] = static_cast<char>(random());
          break;
        case 1:
          bytes[position] = interesting[random() % std::strlen(interesting)];
          break;
        case 2:
          bytes.erase(position, 1 + random() % 4);
          break;
        case 3:
          bytes.insert(position, 1, interesting[random() % std::strlen(interesting)]);
          break;
        default:
          bytes.resize(position);
          break;
      }
    }
    try {
      const tg::SafetensorsFile file = tg::deserialize_safetensors(bytes);
      ++loaded;
      std::uint64_t total = 0;
      for (const auto& item : file.tensors)
        total += item.value().numel() * tg::element_size(item.value().dtype());
      EXPECT_LE(total, bytes.size());
    } catch (const tg::Error&) {
    }
  }
  EXPECT_LT(loaded, 4000);  // the mutations do break files (some, e.g. in padding, do not)
}

// ---- saving is atomic

TEST(SafetensorsAtomicSave, ReplacesTheFileAndLeavesNoTemporaryFiles) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  tg::OrderedDict<Tensor> first, second;
  first.insert("w", tg::zeros({4}));
  second.insert("w", tg::ones({4}));
  tg::save_safetensors(first, path);
  tg::save_safetensors(second, path);
  EXPECT_EQ(tg::load_safetensors(path).tensors["w"].to_vector<float>(), std::vector<float>(4, 1.0f));
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"model.safetensors"});

  // A new file gets the usual permissions (0666 less the umask), not a temporary file's 0600.
  const mode_t umask_value = ::umask(022);
  ::umask(umask_value);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0666 & ~umask_value);

  // A relative path (no directory part) saves into the working directory.
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  tg::save_safetensors(first, "relative.safetensors");
  fs::current_path(previous);
  EXPECT_EQ(tg::load_safetensors(dir.file("relative.safetensors")).tensors["w"].to_vector<float>(),
            std::vector<float>(4, 0.0f));
}

// Runs `child` in a forked process (which then exits with its return value) and returns the
// wait status. Only file I/O happens in the child.
int run_in_child(const std::function<int()>& child) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(child());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// The child may write at most this many bytes to any file (RLIMIT_FSIZE), so the save fails midway.
int limit_file_size(rlim_t bytes) {
  const rlimit limit{bytes, bytes};
  return ::setrlimit(RLIMIT_FSIZE, &limit);
}

TEST(SafetensorsAtomicSave, AFailedWriteKeepsThePreviousFileAndRemovesTheTemporaryFile) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  tg::OrderedDict<Tensor> previous, next;
  previous.insert("w", tg::full({1000}, 1.0));
  next.insert("w", tg::full({100000}, 2.0));
  tg::save_safetensors(previous, path);
  const std::string before = read_bytes(path);

  // The write fails with EFBIG once the temporary file reaches 4096 bytes.
  const int status = run_in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);
    if (limit_file_size(4096) != 0) return 10;
    try {
      tg::save_safetensors(next, path);
    } catch (const tg::Error& error) {
      const std::string message = error.what();
      return message.find("save_safetensors: cannot save \"" + path + "\": writing") != std::string::npos &&
                     message.find("File too large") != std::string::npos
                 ? 0
                 : 11;
    }
    return 12;  // no error
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: setrlimit failed, 11: unexpected message, 12: no error";
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"model.safetensors"});
}

TEST(SafetensorsAtomicSave, ACrashMidWriteKeepsThePreviousFile) {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  tg::OrderedDict<Tensor> previous, next;
  previous.insert("w", tg::full({1000}, 1.0));
  next.insert("w", tg::full({100000}, 2.0));
  tg::save_safetensors(previous, path);
  const std::string before = read_bytes(path);

  // SIGXFSZ (default action: terminate) kills the process in the middle of writing the data.
  const int status = run_in_child([&] {
    if (limit_file_size(4096) != 0) return 10;
    tg::save_safetensors(next, path);
    return 12;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGXFSZ);
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(tg::load_safetensors(path).tensors["w"].to_vector<float>(), std::vector<float>(1000, 1.0f));
  // A crash cannot clean up: the partial temporary file stays behind, hidden and never loaded.
  const std::vector<std::string> names = dir.listing();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_THAT(names[0], ::testing::StartsWith(".model.safetensors.tmp-"));
  EXPECT_EQ(fs::file_size(dir.path() / names[0]), 4096u);
}

TEST(SafetensorsAtomicSave, FailuresNameThePathAndLeaveNothingBehind) {
  TempDir dir;
  tg::OrderedDict<Tensor> tensors;
  tensors.insert("w", tg::ones({2}));
  // The target is a directory: the rename fails after the data was written.
  fs::create_directory(dir.path() / "target");
  EXPECT_THAT(error_message([&] { tg::save_safetensors(tensors, dir.file("target")); }),
              HasSubstr("save_safetensors: cannot save \"" + dir.file("target") + "\": renaming"));
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"target"});
  EXPECT_TRUE(fs::is_empty(dir.path() / "target"));
  // The directory does not exist.
  EXPECT_THAT(error_message([&] { tg::save_safetensors(tensors, dir.file("missing/model.safetensors")); }),
              HasSubstr("cannot create a temporary file in \"" + dir.file("missing") +
                        "\": No such file or directory"));
  EXPECT_THAT(error_message([&] { tg::save_safetensors(tensors, dir.file("sub/")); }),
              HasSubstr("names a directory"));
  // Bad contents are refused before any file is created.
  tg::OrderedDict<Tensor> bad;
  bad.insert("__metadata__", tg::ones({1}));
  EXPECT_THAT(error_message([&] { tg::save_safetensors(bad, dir.file("bad.safetensors")); }),
              HasSubstr("\"__metadata__\" is reserved"));
  tg::OrderedDict<Tensor> undefined;
  undefined.insert("w", Tensor());
  EXPECT_THAT(error_message([&] { tg::save_safetensors(undefined, dir.file("bad.safetensors")); }),
              HasSubstr("tensor \"w\" is undefined"));
  tg::OrderedDict<Tensor> bad_utf8;
  bad_utf8.insert("\xff", tg::ones({1}));
  EXPECT_THAT(error_message([&] { tg::save_safetensors(bad_utf8, dir.file("bad.safetensors")); }),
              HasSubstr("not valid UTF-8"));
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"target"});

  // An unwritable directory (root may write anywhere, so only as another user).
  if (::geteuid() != 0) {
    fs::create_directory(dir.path() / "locked");
    fs::permissions(dir.path() / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THAT(error_message([&] { tg::save_safetensors(tensors, dir.file("locked/model.safetensors")); }),
                HasSubstr("Permission denied"));
    fs::permissions(dir.path() / "locked", fs::perms::owner_all);
  }
}

// ---- module and tensor-map checkpoints

struct BlockImpl : nn::Module {
  BlockImpl() : fc1(register_module("fc1", nn::Linear(4, 3))), fc2(register_module("fc2", nn::Linear(3, 2))) {
    steps = register_buffer("steps", tg::zeros({}, tg::kInt64));
    scale = register_buffer("scale", tg::ones({2}, tg::kFloat64));
  }
  Tensor forward(const Tensor& x) { return fc2(tg::tanh(fc1(x))) * scale.to(x.dtype()); }
  nn::Linear fc1, fc2;
  Tensor steps, scale;
};
using Block = nn::ModuleHolder<BlockImpl>;

TEST(Checkpoint, ModuleRoundTripCopiesIntoTheExistingTensors) {
  TempDir dir;
  const std::string path = dir.file("block.safetensors");
  tg::manual_seed(1);
  Block saved;
  {
    tg::NoGradGuard no_grad;
    saved->steps.fill_(12);
    saved->scale.copy_(tg::tensor({0.5, 3.0}, tg::kFloat64));
  }
  tg::save(saved, path);

  tg::manual_seed(2);
  Block restored;
  const Tensor weight_handle = restored->fc1->weight;
  const std::uint64_t version = weight_handle.version();
  tg::load(restored, path);
  for (const auto& item : saved->named_parameters())
    expect_identical(restored->named_parameters()[item.key()], item.value(), item.key());
  for (const auto& item : saved->named_buffers())
    expect_identical(restored->named_buffers()[item.key()], item.value(), item.key());
  EXPECT_TRUE(restored->fc1->weight.is_same(weight_handle)) << "load replaced the tensor instead of copying";
  EXPECT_GT(weight_handle.version(), version);
  EXPECT_TRUE(weight_handle.requires_grad());
  EXPECT_TRUE(weight_handle.is_leaf());
  EXPECT_EQ(restored->steps.item<std::int64_t>(), 12);

  // The file holds the PyTorch names and says what it is.
  const tg::SafetensorsFile file = tg::load_safetensors(path);
  EXPECT_EQ(file.tensors.keys(),
            (std::vector<std::string>{"steps", "scale", "fc1.bias", "fc1.weight", "fc2.bias",
                                      "fc2.weight"}));  // I64, F64, then F32 by name
  EXPECT_EQ(file.metadata,
            (std::map<std::string, std::string>{{"format", "pt"}, {"tapegrad.content", "module"}}));
}

TEST(Checkpoint, ModuleOverloadsTakeHandlesPointersAndReferences) {
  TempDir dir;
  const std::string path = dir.file("net.safetensors");
  tg::manual_seed(4);
  nn::Sequential net(nn::Linear(3, 2), nn::ReLU(), nn::Linear(2, 1));
  tg::save(net, path);
  tg::manual_seed(5);
  nn::Sequential other(nn::Linear(3, 2), nn::ReLU(), nn::Linear(2, 1));
  tg::load(other, path);
  for (const auto& item : net->named_parameters())
    expect_identical(other->named_parameters()[item.key()], item.value(), item.key());

  auto linear = std::make_shared<nn::LinearImpl>(3, 2);
  tg::save(linear, dir.file("linear.safetensors"));
  auto linear_copy = std::make_shared<nn::LinearImpl>(3, 2);
  tg::load(linear_copy, dir.file("linear.safetensors"));
  expect_identical(linear_copy->weight, linear->weight, "weight");
  nn::Module& as_module = *linear_copy;
  tg::load(as_module, dir.file("linear.safetensors"));
  expect_identical(linear_copy->bias, linear->bias, "bias");
}

TEST(Checkpoint, MismatchedModulesAreListedAndNothingIsLoaded) {
  TempDir dir;
  const std::string path = dir.file("block.safetensors");
  tg::save(Block(), path);

  // Another layout: fc2 has another shape, fc3 is missing from the file, scale/steps are unexpected.
  struct OtherImpl : nn::Module {
    OtherImpl()
        : fc1(register_module("fc1", nn::Linear(4, 3))),
          fc2(register_module("fc2", nn::Linear(3, 5))),
          fc3(register_module("fc3", nn::Linear(5, 1))) {}
    nn::Linear fc1, fc2, fc3;
  };
  auto other = std::make_shared<OtherImpl>();
  const Tensor before = other->fc1->weight.clone();
  const std::string message = error_message([&] { tg::load(other, path); });
  EXPECT_THAT(message, HasSubstr("load: \"" + path + "\" does not fit the module (nothing was loaded)"));
  EXPECT_THAT(message, HasSubstr("missing from the checkpoint (2): \"fc3.weight\", \"fc3.bias\""));
  EXPECT_THAT(message, HasSubstr("not in the module (2): \"steps\", \"scale\""));
  EXPECT_THAT(message,
              HasSubstr("shape or dtype differs (2): \"fc2.weight\" is [2, 3] float32 in the checkpoint but "
                        "[5, 3] float32 in the module, \"fc2.bias\" is [2] float32 in the checkpoint but [5] "
                        "float32 in the module"));
  expect_identical(other->fc1->weight, before, "fc1.weight must be untouched");

  // Same names and shapes, another dtype.
  Block float64_block;
  float64_block->to(tg::kFloat64);
  EXPECT_THAT(
      error_message([&] { tg::load(float64_block, path); }),
      HasSubstr("\"fc1.weight\" is [3, 4] float32 in the checkpoint but [3, 4] float64 in the module"));
}

TEST(Checkpoint, NamedTensorMapsAndContentChecks) {
  TempDir dir;
  const std::map<std::string, Tensor> tensors = {{"a", tg::arange(3, tg::kFloat64)}, {"b", tg::ones({2, 2})}};
  tg::save(tensors, dir.file("map.safetensors"));
  std::map<std::string, Tensor> loaded = {{"stale", tg::ones({1})}};
  tg::load(loaded, dir.file("map.safetensors"));
  ASSERT_EQ(loaded.size(), 2u);
  expect_identical(loaded.at("a"), tensors.at("a"), "a");
  tg::OrderedDict<Tensor> dict;
  tg::load(dict, dir.file("map.safetensors"));
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"a", "b"}));  // F64 before F32 in the file
  tg::save(dict, dir.file("dict.safetensors"));
  EXPECT_EQ(read_bytes(dir.file("dict.safetensors")), read_bytes(dir.file("map.safetensors")));

  // An optimizer checkpoint is not a module checkpoint.
  Block block;
  tg::optim::SGD sgd(block->parameters(), tg::optim::SGDOptions(0.1));
  tg::save(sgd, dir.file("sgd.safetensors"));
  EXPECT_THAT(error_message([&] { tg::load(block, dir.file("sgd.safetensors")); }),
              HasSubstr("holds a checkpoint of \"optimizer\", not of \"module\""));
  tg::save(block, dir.file("block.safetensors"));
  EXPECT_THAT(error_message([&] { tg::load(sgd, dir.file("block.safetensors")); }),
              HasSubstr("holds a checkpoint of \"module\", not of \"optimizer\""));
  // Files without the marker (e.g. PyTorch's) are accepted; an optimizer's own errors name the file.
  tg::save(std::map<std::string, Tensor>{{"junk", tg::ones({1})}}, dir.file("junk.safetensors"));
  EXPECT_THAT(error_message([&] { tg::load(sgd, dir.file("junk.safetensors")); }),
              HasSubstr("load: \"" + dir.file("junk.safetensors") + "\": SGD.load_state_dict"));
}

// ---- PyTorch-made checkpoints (tests/fixtures/make_safetensors_fixture.py)

std::string fixture(const std::string& name) { return std::string(TAPEGRAD_FIXTURES_DIR) + "/" + name; }

const tapegrad_test::FixtureCase& expected_case(const std::string& name) {
  static const std::vector<tapegrad_test::FixtureCase> cases =
      tapegrad_test::read_fixture_file(fixture("torch_safetensors.txt"));
  for (const auto& c : cases)
    if (c.name == name) return c;
  throw std::runtime_error("no fixture case " + name);
}

// Every parameter and buffer equals PyTorch's value, and the forward output matches PyTorch's.
template <class Net>
void expect_matches_torch(Net& net, const std::string& case_name) {
  const tapegrad_test::FixtureCase& expected = expected_case(case_name);
  tg::OrderedDict<Tensor> state = net->named_parameters();
  for (const auto& item : net->named_buffers()) state.insert(item.key(), item.value());
  std::size_t compared = 0;
  for (const tapegrad_test::FixtureTensor* tensor : expected.with_role(tapegrad_test::FixtureRole::Input)) {
    if (tensor->label == "x") continue;
    ASSERT_TRUE(state.contains(tensor->label)) << tensor->label;
    expect_identical(state[tensor->label], tensor->to_tensor(), tensor->label);
    ++compared;
  }
  EXPECT_EQ(compared, state.size());
  const Tensor x = expected.find(tapegrad_test::FixtureRole::Input, "x")->to_tensor();
  const Tensor y = expected.find(tapegrad_test::FixtureRole::Output, "y")->to_tensor();
  const std::vector<double> actual = net(x).template to_vector<double>(), wanted = y.to_vector<double>();
  ASSERT_EQ(actual.size(), wanted.size());
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], wanted[i], 1e-6) << "output " << i;
}

TEST(SafetensorsTorch, LoadsAPyTorchSequential) {
  tg::manual_seed(0);
  nn::Sequential net(nn::Linear(6, 5), nn::ReLU(), nn::Linear(5, 3));
  tg::load(net, fixture("torch_mlp.safetensors"));
  expect_matches_torch(net, "torch_mlp");
  EXPECT_EQ(tg::load_safetensors(fixture("torch_mlp.safetensors")).metadata.at("format"), "pt");
}

TEST(SafetensorsTorch, LoadsAPyTorchModuleWithNamedSubmodulesAndBuffers) {
  Block net;
  tg::load(net, fixture("torch_named.safetensors"));  // unpadded header, data in state_dict order
  expect_matches_torch(net, "torch_named");
  EXPECT_EQ(net->steps.item<std::int64_t>(), 7);
}

// The fixture is laid out as the reference writer lays it out; ours writes the same bytes.
TEST(SafetensorsTorch, WriterReproducesTheReferenceLayoutByteForByte) {
  const tg::SafetensorsFile file = tg::load_safetensors(fixture("torch_mlp.safetensors"));
  EXPECT_EQ(tg::serialize_safetensors(file.tensors, file.metadata),
            read_bytes(fixture("torch_mlp.safetensors")));
}

// tapegrad's checkpoint of the PyTorch model reloads to the same model. With
// TAPEGRAD_SAFETENSORS_EXPORT=<path> it is also written there, for
// `make_safetensors_fixture.py --read <path>` (PyTorch's independent reader; see that script).
TEST(SafetensorsTorch, ExportForPython) {
  TempDir dir;
  Block net;
  tg::load(net, fixture("torch_named.safetensors"));
  tg::save(net, dir.file("export.safetensors"));
  Block reloaded;
  tg::load(reloaded, dir.file("export.safetensors"));
  expect_matches_torch(reloaded, "torch_named");
  if (const char* export_path = std::getenv("TAPEGRAD_SAFETENSORS_EXPORT")) tg::save(net, export_path);
}

// ---- resuming training from a checkpoint is bit-identical to not stopping

using MakeOptimizer = std::function<std::unique_ptr<tg::optim::Optimizer>(const tg::tensor_list&)>;

enum class Files { kModuleAndOptimizer, kOneTrainingCheckpoint };

void expect_bit_identical_resume(const MakeOptimizer& make_optimizer, Files files) {
  TempDir dir;
  tg::manual_seed(11);
  const Tensor x = tg::randn({16, 3}), y = tg::randn({16, 2});
  const auto make_net = [](std::uint64_t seed) {
    tg::manual_seed(seed);
    return nn::Sequential(nn::Linear(3, 8), nn::Tanh(), nn::Linear(8, 2));
  };
  const auto train = [&](const nn::Sequential& net, tg::optim::Optimizer& optimizer, int steps) {
    for (int step = 0; step < steps; ++step) {
      optimizer.zero_grad();
      tg::mse_loss(net(x), y).backward();
      optimizer.step();
    }
  };
  constexpr int kBefore = 5, kAfter = 7;

  nn::Sequential straight = make_net(21);
  auto straight_optimizer = make_optimizer(straight->parameters());
  train(straight, *straight_optimizer, kBefore + kAfter);

  nn::Sequential interrupted = make_net(21);
  auto interrupted_optimizer = make_optimizer(interrupted->parameters());
  train(interrupted, *interrupted_optimizer, kBefore);
  if (files == Files::kModuleAndOptimizer) {
    tg::save(interrupted, dir.file("model.safetensors"));
    tg::save(*interrupted_optimizer, dir.file("optimizer.safetensors"));
  } else {
    tg::save_checkpoint(dir.file("train.safetensors"), interrupted, *interrupted_optimizer, {{"epoch", "5"}});
  }

  nn::Sequential resumed = make_net(99);  // other initial values, fresh optimizer state
  auto resumed_optimizer = make_optimizer(resumed->parameters());
  if (files == Files::kModuleAndOptimizer) {
    tg::load(resumed, dir.file("model.safetensors"));
    tg::load(*resumed_optimizer, dir.file("optimizer.safetensors"));
  } else {
    const auto metadata = tg::load_checkpoint(dir.file("train.safetensors"), resumed, *resumed_optimizer);
    EXPECT_EQ(metadata, (std::map<std::string, std::string>{{"epoch", "5"}}));
  }
  train(resumed, *resumed_optimizer, kAfter);

  for (const auto& item : straight->named_parameters())
    expect_identical(resumed->named_parameters()[item.key()], item.value(), item.key());
}

std::unique_ptr<tg::optim::Optimizer> make_sgd(const tg::tensor_list& params) {
  return std::make_unique<tg::optim::SGD>(
      params, tg::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(1e-3));
}

std::unique_ptr<tg::optim::Optimizer> make_adam(const tg::tensor_list& params) {
  return std::make_unique<tg::optim::Adam>(params,
                                           tg::optim::AdamOptions(0.01).amsgrad(true).weight_decay(1e-3));
}

TEST(CheckpointResume, SGDWithMomentumContinuesBitForBit) {
  expect_bit_identical_resume(make_sgd, Files::kModuleAndOptimizer);
  expect_bit_identical_resume(make_sgd, Files::kOneTrainingCheckpoint);
}

TEST(CheckpointResume, AdamContinuesBitForBit) {
  expect_bit_identical_resume(make_adam, Files::kModuleAndOptimizer);
  expect_bit_identical_resume(make_adam, Files::kOneTrainingCheckpoint);
}

TEST(TrainingCheckpoint, HoldsModelAndOptimizerUnderPrefixesWithMetadata) {
  TempDir dir;
  tg::manual_seed(4);
  nn::Sequential net(nn::Linear(2, 3));
  tg::optim::SGD optimizer(net->parameters(), tg::optim::SGDOptions(0.1).momentum(0.5));
  tg::mse_loss(net(tg::randn({4, 2})), tg::randn({4, 3})).backward();
  optimizer.step();
  tg::save_checkpoint(dir.file("train.safetensors"), net, optimizer, {{"epoch", "7"}, {"note", "ok"}});
  const tg::SafetensorsFile file = tg::load_safetensors(dir.file("train.safetensors"));
  EXPECT_EQ(file.metadata.at("epoch"), "7");
  EXPECT_EQ(file.metadata.at("tapegrad.content"), "training");
  ASSERT_NE(file.tensors.find("model.0.weight"), nullptr);
  EXPECT_EQ(file.tensors["model.0.weight"].to_vector<float>(),
            net->named_parameters()["0.weight"].to_vector<float>());
  EXPECT_NE(file.tensors.find("optimizer.state.0.momentum_buffer"), nullptr);
  EXPECT_NE(file.tensors.find("optimizer.param_groups.0.lr"), nullptr);
}

TEST(TrainingCheckpoint, MismatchesLoadNothingIntoEitherPart) {
  TempDir dir;
  tg::manual_seed(5);
  nn::Sequential net(nn::Linear(2, 3));
  tg::optim::SGD sgd(net->parameters(), tg::optim::SGDOptions(0.1).momentum(0.5));
  tg::mse_loss(net(tg::randn({4, 2})), tg::randn({4, 3})).backward();
  sgd.step();
  tg::save_checkpoint(dir.file("train.safetensors"), net, sgd);

  // Right model, wrong optimizer kind: the optimizer refuses, and the model must stay as it was.
  nn::Sequential other(nn::Linear(2, 3));
  const std::vector<float> before = other->named_parameters()["0.weight"].to_vector<float>();
  tg::optim::Adam adam(other->parameters(), tg::optim::AdamOptions(0.1));
  EXPECT_THROW(tg::load_checkpoint(dir.file("train.safetensors"), other, adam), tg::Error);
  EXPECT_EQ(other->named_parameters()["0.weight"].to_vector<float>(), before);
  EXPECT_EQ(adam.state(other->parameters()[0]), nullptr);

  // Wrong model: nothing is loaded, and the optimizer keeps its (empty) state.
  nn::Sequential wider(nn::Linear(2, 4));
  tg::optim::SGD fresh(wider->parameters(), tg::optim::SGDOptions(0.3).momentum(0.5));
  try {
    tg::load_checkpoint(dir.file("train.safetensors"), wider, fresh);
    ADD_FAILURE() << "expected a tg::Error";
  } catch (const tg::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"0.weight\" is [3, 2] float32 in the checkpoint but [4, 2] float32"));
  }
  EXPECT_EQ(fresh.param_groups()[0].options().lr(), 0.3);
  EXPECT_EQ(fresh.state(wider->parameters()[0]), nullptr);

  // A module checkpoint is not a training checkpoint and vice versa; reserved metadata keys are refused.
  tg::save(net, dir.file("model.safetensors"));
  EXPECT_THROW(tg::load_checkpoint(dir.file("model.safetensors"), net, sgd), tg::Error);
  EXPECT_THAT(
      [&] {
        try {
          tg::load(net, dir.file("train.safetensors"));
        } catch (const tg::Error& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      HasSubstr("holds a checkpoint of \"training\", not of \"module\""));
  EXPECT_THROW(tg::save_checkpoint(dir.file("x.safetensors"), net, sgd, {{"tapegrad.content", "module"}}),
               tg::Error);
}

}  // namespace
