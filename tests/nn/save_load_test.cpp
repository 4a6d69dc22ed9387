// tg::save / tg::load (serialize/tensors.hpp, serialize/checkpoint.hpp) for everything libtorch's
// torch::save / torch::load take: a Tensor, a std::vector<Tensor>, a module and an optimizer, to a
// path and to a std::ostream / from a std::istream; every dtype, views, 0-d and zero-size tensors;
// and the errors for a wrong file or the wrong kind of file.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"
#include "support/tensor_bytes.hpp"

namespace {

using tg::testing::error_message;
using tg::testing::expect_identical;
using tg::testing::raw_bytes;

using ::testing::HasSubstr;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;
using namespace std::string_literals;

// A file path in a fresh directory that is removed at the end of the test.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad_save_load_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    directory_ = pattern;
  }
  ~TempFile() {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  std::string path(const std::string& name = "file.safetensors") const {
    return (directory_ / name).string();
  }

 private:
  fs::path directory_;
};

Tensor ints(const std::vector<std::int64_t>& values, tg::IntArrayRef sizes, tg::Dtype dtype) {
  return tg::tensor(values, sizes, tg::kInt64).to(dtype);
}

// The tensors of dtype_tensors() in tests/fixtures/make_safetensors_fixture.py.
std::vector<std::pair<std::string, Tensor>> dtype_tensors() {
  return {
      {"bool", ints({1, 0, 1, 0, 0, 1}, {2, 3}, tg::kBool)},
      {"u8", ints({0, 1, 127, 128, 255}, {5}, tg::kUInt8)},
      {"i8", ints({-128, -1, 0, 1, 127}, {5}, tg::kInt8)},
      {"i16", ints({-32768, -1, 0, 1, 32767}, {5}, tg::kInt16)},
      {"i32", ints({-2147483648LL, 0, 7, 2147483647}, {2, 2}, tg::kInt32)},
      {"i64", tg::scalar_tensor(-7, tg::kInt64)},
      {"f32", tg::arange(12, tg::kFloat32).reshape({3, 4}).t()},
      {"f64", tg::tensor(std::vector<double>{1.5, -0.0, std::numeric_limits<double>::infinity(), 4.9e-324},
                         {4}, tg::kFloat64)},
      {"empty", tg::empty({2, 0, 3}, tg::kFloat32)},
  };
}

// ---- Tensor

TEST(SaveLoadTensor, EveryDtypeRoundTripsThroughAFileAndAStream) {
  TempFile file;
  for (const auto& [name, tensor] : dtype_tensors()) {
    tg::save(tensor, file.path());
    Tensor from_file;
    tg::load(from_file, file.path());
    expect_identical(from_file, tensor, name + " (file)");

    std::stringstream stream;
    tg::save(tensor, stream);
    Tensor from_stream;
    tg::load(from_stream, stream);
    expect_identical(from_stream, tensor, name + " (stream)");
    EXPECT_TRUE(from_stream.is_contiguous()) << name;
  }
}

TEST(SaveLoadTensor, ViewsZeroDimAndZeroSizeTensors) {
  tg::manual_seed(0);
  const Tensor base = tg::randn({4, 6}, tg::kFloat64);
  const std::vector<Tensor> cases = {
      base.t(),                                                   // transposed
      base.slice(1, 1, 6, 2),                                     // strided columns
      base.select(0, 2),                                          // a row with an offset
      base.unsqueeze(0).expand({3, 4, 6}),                        // stride 0
      tg::scalar_tensor(2.5, tg::kFloat64),                       // 0-d
      tg::empty({0}, tg::kInt32),                                 // zero-size
      tg::empty({3, 0}, tg::kBool),                               // zero-size, 2-d
      ints({1, 0, 0, 1, 1, 0}, {2, 3}, tg::kBool).t(),            // a bool view
      ints({-3, 5, 9, 1, 4, 2}, {3, 2}, tg::kInt16).flip({0}),    // a flipped copy
      ints({10, 20, 30, 40}, {2, 2}, tg::kUInt8).slice(0, 1, 2),  // an offset row
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::stringstream stream;
    tg::save(cases[i], stream);
    Tensor loaded;
    tg::load(loaded, stream);
    expect_identical(loaded, cases[i], "case " + std::to_string(i));
  }
}

