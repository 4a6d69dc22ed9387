// nn/data: TensorDataset, seeded splits, DataLoader batching and shuffling, CSV (plain and gzip), MNIST IDX
// files, and the bundled scikit-learn digits dataset.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/data_files.hpp"

namespace {

using ::testing::HasSubstr;
using tg::Tensor;
using tg::data::DataLoader;
using tg::data::DataLoaderOptions;
using Example = tg::data::Example<>;
using tg::data::TensorDataset;
using tg::testing::gzip_stored;
using tg::testing::idx_images;
using tg::testing::idx_labels;
using tg::testing::TempDir;

// Runs `action`, which must throw tg::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F&& action, std::initializer_list<std::string> parts) {
  try {
    action();
    ADD_FAILURE() << "expected a tg::Error";
  } catch (const tg::Error& error) {
    for (const std::string& part : parts) EXPECT_THAT(error.what(), HasSubstr(part));
  }
}

// ---- IDX files
void put_be32(std::string& out, std::uint32_t value) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// inputs [n, 2] with row i = (i, 100 + i) and targets [n] = i, so every value tells where it came from.
TensorDataset numbered(std::int64_t n) {
  std::vector<float> inputs;
  std::vector<std::int64_t> targets;
  for (std::int64_t i = 0; i < n; ++i) {
    inputs.push_back(static_cast<float>(i));
    inputs.push_back(static_cast<float>(100 + i));
    targets.push_back(i);
  }
  return TensorDataset(tg::tensor(inputs, {n, 2}), tg::tensor(targets));
}

// The targets of every batch of one epoch, batch by batch.
std::vector<std::vector<std::int64_t>> epoch_targets(DataLoader& loader) {
  std::vector<std::vector<std::int64_t>> batches;
  for (const Example& batch : loader) batches.push_back(batch.target.to_vector<std::int64_t>());
  return batches;
}

std::vector<std::int64_t> concatenated(const std::vector<std::vector<std::int64_t>>& batches) {
  std::vector<std::int64_t> all;
  for (const auto& batch : batches) all.insert(all.end(), batch.begin(), batch.end());
  return all;
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = i;
  return values;
}

// ================================================================ TensorDataset

TEST(TensorDatasetTest, SizeAndGetReturnRows) {
  const TensorDataset dataset = numbered(5);
  EXPECT_EQ(dataset.size(), 5);
  const Example third = dataset.get(3);
  EXPECT_EQ(third.data.sizes(), tg::Shape({2}));
  EXPECT_EQ(third.data.to_vector<float>(), (std::vector<float>{3, 103}));
  EXPECT_EQ(third.target.dim(), 0);
  EXPECT_EQ(third.target.item<std::int64_t>(), 3);
  expect_error([&] { dataset.get(5); }, {"TensorDataset::get", "index 5", "5 examples"});
  expect_error([&] { dataset.get(-1); }, {"index -1"});
}

TEST(TensorDatasetTest, RejectsDifferentNumbersOfExamples) {
  expect_error(
      [] {
        TensorDataset(tg::zeros({5, 3}), tg::zeros({4}, tg::kInt64));
      },
      {"TensorDataset", "[5, 3]", "[4]", "5 vs 4"});
  expect_error([] { TensorDataset(tg::zeros({5, 3}), tg::scalar_tensor(1)); }, {"TensorDataset", "[]"});
  expect_error([] { TensorDataset(Tensor(), tg::zeros({4})); }, {"TensorDataset", "inputs"});
}

TEST(TensorDatasetTest, SubsetCopiesRowsInIndexOrder) {
  const TensorDataset dataset = numbered(6);
  const TensorDataset picked = dataset.subset(tg::tensor(std::vector<std::int64_t>{4, 1, 4}));
  EXPECT_EQ(picked.size(), 3);
  EXPECT_EQ(picked.inputs().to_vector<float>(), (std::vector<float>{4, 104, 1, 101, 4, 104}));
  EXPECT_EQ(picked.targets().to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 1, 4}));
  picked.inputs().fill_(-1);
  EXPECT_EQ(dataset.get(4).data.to_vector<float>(), (std::vector<float>{4, 104}));  // a copy, not a view
}

// ================================================================ random_split / train_test_split

TEST(DataSplitTest, RandomSplitIsASeededPartition) {
  const TensorDataset dataset = numbered(10);
  const auto parts = tg::data::random_split(dataset, {6, 3, 1}, 42);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 6);
  EXPECT_EQ(parts[1].size(), 3);
  EXPECT_EQ(parts[2].size(), 1);
  std::vector<std::int64_t> all;
  for (const TensorDataset& part : parts) {
    const auto targets = part.targets().to_vector<std::int64_t>();
    all.insert(all.end(), targets.begin(), targets.end());
    // inputs travel with their targets
    const auto inputs = part.inputs().to_vector<float>();
    for (std::size_t i = 0; i < targets.size(); ++i) EXPECT_EQ(inputs[2 * i], static_cast<float>(targets[i]));
  }
  EXPECT_NE(all, iota(10)) << "the split should be shuffled";
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, iota(10));

  const auto again = tg::data::random_split(dataset, {6, 3, 1}, 42);
  const auto other = tg::data::random_split(dataset, {6, 3, 1}, 43);
  EXPECT_EQ(again[0].targets().to_vector<std::int64_t>(), parts[0].targets().to_vector<std::int64_t>());
  EXPECT_EQ(again[1].targets().to_vector<std::int64_t>(), parts[1].targets().to_vector<std::int64_t>());
  EXPECT_NE(other[0].targets().to_vector<std::int64_t>(), parts[0].targets().to_vector<std::int64_t>());

  expect_error(
      [&] {
        tg::data::random_split(dataset, {6, 3}, 0);
      },
      {"random_split", "sum to 9", "10 examples"});
  expect_error([&] { tg::data::random_split(dataset, {11, -1}, 0); }, {"random_split", "negative"});
}

TEST(DataSplitTest, TrainTestSplitRoundsTheTestSizeUp) {
  const TensorDataset dataset = numbered(10);
  auto split = tg::data::train_test_split(dataset, 0.3, 0);
  EXPECT_EQ(split.train.size(), 7);  // 0.3 * 10 is 3.0000000000000004 in floating point: still 3
  EXPECT_EQ(split.test.size(), 3);
  split = tg::data::train_test_split(dataset, 0.25, 0);
  EXPECT_EQ(split.test.size(), 3);  // ceil(2.5)
  split = tg::data::train_test_split(dataset, 0.0, 0);
  EXPECT_EQ(split.train.size(), 10);
  EXPECT_EQ(split.test.size(), 0);
  EXPECT_EQ(split.test.inputs().sizes(), tg::Shape({0, 2}));
  split = tg::data::train_test_split(dataset, 1.0, 0);
  EXPECT_EQ(split.train.size(), 0);
  EXPECT_EQ(split.test.size(), 10);
  expect_error([&] { tg::data::train_test_split(dataset, 1.5, 0); }, {"train_test_split", "[0, 1]", "1.5"});
}

// ================================================================ DataLoader

static_assert(std::input_iterator<DataLoader::Iterator>);

TEST(DataLoaderTest, BatchesInDatasetOrderWithAPartialLastBatch) {
  DataLoader loader(numbered(10), DataLoaderOptions().batch_size(4));
  EXPECT_EQ(loader.size(), 3);
  std::vector<Example> batches;
  for (const Example& batch : loader) batches.push_back(batch);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].data.sizes(), tg::Shape({4, 2}));
  EXPECT_EQ(batches[0].target.sizes(), tg::Shape({4}));
  EXPECT_EQ(batches[0].data.dtype(), tg::kFloat32);
  EXPECT_EQ(batches[0].target.dtype(), tg::kInt64);
  EXPECT_EQ(batches[1].data.to_vector<float>(), (std::vector<float>{4, 104, 5, 105, 6, 106, 7, 107}));
  EXPECT_EQ(batches[1].target.to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(batches[2].data.sizes(), tg::Shape({2, 2}));
  EXPECT_EQ(batches[2].data.to_vector<float>(), (std::vector<float>{8, 108, 9, 109}));
  EXPECT_EQ(batches[2].target.to_vector<std::int64_t>(), (std::vector<std::int64_t>{8, 9}));
}

TEST(DataLoaderTest, DropLastSkipsThePartialBatch) {
  DataLoader loader(numbered(10), DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(loader.size(), 2);
  const auto batches = epoch_targets(loader);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1], (std::vector<std::int64_t>{4, 5, 6, 7}));

  DataLoader exact(numbered(8), DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(exact.size(), 2);
  EXPECT_EQ(concatenated(epoch_targets(exact)), iota(8));
  DataLoader too_small(numbered(3), DataLoaderOptions().batch_size(4).drop_last(true));
  EXPECT_EQ(too_small.size(), 0);
  EXPECT_TRUE(epoch_targets(too_small).empty());
}