TEST(SaveLoadTensor, LoadingIntoADefinedTensorReplacesItInPlace) {
  std::stringstream stream;
  tg::save(tg::tensor(std::vector<double>{1, 2, 3}, {3}, tg::kFloat64), stream);
  Tensor weight = tg::zeros({2, 2}).requires_grad_();
  const Tensor alias = weight;
  tg::load(weight, stream);
  EXPECT_TRUE(weight.requires_grad());
  EXPECT_TRUE(weight.is_leaf());
  EXPECT_EQ(alias.dtype(), tg::kFloat64);  // the same tensor: the handle sees the new value
  EXPECT_EQ(alias.to_vector<double>(), (std::vector<double>{1, 2, 3}));
}

TEST(SaveLoadTensor, SavingAndLoadingRecordNoGraph) {
  const Tensor x = tg::randn({2, 3}).requires_grad_();
  const Tensor y = (x * 2).t();
  std::stringstream stream;
  tg::save(y, stream);
  Tensor loaded;
  tg::load(loaded, stream);
  EXPECT_FALSE(loaded.requires_grad());
  expect_identical(loaded, y.detach(), "y");
}

// ---- std::vector<Tensor>

TEST(SaveLoadTensorList, RoundTripsUnderLibtorchsKeysAndAppends) {
  TempFile file;
  std::vector<Tensor> tensors;
  for (const auto& item : dtype_tensors()) tensors.push_back(item.second);
  tg::save(tensors, file.path());
  // libtorch's keys: "0", "1", ... (here checked in the raw file).
  const tg::SafetensorsFile raw = tg::load_safetensors(file.path());
  EXPECT_EQ(raw.tensors.size(), tensors.size());
  EXPECT_TRUE(raw.tensors.contains("0") && raw.tensors.contains(std::to_string(tensors.size() - 1)));

  const Tensor existing = tg::ones({1});
  std::vector<Tensor> loaded = {existing};
  tg::load(loaded, file.path());  // appended, as libtorch's push_back loop
  ASSERT_EQ(loaded.size(), tensors.size() + 1);
  EXPECT_TRUE(loaded[0].is_same(existing));
  for (std::size_t i = 0; i < tensors.size(); ++i)
    expect_identical(loaded[i + 1], tensors[i], "tensor " + std::to_string(i));
}

TEST(SaveLoadTensorList, EmptyListAndStreams) {
  std::stringstream stream;
  tg::save(std::vector<Tensor>{}, stream);
  std::vector<Tensor> loaded;
  tg::load(loaded, stream);
  EXPECT_TRUE(loaded.empty());

  std::ostringstream out;
  tg::save(std::vector<Tensor>{tg::arange(3), tg::scalar_tensor(true, tg::kBool)}, out);
  std::istringstream in(out.str());
  tg::load(loaded, in);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(loaded[1].dtype(), tg::kBool);
  EXPECT_TRUE(loaded[1].item<bool>());
}

TEST(SaveLoadTensorList, AFileWithoutMetadataNeedsTheNumberedNames) {
  // As Python would write one: plain safetensors, no tapegrad metadata.
  std::istringstream good(tg::serialize_safetensors(
      std::map<std::string, Tensor>{{"0", tg::ones({2})}, {"1", tg::zeros({1}, tg::kInt64)}}));
  std::vector<Tensor> loaded;
  tg::load(loaded, good);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[1].dtype(), tg::kInt64);

  std::istringstream holes(
      tg::serialize_safetensors(std::map<std::string, Tensor>{{"0", tg::ones({2})}, {"2", tg::ones({1})}}));
  EXPECT_THAT(error_message([&] { tg::load(loaded, holes); }),
              HasSubstr("load: <stream> is not a list of tensors: its 2 tensors {\"0\", \"2\"} are not named "
                        "\"0\" to \"1\""));
  EXPECT_EQ(loaded.size(), 2u);  // nothing appended
}