TEST(DataLoaderTest, BatchSizeLargerThanTheDatasetGivesOneBatch) {
  DataLoader loader(numbered(3), DataLoaderOptions().batch_size(64));
  EXPECT_EQ(loader.size(), 1);
  EXPECT_EQ(epoch_targets(loader), (std::vector<std::vector<std::int64_t>>{{0, 1, 2}}));
  DataLoader empty(TensorDataset(tg::zeros({0, 2}), tg::zeros({0}, tg::kInt64)),
                   DataLoaderOptions().batch_size(4));
  EXPECT_EQ(empty.size(), 0);
  EXPECT_TRUE(epoch_targets(empty).empty());
}

TEST(DataLoaderTest, BatchesAreContiguousCopiesOfMultiDimensionalExamples) {
  const Tensor images = tg::arange(0, 24, 1, tg::kFloat32).reshape({6, 1, 2, 2});
  DataLoader loader(TensorDataset(images, tg::arange(6)), DataLoaderOptions().batch_size(4));
  auto it = loader.begin();
  const Example& first = *it;
  EXPECT_EQ(first.data.sizes(), tg::Shape({4, 1, 2, 2}));
  EXPECT_TRUE(first.data.is_contiguous());
  first.data.fill_(-1);
  EXPECT_EQ(images.select(0, 0).sum().item<float>(), 0 + 1 + 2 + 3);
  ++it;
  EXPECT_EQ(it->data.sizes(), tg::Shape({2, 1, 2, 2}));
  EXPECT_EQ(it->data.to_vector<float>().front(), 16);
  ++it;
  EXPECT_TRUE(it == loader.end());
}

TEST(DataLoaderTest, ShuffleVisitsEveryExampleOnceAndReshufflesEachEpoch) {
  DataLoader loader(numbered(10), DataLoaderOptions().batch_size(4).shuffle(true).seed(7));
  std::set<std::vector<std::int64_t>> orders;
  for (int epoch = 0; epoch < 5; ++epoch) {
    const auto batches = epoch_targets(loader);
    ASSERT_EQ(batches.size(), 3u);
    EXPECT_EQ(batches[2].size(), 2u);
    std::vector<std::int64_t> order = concatenated(batches);
    orders.insert(order);
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, iota(10)) << "epoch " << epoch;
  }
  EXPECT_EQ(loader.epoch(), 5);
  EXPECT_EQ(orders.size(), 5u) << "each epoch should have its own order";
  EXPECT_EQ(orders.count(iota(10)), 0u);
}

TEST(DataLoaderTest, ShuffledDataTravelsWithItsTargets) {
  DataLoader loader(numbered(9), DataLoaderOptions().batch_size(4).shuffle(true).seed(3));
  for (const Example& batch : loader) {
    const auto inputs = batch.data.to_vector<float>();
    const auto targets = batch.target.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      EXPECT_EQ(inputs[2 * i], static_cast<float>(targets[i]));
      EXPECT_EQ(inputs[2 * i + 1], static_cast<float>(100 + targets[i]));
    }
  }
}

TEST(DataLoaderTest, ShuffleWithDropLastUsesEachExampleAtMostOnce) {
  DataLoader loader(numbered(10), DataLoaderOptions().batch_size(3).shuffle(true).seed(1).drop_last(true));
  EXPECT_EQ(loader.size(), 3);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const std::vector<std::int64_t> seen = concatenated(epoch_targets(loader));
    EXPECT_EQ(seen.size(), 9u);
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), 9u);
  }
}

TEST(DataLoaderTest, ShuffleIsDeterministicGivenTheSeed) {
  const TensorDataset dataset = numbered(50);
  DataLoader a(dataset, DataLoaderOptions().batch_size(8).shuffle(true).seed(123));
  DataLoader b(dataset, DataLoaderOptions().batch_size(8).shuffle(true).seed(123));
  DataLoader c(dataset, DataLoaderOptions().batch_size(8).shuffle(true).seed(124));
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto from_a = epoch_targets(a);
    EXPECT_EQ(from_a, epoch_targets(b)) << "epoch " << epoch;
    EXPECT_NE(from_a, epoch_targets(c)) << "epoch " << epoch;
  }
  // Epoch e's order depends on (seed, e) only: set_epoch replays it, and order(e) predicts it.
  b.set_epoch(1);
  const auto replayed = concatenated(epoch_targets(b));
  EXPECT_EQ(replayed, a.order(1).to_vector<std::int64_t>());
  EXPECT_EQ(b.epoch(), 2);
  // Pinned values: the permutation uses only std::mt19937_64 and std::seed_seq (both fully specified by the
  // standard) and our own Fisher-Yates, so these orders are the same on every platform and standard library.
  DataLoader pinned(numbered(8), DataLoaderOptions().batch_size(8).shuffle(true).seed(0));
  EXPECT_EQ(pinned.order(0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 7, 5, 6, 1, 3, 2, 4}));
  EXPECT_EQ(pinned.order(1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 7, 5, 1, 4, 2, 6, 0}));
}

TEST(DataLoaderTest, ShuffleLeavesTheGlobalGeneratorAlone) {
  tg::manual_seed(5);
  const auto expected = tg::rand({4}).to_vector<float>();
  tg::manual_seed(5);
  DataLoader loader(numbered(20), DataLoaderOptions().batch_size(3).shuffle(true));
  for (int epoch = 0; epoch < 2; ++epoch) epoch_targets(loader);
  EXPECT_EQ(tg::rand({4}).to_vector<float>(), expected);

  // ... and the global seed does not change the loader's orders.
  tg::manual_seed(99);
  DataLoader other(numbered(20), DataLoaderOptions().batch_size(3).shuffle(true));
  EXPECT_EQ(other.order(0).to_vector<std::int64_t>(), loader.order(0).to_vector<std::int64_t>());
}

TEST(DataLoaderTest, WithoutShuffleEveryEpochIsInOrder) {
  DataLoader loader(numbered(5), DataLoaderOptions().batch_size(2).seed(9));
  for (int epoch = 0; epoch < 3; ++epoch) EXPECT_EQ(concatenated(epoch_targets(loader)), iota(5));
}

TEST(DataLoaderTest, RejectsBadOptions) {
  expect_error([] { DataLoader(numbered(5), DataLoaderOptions().batch_size(0)); },
               {"DataLoader", "batch_size must be positive, got 0"});
  DataLoader loader(numbered(5), DataLoaderOptions().batch_size(2));
  expect_error([&] { *loader.end(); }, {"DataLoader", "end()"});
  expect_error([&] { loader.set_epoch(-1); }, {"set_epoch", "-1"});
}

// ================================================================ CSV

TEST(CsvTest, ParsesFeaturesAndIntegerLabels) {
  TempDir dir;
  const auto path = dir.write("table.csv",
                              "label,a,b\r\n"
                              "3, 1.5 ,-2\r\n"
                              "\n"
                              "+0,1e-3,\t4\r\n"
                              "7.0,0,+0.25\n");
  const TensorDataset dataset = tg::data::load_csv(path, tg::data::CsvOptions().header(true).label_column(0));
  EXPECT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset.inputs().sizes(), tg::Shape({3, 2}));
  EXPECT_EQ(dataset.inputs().dtype(), tg::kFloat32);
  EXPECT_EQ(dataset.targets().dtype(), tg::kInt64);
  EXPECT_EQ(dataset.inputs().to_vector<float>(), (std::vector<float>{1.5f, -2.0f, 1e-3f, 4.0f, 0.0f, 0.25f}));
  EXPECT_EQ(dataset.targets().to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 0, 7}));
}

TEST(CsvTest, LabelColumnDefaultsToTheLastAndCountsFromTheEnd) {
  TempDir dir;
  const auto path = dir.write("table.csv", "1,2,3,9\n4,5,6,8");  // no final newline
  TensorDataset dataset = tg::data::load_csv(path);
  EXPECT_EQ(dataset.inputs().to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(dataset.targets().to_vector<std::int64_t>(), (std::vector<std::int64_t>{9, 8}));
  dataset = tg::data::load_csv(path, tg::data::CsvOptions().label_column(-3));
  EXPECT_EQ(dataset.inputs().to_vector<float>(), (std::vector<float>{1, 3, 9, 4, 6, 8}));
  EXPECT_EQ(dataset.targets().to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 5}));
}