// ---- modules and optimizers to streams

struct TwoLayerImpl : nn::Module {
  TwoLayerImpl()
      : fc1(register_module("fc1", nn::Linear(3, 4))), fc2(register_module("fc2", nn::Linear(4, 2))) {
    count = register_buffer("count", tg::zeros({}, tg::kInt64));
  }
  Tensor forward(const Tensor& x) { return fc2(tg::relu(fc1(x))); }
  nn::Linear fc1, fc2;
  Tensor count;
};
TG_MODULE(TwoLayer);

TEST(SaveLoadModule, HandlesAndSharedPointersThroughStreams) {
  tg::manual_seed(1);
  TwoLayer saved;
  saved->count.fill_(5);
  std::stringstream stream;
  tg::save(saved, stream);

  tg::manual_seed(2);
  TwoLayer loaded;
  const Tensor weight = loaded->fc1->weight;
  tg::load(loaded, stream);
  EXPECT_TRUE(weight.is_same(loaded->fc1->weight));  // copied into the existing parameters
  expect_identical(loaded->fc1->weight, saved->fc1->weight, "fc1.weight");
  EXPECT_EQ(loaded->count.item<std::int64_t>(), 5);

  std::shared_ptr<TwoLayerImpl> pointer = std::make_shared<TwoLayerImpl>();
  std::stringstream again;
  tg::save(saved.ptr(), again);
  tg::load(pointer, again);
  expect_identical(pointer->fc2->bias, saved->fc2->bias, "fc2.bias");
}

TEST(SaveLoadOptimizer, AdamStateThroughAStreamContinuesBitForBit) {
  tg::manual_seed(3);
  TwoLayer net;
  tg::optim::Adam adam(net->parameters(), tg::optim::AdamOptions(0.01));
  const Tensor x = tg::randn({5, 3});
  const auto train_step = [&](TwoLayer& model, tg::optim::Optimizer& optimizer) {
    optimizer.zero_grad();
    model(x).pow(2).sum().backward();
    optimizer.step();
  };
  for (int i = 0; i < 3; ++i) train_step(net, adam);

  std::stringstream model_bytes, optimizer_bytes;
  tg::save(net, model_bytes);
  tg::save(adam, optimizer_bytes);
  TwoLayer resumed;
  tg::optim::Adam resumed_adam(resumed->parameters(), tg::optim::AdamOptions(0.5));
  tg::load(resumed, model_bytes);
  tg::load(resumed_adam, optimizer_bytes);

  train_step(net, adam);
  train_step(resumed, resumed_adam);
  for (const auto& item : net->named_parameters())
    expect_identical(resumed->named_parameters()[item.key()], item.value(), item.key());
}

// ---- wrong files and wrong kinds

TEST(SaveLoadErrors, TheWrongKindOfFileIsRefused) {
  TempFile file;
  tg::save(std::vector<Tensor>{tg::ones({2})}, file.path("list.safetensors"));
  Tensor tensor;
  EXPECT_THAT(error_message([&] { tg::load(tensor, file.path("list.safetensors")); }),
              HasSubstr("holds a checkpoint of \"tensor_list\", not of \"tensor\""));
  EXPECT_FALSE(tensor.defined());

  tg::save(tg::ones({2}), file.path("tensor.safetensors"));
  std::vector<Tensor> list;
  EXPECT_THAT(error_message([&] { tg::load(list, file.path("tensor.safetensors")); }),
              HasSubstr("holds a checkpoint of \"tensor\", not of \"tensor_list\""));

  TwoLayer net;
  tg::save(net, file.path("net.safetensors"));
  EXPECT_THAT(error_message([&] { tg::load(tensor, file.path("net.safetensors")); }),
              HasSubstr("load: \"" + file.path("net.safetensors") +
                        "\" holds a checkpoint of \"module\", not of \"tensor\""));
  EXPECT_THAT(error_message([&] { tg::load(net, file.path("tensor.safetensors")); }),
              HasSubstr("holds a checkpoint of \"tensor\", not of \"module\""));
  tg::optim::SGD sgd(net->parameters(), tg::optim::SGDOptions(0.1));
  EXPECT_THAT(error_message([&] { tg::load(sgd, file.path("list.safetensors")); }),
              HasSubstr("holds a checkpoint of \"tensor_list\", not of \"optimizer\""));
}