TEST(CsvTest, LoadsAWholeTableWithOtherDelimitersAndDtypes) {
  TempDir dir;
  const auto path = dir.write("table.tsv", "x\ty\n0.1\t2\n3\t-4.5\n");
  const Tensor table = tg::data::load_csv_tensor(
      path, tg::data::CsvOptions().header(true).delimiter('\t').dtype(tg::kFloat64));
  EXPECT_EQ(table.sizes(), tg::Shape({2, 2}));
  EXPECT_EQ(table.dtype(), tg::kFloat64);
  EXPECT_EQ(table.to_vector<double>(), (std::vector<double>{0.1, 2, 3, -4.5}));
  expect_error([&] { tg::data::load_csv_tensor(path, tg::data::CsvOptions().dtype(tg::kInt64)); },
               {"load_csv_tensor", "float32 or float64", "int64"});
}

TEST(CsvTest, ReadsGzipCompressedFiles) {
  TempDir dir;
  std::string text;
  for (int row = 0; row < 8000; ++row)  // > 64 KiB, so the stream spans several deflate blocks
    text += std::to_string(row) + ",0.5," + std::to_string(row % 10) + "\n";
  ASSERT_GT(text.size(), 65535u);
  const auto gz = dir.write("table.csv.gz", gzip_stored(text));
  const TensorDataset dataset = tg::data::load_csv(gz);
  EXPECT_EQ(dataset.size(), 8000);
  EXPECT_EQ(dataset.get(4321).data.to_vector<float>(), (std::vector<float>{4321, 0.5f}));
  EXPECT_EQ(dataset.get(4321).target.item<std::int64_t>(), 1);
  // Recognised by content, not by name.
  const auto renamed = dir.write("table.data", gzip_stored("1,2\n"));
  EXPECT_EQ(tg::data::load_csv_tensor(renamed).to_vector<float>(), (std::vector<float>{1, 2}));
}

TEST(CsvTest, CorruptGzipIsAnError) {
  TempDir dir;
  std::string gz = gzip_stored("1,2,3\n4,5,6\n");
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 8] ^= 0x5a;
  expect_error([&] { tg::data::load_csv(dir.write("crc.csv.gz", bad_crc)); },
               {"load_csv", "crc.csv.gz", "not valid gzip data (CRC-32 check failed)"});
  std::string bad_block = gz;
  bad_block[10] = '\x07';  // reserved deflate block type
  expect_error([&] { tg::data::load_csv(dir.write("block.csv.gz", bad_block)); },
               {"load_csv", "block.csv.gz", "not valid gzip data (corrupt deflate data)"});
  expect_error([&] { tg::data::load_csv(dir.write("cut.csv.gz", gz.substr(0, gz.size() - 12))); },
               {"load_csv", "cut.csv.gz", "not valid gzip data (the compressed data ends early)"});
  expect_error([&] { tg::data::load_csv(dir.write("trailer.csv.gz", gz.substr(0, gz.size() - 3))); },
               {"load_csv", "trailer.csv.gz", "not valid gzip data (bad or missing gzip trailer)"});
}

TEST(CsvTest, MalformedRowsNameFileLineAndColumn) {
  TempDir dir;
  const auto not_number = dir.write("a.csv", "1,2,3\n4,x5,6\n");
  expect_error([&] { tg::data::load_csv(not_number); },
               {"load_csv: ", "a.csv:2:3: ", "field 2 is not a number: \"x5\""});
  const auto padded = dir.write("b.csv", "h1,h2\n1,2\n3,  4.5.6\n");
  expect_error([&] { tg::data::load_csv_tensor(padded, tg::data::CsvOptions().header(true)); },
               {"load_csv_tensor: ", "b.csv:3:5: ", "\"4.5.6\""});
  const auto too_few = dir.write("c.csv", "1,2,3\n4,5,6\n7,8\n");
  expect_error([&] { tg::data::load_csv(too_few); },
               {"c.csv:3:4: ", "row has 2 fields, expected 3 (as in line 1)"});
  const auto too_many = dir.write("d.csv", "\n1,2\n3,4,5\n");
  expect_error([&] { tg::data::load_csv(too_many); },
               {"d.csv:3:5: ", "row has 3 fields, expected 2 (as in line 2)"});
  const auto empty_field = dir.write("e.csv", "1,,3\n");
  expect_error([&] { tg::data::load_csv(empty_field); }, {"e.csv:1:3: ", "field 2 is empty"});
  const auto bad_label = dir.write("f.csv", "1,2,3.5\n");
  expect_error([&] { tg::data::load_csv(bad_label); },
               {"f.csv:1:5: ", "label (field 3) is not an integer: \"3.5\""});
  const auto label_range = dir.write("g.csv", "1,2,3\n");
  expect_error([&] { tg::data::load_csv(label_range, tg::data::CsvOptions().label_column(3)); },
               {"g.csv", "label_column 3 is out of range for rows of 3 fields"});
  const auto one_column = dir.write("h.csv", "1\n2\n");
  expect_error([&] { tg::data::load_csv(one_column); }, {"h.csv:1:1: ", "at least one feature column"});
  const auto header_only = dir.write("i.csv", "a,b\n");
  expect_error([&] { tg::data::load_csv(header_only, tg::data::CsvOptions().header(true)); },
               {"i.csv", "no data rows after the header"});
  expect_error([&] { tg::data::load_csv(dir.write("j.csv", "")); }, {"j.csv", "no data rows"});
}

TEST(CsvTest, MissingFileIsAnError) {
  TempDir dir;
  expect_error([] { tg::data::load_csv("/nonexistent/tapegrad/table.csv"); },
               {"load_csv", "/nonexistent/tapegrad/table.csv", "no such file"});
  expect_error([] { tg::data::load_csv(std::filesystem::temp_directory_path()); }, {"load_csv", "directory"});
}

// ================================================================ MNIST IDX

// 3 images of 2 x 3 pixels: pixel j of image i is 40 * i + j (and one 255).
std::vector<std::uint8_t> tiny_pixels() {
  std::vector<std::uint8_t> pixels;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 6; ++j) pixels.push_back(static_cast<std::uint8_t>(40 * i + j));
  pixels.back() = 255;
  return pixels;
}

TEST(MnistTest, RoundTripsATinyIdxPair) {
  TempDir dir;
  const auto images = dir.write("images-idx3-ubyte", idx_images(tiny_pixels(), 3, 2, 3));
  const auto labels = dir.write("labels-idx1-ubyte", idx_labels({7, 0, 9}));

  const TensorDataset flat = tg::data::load_mnist_idx(images, labels);
  EXPECT_EQ(flat.inputs().sizes(), tg::Shape({3, 6}));
  EXPECT_EQ(flat.inputs().dtype(), tg::kFloat32);
  EXPECT_EQ(flat.targets().dtype(), tg::kInt64);
  EXPECT_EQ(flat.targets().to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 0, 9}));
  const auto values = flat.inputs().to_vector<float>();
  const auto pixels = tiny_pixels();
  for (std::size_t i = 0; i < pixels.size(); ++i) EXPECT_FLOAT_EQ(values[i], pixels[i] / 255.0f) << i;
  EXPECT_EQ(values.back(), 1.0f);
  EXPECT_EQ(values.front(), 0.0f);

  const TensorDataset nchw = tg::data::load_mnist_idx(images, labels, tg::data::ImageLayout::kChannels);
  EXPECT_EQ(nchw.inputs().sizes(), tg::Shape({3, 1, 2, 3}));
  EXPECT_EQ(nchw.inputs().to_vector<float>(), values);

  EXPECT_EQ(tg::data::load_idx_images(images).sizes(), tg::Shape({3, 2, 3}));
  EXPECT_EQ(tg::data::load_idx_labels(labels).sizes(), tg::Shape({3}));
}

TEST(MnistTest, ReadsGzipCompressedFiles) {
  TempDir dir;
  const auto images = dir.write("images.gz", gzip_stored(idx_images(tiny_pixels(), 3, 2, 3)));
  const auto labels = dir.write("labels.gz", gzip_stored(idx_labels({1, 2, 3})));
  const TensorDataset dataset = tg::data::load_mnist_idx(images, labels);
  EXPECT_EQ(dataset.size(), 3);
  EXPECT_FLOAT_EQ(dataset.get(1).data.to_vector<float>()[2], 42 / 255.0f);
}