TEST(SaveLoadErrors, PlainFilesMustHoldOneTensorNamedZero) {
  std::istringstream two(tg::serialize_safetensors(
      std::map<std::string, Tensor>{{"weight", tg::ones({2})}, {"bias", tg::ones({1})}}));
  Tensor tensor;
  EXPECT_THAT(error_message([&] { tg::load(tensor, two); }),
              HasSubstr("<stream> is not a tensor file: a tensor file holds one tensor named \"0\", this one "
                        "holds 2 {\"bias\", \"weight\"}"));
}

TEST(SaveLoadErrors, MissingCorruptAndUnreadableSources) {
  TempFile file;
  Tensor tensor;
  EXPECT_THAT(error_message([&] { tg::load(tensor, file.path("missing.safetensors")); }),
              HasSubstr("load_safetensors: cannot open \"" + file.path("missing.safetensors") + "\""));
  std::istringstream garbage("not a safetensors file at all");
  EXPECT_THAT(error_message([&] { tg::load(tensor, garbage); }),
              HasSubstr("deserialize_safetensors: <stream>: the header length"));
  std::istringstream truncated(
      tg::serialize_safetensors(std::map<std::string, Tensor>{{"0", tg::ones({4})}}).substr(0, 40));
  EXPECT_THAT(error_message([&] { tg::load(tensor, truncated); }), HasSubstr("<stream>"));
  std::istringstream failed;
  failed.setstate(std::ios::failbit);
  EXPECT_THAT(error_message([&] { tg::load(tensor, failed); }),
              HasSubstr("load: the stream cannot be read (its state is not good)"));
  std::ostringstream closed;
  closed.setstate(std::ios::badbit);
  EXPECT_THAT(error_message([&] { tg::save(tg::ones({2}), closed); }),
              HasSubstr("bytes to the stream failed"));
  EXPECT_THAT(error_message([&] { tg::save(Tensor(), closed); }), HasSubstr("save: the tensor is undefined"));
  EXPECT_THAT(error_message([&] {
                tg::save(std::vector<Tensor>{tg::ones({1}), Tensor()}, closed);
              }),
              HasSubstr("save: tensor 1 of the list is undefined"));
}

TEST(SaveLoadErrors, BoolBytesOtherThanZeroAndOneAreRefused) {
  std::string bytes =
      tg::serialize_safetensors(std::map<std::string, Tensor>{{"0", ints({1, 0, 1}, {3}, tg::kBool)}});
  bytes[bytes.size() - 2] = 2;
  EXPECT_THAT(
      error_message([&] { tg::deserialize_safetensors(bytes); }),
      HasSubstr("tensor \"0\" is BOOL but its element 1 is the byte 2 (booleans are stored as 0 or 1)"));
}

// ---- a file written by Python (tests/fixtures/make_safetensors_fixture.py)

TEST(SaveLoadTorch, EveryDtypeFromPythonLoadsAndTapegradWritesTheSameBytes) {
  const std::string path = std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_dtypes.safetensors";
  std::map<std::string, Tensor> loaded;
  tg::load(loaded, path);
  tg::OrderedDict<Tensor> expected;
  for (const auto& [name, tensor] : dtype_tensors()) {
    ASSERT_TRUE(loaded.contains(name)) << name;
    expect_identical(loaded.at(name), tensor, name);
    expected.insert(name, tensor);
  }
  EXPECT_EQ(loaded.size(), expected.size());
  std::ifstream in(path, std::ios::binary);
  const std::string file_bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(tg::serialize_safetensors(expected, {{"format", "pt"}}), file_bytes);
}

}  // namespace