TEST(MnistTest, BadMagicNumbersAreErrors) {
  TempDir dir;
  const auto images = dir.write("images", idx_images(tiny_pixels(), 3, 2, 3));
  const auto labels = dir.write("labels", idx_labels({7, 0, 9}));
  expect_error([&] { tg::data::load_mnist_idx(labels, images); },
               {"load_idx_images", "bad magic number 0x00000801", "labels file", "expected 0x00000803"});
  std::string other = idx_labels({7, 0, 9});
  other[2] = '\x0d';  // float data
  expect_error([&] { tg::data::load_idx_labels(dir.write("float-labels", other)); },
               {"load_idx_labels", "float-labels", "bad magic number 0x00000d01", "expected 0x00000801"});
  expect_error([&] { tg::data::load_idx_images(dir.write("csv", "1,2,3\n4,5,6\n7,8,9\n")); },
               {"load_idx_images", "bad magic number"});
}

TEST(MnistTest, TruncatedFilesAreErrors) {
  TempDir dir;
  const std::string images = idx_images(tiny_pixels(), 3, 2, 3);
  expect_error([&] { tg::data::load_idx_images(dir.write("empty", "")); },
               {"load_idx_images", "empty is truncated", "4-byte IDX magic"});
  expect_error([&] { tg::data::load_idx_images(dir.write("header", images.substr(0, 10))); },
               {"header is truncated", "10 bytes", "16-byte header"});
  expect_error([&] { tg::data::load_idx_images(dir.write("data", images.substr(0, images.size() - 1))); },
               {"data is truncated", "3 x 2 x 3 bytes of data", "only 17 follow"});
  expect_error(
      [&] {
        tg::data::load_idx_labels(dir.write("labels", idx_labels({1, 2, 3}).substr(0, 9)));
      },
      {"load_idx_labels", "labels is truncated", "3 bytes of data", "only 1 follow"});
  // A header that promises 2^32-1 images of 2^32-1 x 2^32-1 pixels must not overflow or read past the end.
  std::string huge;
  put_be32(huge, 0x00000803);
  for (int i = 0; i < 3; ++i) put_be32(huge, 0xffffffffu);
  expect_error([&] { tg::data::load_idx_images(dir.write("huge", huge + "abc")); },
               {"huge is truncated", "4294967295 x 4294967295 x 4294967295", "only 3 follow"});
  expect_error([&] { tg::data::load_idx_images(dir.write("long", images + "x")); },
               {"long has 1 unexpected bytes"});
  expect_error([&] { tg::data::load_idx_images(dir.write("cut.gz", gzip_stored(images).substr(0, 30))); },
               {"load_idx_images", "cut.gz", "not valid gzip data"});
}

TEST(MnistTest, CountMismatchAndMissingFilesAreErrors) {
  TempDir dir;
  const auto images = dir.write("images", idx_images(tiny_pixels(), 3, 2, 3));
  const auto labels = dir.write("labels", idx_labels({7, 0}));
  expect_error([&] { tg::data::load_mnist_idx(images, labels); },
               {"load_mnist_idx", "has 3 images but", "has 2 labels"});
  expect_error([&] { tg::data::load_mnist_idx(images, "/nonexistent/t10k-labels-idx1-ubyte"); },
               {"load_idx_labels", "/nonexistent/t10k-labels-idx1-ubyte", "no such file"});
}

// ================================================================ digits (scikit-learn's digits.csv.gz)

TEST(DigitsTest, LoadsTheBundledDataset) {
  ASSERT_TRUE(std::filesystem::exists(tg::data::default_digits_path())) << tg::data::default_digits_path();
  const TensorDataset digits = tg::data::load_digits();
  EXPECT_EQ(digits.size(), 1797);
  EXPECT_EQ(digits.inputs().sizes(), tg::Shape({1797, 64}));
  EXPECT_EQ(digits.inputs().dtype(), tg::kFloat32);
  EXPECT_EQ(digits.targets().sizes(), tg::Shape({1797}));
  EXPECT_EQ(digits.targets().dtype(), tg::kInt64);

  const auto pixels = digits.inputs().to_vector<float>();
  const auto [low, high] = std::minmax_element(pixels.begin(), pixels.end());
  EXPECT_EQ(*low, 0.0f);
  EXPECT_EQ(*high, 1.0f);
  for (float value : pixels) EXPECT_EQ(value * 16, std::round(value * 16)) << "pixels are k / 16";
  // The first row of the file: 0,0,5,13,9,1,0,0,... with label 0.
  const auto first = digits.get(0).data.to_vector<float>();
  EXPECT_EQ(std::vector<float>(first.begin(), first.begin() + 8),
            (std::vector<float>{0, 0, 5 / 16.f, 13 / 16.f, 9 / 16.f, 1 / 16.f, 0, 0}));
  EXPECT_EQ(digits.get(0).target.item<std::int64_t>(), 0);
  EXPECT_EQ(digits.get(1796).target.item<std::int64_t>(), 8);
}

TEST(DigitsTest, HasTenClassesWithScikitLearnsCounts) {
  const TensorDataset digits = tg::data::load_digits(tg::data::default_digits_path());
  std::map<std::int64_t, int> counts;
  for (std::int64_t label : digits.targets().to_vector<std::int64_t>()) ++counts[label];
  const std::map<std::int64_t, int> expected = {{0, 178}, {1, 182}, {2, 177}, {3, 183}, {4, 181},
                                                {5, 182}, {6, 181}, {7, 179}, {8, 174}, {9, 180}};
  EXPECT_EQ(counts, expected);
}

TEST(DigitsTest, SeededTrainTestSplitIs1437By360AndDeterministic) {
  const TensorDataset digits = tg::data::load_digits();
  const auto split = tg::data::train_test_split(digits, 0.2, 0);
  EXPECT_EQ(split.train.size(), 1437);
  EXPECT_EQ(split.test.size(), 360);  // ceil(0.2 * 1797) = ceil(359.4)
  EXPECT_EQ(split.train.inputs().sizes(), tg::Shape({1437, 64}));
  EXPECT_EQ(split.test.targets().sizes(), tg::Shape({360}));
  const auto test_labels = split.test.targets().to_vector<std::int64_t>();
  EXPECT_EQ(std::vector<std::int64_t>(test_labels.begin(), test_labels.begin() + 10),
            (std::vector<std::int64_t>{9, 4, 9, 8, 5, 6, 7, 9, 4,
                                       2}));  // pinned: seed 0 gives this split everywhere

  const auto again = tg::data::train_test_split(digits, 0.2, 0);
  EXPECT_EQ(again.train.targets().to_vector<std::int64_t>(), split.train.targets().to_vector<std::int64_t>());
  EXPECT_EQ(again.test.inputs().to_vector<float>(), split.test.inputs().to_vector<float>());
  const auto other = tg::data::train_test_split(digits, 0.2, 1);
  EXPECT_NE(other.test.inputs().to_vector<float>(), split.test.inputs().to_vector<float>());

  // Together the parts hold every example once: compare the multisets of (label, pixel sum).
  auto signature = [](const TensorDataset& part, std::multiset<std::pair<std::int64_t, float>>& out) {
    const Tensor sums = part.inputs().sum({1});
    const auto labels = part.targets().to_vector<std::int64_t>();
    const auto totals = sums.to_vector<float>();
    for (std::size_t i = 0; i < labels.size(); ++i) out.insert({labels[i], totals[i]});
  };
  std::multiset<std::pair<std::int64_t, float>> whole, parts;
  signature(digits, whole);
  signature(split.train, parts);
  signature(split.test, parts);
  EXPECT_EQ(parts, whole);
  // Every class shows up in the test part.
  EXPECT_EQ(std::set<std::int64_t>(test_labels.begin(), test_labels.end()).size(), 10u);
}

TEST(DigitsTest, LoaderBatchesTheTrainingSet) {
  const auto split = tg::data::train_test_split(tg::data::load_digits(), 0.2, 0);
  DataLoader loader(split.train, DataLoaderOptions().batch_size(64).shuffle(true).seed(0));
  EXPECT_EQ(loader.size(), 23);  // ceil(1437 / 64); the last batch has 29
  std::int64_t examples = 0, batches = 0;
  for (const Example& batch : loader) {
    EXPECT_EQ(batch.data.size(1), 64);
    examples += batch.data.size(0);
    ++batches;
  }
  EXPECT_EQ(examples, 1437);
  EXPECT_EQ(batches, 23);
}

TEST(DigitsTest, MissingFileIsAnError) {
  expect_error([] { tg::data::load_digits("/nonexistent/digits.csv.gz"); },
               {"load_csv", "/nonexistent/digits.csv.gz", "no such file"});
  TempDir dir;
  expect_error([&] { tg::data::load_digits(dir.write("small.csv", "1,2,3\n")); },
               {"load_digits", "expected 64 pixel columns"});
}

}  // namespace
