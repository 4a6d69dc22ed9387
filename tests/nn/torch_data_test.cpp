// libtorch's torch::data API, written the way libtorch programs write it (everything below
// `namespace torch = tg;` uses torch:: spellings): custom datasets, map(transforms), samplers,
// make_data_loader with and without worker threads, and datasets::MNIST.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/data_files.hpp"

namespace torch = tg;

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using tg::testing::TempDir;

// Example i: data [2] = (i, 10 * i) float32, target i (int64 scalar), so every value tells where it came
// from.
class NumberedDataset : public torch::data::datasets::Dataset<NumberedDataset> {
 public:
  explicit NumberedDataset(size_t size) : size_(size) {}

  torch::data::Example<> get(size_t index) override {
    const auto i = static_cast<double>(index);
    return {torch::tensor({i, 10 * i}, torch::kFloat32), torch::tensor(static_cast<int64_t>(index))};
  }
  torch::optional<size_t> size() const override { return size_; }

 private:
  size_t size_;
};

std::vector<int64_t> targets_of(const torch::data::Example<>& batch) {
  return batch.target.to_vector<int64_t>();
}

std::vector<std::vector<int64_t>> all_targets(const std::vector<std::vector<size_t>>& batches) {
  std::vector<std::vector<int64_t>> out;
  for (const auto& batch : batches) out.emplace_back(batch.begin(), batch.end());
  return out;
}

template <typename Sampler>
std::vector<std::vector<size_t>> drain(Sampler& sampler, size_t batch_size) {
  std::vector<std::vector<size_t>> batches;
  while (auto batch = sampler.next(batch_size)) batches.push_back(*batch);
  return batches;
}

std::vector<size_t> flat(const std::vector<std::vector<size_t>>& batches) {
  std::vector<size_t> out;
  for (const auto& batch : batches) out.insert(out.end(), batch.begin(), batch.end());
  return out;
}

std::vector<size_t> iota(size_t n) {
  std::vector<size_t> out(n);
  std::iota(out.begin(), out.end(), size_t{0});
  return out;
}

// ---- datasets, map and transforms

TEST(TorchData, CustomDatasetMappedWithStackYieldsStackedBatchesInSamplerOrder) {
  auto dataset = NumberedDataset(10).map(torch::data::transforms::Stack<>());
  EXPECT_EQ(dataset.size().value(), 10u);
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(4));
  static_assert(std::is_same_v<decltype(*loader->begin()), torch::data::Example<>&>);

  std::vector<std::vector<int64_t>> targets;
  for (auto& batch : *loader) {
    EXPECT_EQ(batch.data.sizes(), torch::IntArrayRef({static_cast<int64_t>(batch.target.size(0)), 2}));
    EXPECT_EQ(batch.data.scalar_type(), torch::kFloat32);
    EXPECT_EQ(batch.target.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(batch.data.select(1, 1), batch.target.to(torch::kFloat32) * 10));
    targets.push_back(targets_of(batch));
  }
  EXPECT_THAT(targets, ElementsAre(ElementsAre(0, 1, 2, 3), ElementsAre(4, 5, 6, 7), ElementsAre(8, 9)));
}

TEST(TorchData, WithoutStackBatchesAreVectorsOfExamples) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      NumberedDataset(5), torch::data::DataLoaderOptions(2).drop_last(true));
  static_assert(std::is_same_v<decltype(*loader->begin()), std::vector<torch::data::Example<>>&>);
  std::vector<size_t> sizes;
  std::vector<int64_t> targets;
  for (std::vector<torch::data::Example<>>& batch : *loader) {
    sizes.push_back(batch.size());
    for (const auto& example : batch) targets.push_back(example.target.item<int64_t>());
  }
  EXPECT_THAT(sizes, ElementsAre(2, 2));  // drop_last drops the fifth example's batch of 1
  EXPECT_THAT(targets, ElementsAre(0, 1, 2, 3));
}

TEST(TorchData, TensorDatasetHasNoTargetsAndStacksToOneTensor) {
  torch::data::datasets::TensorDataset rows(torch::arange(12, torch::kFloat32).view({6, 2}));
  EXPECT_EQ(rows.size().value(), 6u);
  torch::data::TensorExample third = rows.get(2);
  const torch::Tensor& as_tensor = third;  // Example<Tensor, NoTarget> converts to its data
  EXPECT_THAT(as_tensor.to_vector<float>(), ElementsAre(4.f, 5.f));

  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(rows).map(torch::data::transforms::Stack<torch::data::TensorExample>()), 4);
  std::vector<int64_t> batch_sizes;
  for (torch::data::TensorExample& batch : *loader) {
    EXPECT_EQ(batch.data.size(1), 2);
    batch_sizes.push_back(batch.data.size(0));
  }
  EXPECT_THAT(batch_sizes, ElementsAre(4, 2));

  torch::data::datasets::TensorDataset stacked(
      std::vector<torch::Tensor>{torch::ones({3}), torch::zeros({3})});
  EXPECT_EQ(stacked.tensor.sizes(), torch::IntArrayRef({2, 3}));
}

TEST(TorchData, LambdaTransformsApplyPerExampleAndPerBatch) {
  using torch::data::Example;
  auto doubled =
      NumberedDataset(3)
          .map(torch::data::transforms::Lambda<Example<>>([](Example<> example) {
            example.target = example.target + 100;
            return example;
          }))
          .map(torch::data::transforms::TensorLambda<>([](torch::Tensor data) { return data * 2; }))
          .map(torch::data::transforms::Stack<>())
          .map(torch::data::transforms::BatchLambda<Example<>, torch::Tensor>(
              [](Example<> batch) { return batch.data.sum(1) + batch.target; }));
  const torch::Tensor out = doubled.get_batch(std::vector<size_t>{2, 0});
  // example i: data 2 * (i, 10 i), target 100 + i -> 22 i + 100 + i
  EXPECT_THAT(out.to_vector<float>(), ElementsAre(146.f, 100.f));

  auto collated = NumberedDataset(4).map(torch::data::transforms::Collate<Example<>>(
      [](std::vector<Example<>> examples) { return examples.back(); }));
  EXPECT_EQ(collated.get_batch(std::vector<size_t>{1, 3}).target.item<int64_t>(), 3);
}

TEST(TorchData, NormalizeTakesOneValueOrOnePerChannel) {
  torch::Tensor image = torch::arange(12, torch::kFloat32).view({3, 2, 2});
  torch::data::transforms::Normalize<> scalar(0.5, 2.0);
  EXPECT_EQ(scalar.mean.sizes(), torch::IntArrayRef({1, 1, 1}));
  EXPECT_TRUE(torch::allclose(scalar(image), (image - 0.5) / 2.0));

  torch::data::transforms::Normalize<> per_channel({1.0, 2.0, 3.0}, {1.0, 0.5, 0.25});
  EXPECT_EQ(per_channel.stddev.sizes(), torch::IntArrayRef({3, 1, 1}));
  const torch::Tensor expected =
      torch::tensor({{{-1.f, 0.f}, {1.f, 2.f}}, {{4.f, 6.f}, {8.f, 10.f}}, {{20.f, 24.f}, {28.f, 32.f}}});
  EXPECT_TRUE(torch::allclose(per_channel(image), expected));
  EXPECT_EQ(per_channel(image).scalar_type(), torch::kFloat32);

  // as a dataset transform it changes the data and keeps the target
  auto normalized = NumberedDataset(2).map(torch::data::transforms::Normalize<>(1.0, 2.0));
  const auto examples = normalized.get_batch(std::vector<size_t>{1});
  EXPECT_THAT(examples[0].data.view({-1}).to_vector<float>(), ElementsAre(0.f, 4.5f));
  EXPECT_EQ(examples[0].target.item<int64_t>(), 1);
}

// ---- samplers

TEST(TorchDataSamplers, SequentialSamplerCountsUpAndResets) {
  torch::data::samplers::SequentialSampler sampler(7);
  EXPECT_EQ(all_targets(drain(sampler, 3)), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  EXPECT_EQ(sampler.index(), 7u);
  EXPECT_FALSE(sampler.next(3).has_value());
  sampler.reset();
  EXPECT_EQ(flat(drain(sampler, 10)), iota(7));
  sampler.reset(3);
  EXPECT_EQ(flat(drain(sampler, 2)), iota(3));
}

TEST(TorchDataSamplers, RandomSamplerIsAPermutationDrawnFromTheGlobalGenerator) {
  torch::manual_seed(42);
  torch::data::samplers::RandomSampler sampler(10);
  const std::vector<size_t> first = flat(drain(sampler, 3));
  EXPECT_EQ(sampler.index(), 10u);
  std::vector<size_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(10));
  EXPECT_NE(first, iota(10));

  torch::manual_seed(42);
  const auto expected = torch::randperm(10).to_vector<int64_t>();
  EXPECT_EQ(std::vector<size_t>(expected.begin(), expected.end()), first);

  // reset() draws the next permutation from the same generator
  torch::manual_seed(42);
  torch::data::samplers::RandomSampler again(10);
  again.reset();
  torch::manual_seed(42);
  (void)torch::randperm(10);
  const auto second = torch::randperm(10).to_vector<int64_t>();
  EXPECT_EQ(flat(drain(again, 4)), std::vector<size_t>(second.begin(), second.end()));

  again.reset(4);
  EXPECT_EQ(flat(drain(again, 4)).size(), 4u);
}

TEST(TorchDataSamplers, DistributedSequentialSamplerGivesEachRankItsSlice) {
  // 10 examples, 3 replicas: with duplicates each rank gets ceil(10 / 3) = 4, the last wrapping to the start
  std::vector<std::vector<size_t>> with_duplicates;
  for (size_t rank = 0; rank < 3; ++rank) {
    torch::data::samplers::DistributedSequentialSampler sampler(10, 3, rank);
    with_duplicates.push_back(flat(drain(sampler, 3)));
  }
  EXPECT_EQ(with_duplicates, (std::vector<std::vector<size_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 0, 1}}));

  std::vector<std::vector<size_t>> without;
  for (size_t rank = 0; rank < 3; ++rank) {
    torch::data::samplers::DistributedSequentialSampler sampler(10, 3, rank, /*allow_duplicates=*/false);
    without.push_back(flat(drain(sampler, 2)));
  }
  EXPECT_EQ(without, (std::vector<std::vector<size_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}}));

  torch::data::samplers::DistributedSequentialSampler single(5);
  EXPECT_EQ(flat(drain(single, 2)), iota(5));
  single.reset();
  EXPECT_EQ(flat(drain(single, 5)), iota(5));
}

TEST(TorchDataSamplers, DistributedRandomSamplerPartitionsOneEpochSeededPermutation) {
  const auto parts = [](size_t epoch, bool allow_duplicates) {
    std::vector<std::vector<size_t>> out;
    for (size_t rank = 0; rank < 3; ++rank) {
      torch::data::samplers::DistributedRandomSampler sampler(10, 3, rank, allow_duplicates);
      sampler.set_epoch(epoch);
      sampler.reset();
      out.push_back(flat(drain(sampler, 3)));
    }
    return out;
  };
  torch::manual_seed(1);
  const auto epoch0 = parts(0, true);
  torch::manual_seed(2);  // the global generator plays no part
  EXPECT_EQ(parts(0, true), epoch0);
  std::multiset<size_t> all;
  for (const auto& part : epoch0) {
    EXPECT_EQ(part.size(), 4u);
    all.insert(part.begin(), part.end());
  }
  EXPECT_EQ(all.size(), 12u);
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 10u);  // every example, two of them twice
  EXPECT_NE(parts(1, true), epoch0);

  // without duplicates: 3 each, disjoint, from the first 9 examples (the remainder is left out)
  std::set<size_t> distinct;
  for (const auto& part : parts(0, false)) {
    EXPECT_EQ(part.size(), 3u);
    distinct.insert(part.begin(), part.end());
  }
  EXPECT_EQ(distinct, (std::set<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));

  torch::data::samplers::DistributedRandomSampler whole(6);
  std::vector<size_t> order = flat(drain(whole, 4));
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, iota(6));
  EXPECT_EQ(whole.epoch(), 0u);
}

TEST(TorchDataSamplers, DistributedSamplersRejectABadRank) {
  EXPECT_THROW(torch::data::samplers::DistributedSequentialSampler(10, 2, 2), torch::Error);
  EXPECT_THROW(torch::data::samplers::DistributedRandomSampler(10, 0, 0), torch::Error);
}

// A stream of numbers counting up from 0: get_batch(n) returns the next n.
class CountingStream : public torch::data::datasets::StreamDataset<CountingStream, std::vector<int64_t>> {
 public:
  std::vector<int64_t> get_batch(size_t batch_size) override {
    std::vector<int64_t> batch(batch_size);
    std::iota(batch.begin(), batch.end(), next_);
    next_ += static_cast<int64_t>(batch_size);
    return batch;
  }
  torch::optional<size_t> size() const override { return torch::nullopt; }

 private:
  int64_t next_ = 0;
};

TEST(TorchDataSamplers, StreamSamplerAsksForCountsUntilTheEpochSize) {
  torch::data::samplers::StreamSampler sampler(10);
  std::vector<size_t> sizes;
  while (auto request = sampler.next(4)) sizes.push_back(*request);
  EXPECT_THAT(sizes, ElementsAre(4, 4, 2));

  auto loader =
      torch::data::make_data_loader(CountingStream(), torch::data::samplers::StreamSampler(10), {4});
  std::vector<std::vector<int64_t>> batches;
  for (auto& batch : *loader) batches.push_back(batch);
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
}

// A map-style dataset that does not know its size.
class UnsizedDataset : public torch::data::datasets::Dataset<UnsizedDataset> {
 public:
  torch::data::Example<> get(size_t) override { return {torch::zeros({1}), torch::zeros({1})}; }
  torch::optional<size_t> size() const override { return torch::nullopt; }
};

TEST(TorchDataLoader, TheDefaultSamplerNeedsASizedDataset) {
  EXPECT_THAT([] { (void)torch::data::make_data_loader(UnsizedDataset(), 4); },
              ::testing::ThrowsMessage<torch::Error>(HasSubstr("Expected the dataset to be sized")));
}

// ---- make_data_loader

std::vector<std::vector<int64_t>> epoch(
    torch::data::StatelessDataLoader<
        torch::data::datasets::MapDataset<NumberedDataset, torch::data::transforms::Stack<>>,
        torch::data::samplers::RandomSampler>& loader) {
  std::vector<std::vector<int64_t>> targets;
  for (auto& batch : loader) targets.push_back(targets_of(batch));
  return targets;
}

TEST(TorchDataLoader, DefaultSamplerIsRandomAndSeededByManualSeed) {
  torch::manual_seed(3);
  auto loader = torch::data::make_data_loader(NumberedDataset(10).map(torch::data::transforms::Stack<>()),
                                              torch::data::DataLoaderOptions().batch_size(4));
  static_assert(
      std::is_same_v<decltype(loader),
                     std::unique_ptr<torch::data::StatelessDataLoader<
                         torch::data::datasets::MapDataset<NumberedDataset, torch::data::transforms::Stack<>>,
                         torch::data::samplers::RandomSampler>>>);
  const auto first = epoch(*loader);
  const auto second = epoch(*loader);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].size(), 2u);

  // the sampler draws one permutation when built and one more at every begin()
  torch::manual_seed(3);
  torch::data::samplers::RandomSampler sampler(10);
  sampler.reset();
  EXPECT_EQ(first, all_targets(drain(sampler, 4)));
  sampler.reset();
  EXPECT_EQ(second, all_targets(drain(sampler, 4)));
  EXPECT_NE(first, second);

  EXPECT_EQ(loader->options().batch_size, 4u);
  EXPECT_EQ(loader->options().workers, 0u);
  EXPECT_EQ(loader->options().max_jobs, 0u);
  EXPECT_TRUE(loader->options().enforce_ordering);
}

TEST(TorchDataLoader, IteratorsCompareAndAdvanceLikeInputIterators) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      NumberedDataset(3).map(torch::data::transforms::Stack<>()), 2);
  auto it = loader->begin();
  EXPECT_NE(it, loader->end());
  EXPECT_THAT(it->target.to_vector<int64_t>(), ElementsAre(0, 1));
  ++it;
  EXPECT_THAT((*it).target.to_vector<int64_t>(), ElementsAre(2));
  ++it;
  EXPECT_EQ(it, loader->end());
  EXPECT_THAT([&] { (void)*it; }, ::testing::ThrowsMessage<torch::Error>(HasSubstr("past the end")));
}

// Numbers as NumberedDataset, but slow for some indices so that workers finish out of order; counts the
// get() calls across all worker copies.
class SlowDataset : public torch::data::datasets::Dataset<SlowDataset> {
 public:
  explicit SlowDataset(size_t size, int64_t throw_at = -1)
      : size_(size), throw_at_(throw_at), calls_(std::make_shared<std::atomic<int>>(0)) {}

  torch::data::Example<> get(size_t index) override {
    ++*calls_;
    if (static_cast<int64_t>(index) == throw_at_)
      throw std::runtime_error("no example " + std::to_string(index));
    if (index % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto i = static_cast<double>(index);
    return {torch::tensor({i, 10 * i}, torch::kFloat32), torch::tensor(static_cast<int64_t>(index))};
  }
  torch::optional<size_t> size() const override { return size_; }
  int calls() const { return *calls_; }

 private:
  size_t size_;
  int64_t throw_at_;
  std::shared_ptr<std::atomic<int>> calls_;
};

std::vector<torch::Tensor> two_epochs(size_t workers, bool drop_last) {
  torch::manual_seed(11);
  auto loader = torch::data::make_data_loader(
      SlowDataset(23).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(4).workers(workers).drop_last(drop_last));
  std::vector<torch::Tensor> batches;
  for (int e = 0; e < 2; ++e)
    for (auto& batch : *loader)
      batches.push_back(torch::cat({batch.data.view({-1}), batch.target.to(torch::kFloat32)}));
  return batches;
}

TEST(TorchDataLoader, WorkersYieldTheSameBatchesAsTheMainThread) {
  for (const bool drop_last : {false, true}) {
    const std::vector<torch::Tensor> reference = two_epochs(0, drop_last);
    ASSERT_EQ(reference.size(), drop_last ? 10u : 12u);
    for (const size_t workers : {1u, 3u}) {
      const std::vector<torch::Tensor> threaded = two_epochs(workers, drop_last);
      ASSERT_EQ(threaded.size(), reference.size()) << workers << " workers";
      for (size_t b = 0; b < reference.size(); ++b)
        EXPECT_TRUE(torch::equal(threaded[b], reference[b])) << workers << " workers, batch " << b;
    }
  }
}

TEST(TorchDataLoader, WorkersLoadAtMostMaxJobsAhead) {
  SlowDataset dataset(40);
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      dataset.map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(2).workers(2));
  EXPECT_EQ(loader->options().max_jobs, 4u);
  auto it = loader->begin();
  EXPECT_THAT(it->target.to_vector<int64_t>(), ElementsAre(0, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // 4 batches requested at begin(), one more after the first was taken: 5 batches of 2
  EXPECT_LE(dataset.calls(), 10);
  EXPECT_GE(dataset.calls(), 2);
}

TEST(TorchDataLoader, ANewEpochMayStartBeforeTheLastOneEnded) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      SlowDataset(20).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(3).workers(2));
  for (auto& batch : *loader) {
    EXPECT_THAT(targets_of(batch), ElementsAre(0, 1, 2));
    break;
  }
  std::vector<int64_t> targets;
  for (auto& batch : *loader) {
    const auto part = targets_of(batch);
    targets.insert(targets.end(), part.begin(), part.end());
  }
  std::vector<int64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(targets, expected);
  loader->join();
  EXPECT_THROW(loader->begin(), torch::Error);
}

TEST(TorchDataLoader, AWorkersExceptionIsRethrownInTheConsumer) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      SlowDataset(12, /*throw_at=*/7).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(2).workers(2));
  std::vector<int64_t> seen;
  try {
    for (auto& batch : *loader) {
      const auto part = targets_of(batch);
      seen.insert(seen.end(), part.begin(), part.end());
    }
    ADD_FAILURE() << "expected a WorkerException";
  } catch (const torch::data::WorkerException& error) {
    EXPECT_THAT(error.what(), HasSubstr("Caught exception in DataLoader worker thread. Original message: "
                                        "no example 7"));
    EXPECT_THROW(std::rethrow_exception(error.original_exception), std::runtime_error);
  }
  EXPECT_THAT(seen, ElementsAre(0, 1, 2, 3, 4, 5));  // the batches before the failing one, in order

  // without workers the dataset's own exception reaches the caller
  auto inline_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      SlowDataset(12, 1), torch::data::DataLoaderOptions().batch_size(2));
  EXPECT_THROW(
      {
        for (auto& batch : *inline_loader) (void)batch;
      },
      std::runtime_error);
}

TEST(TorchDataLoader, WithoutEnforcedOrderingEveryBatchStillArrivesOnce) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      SlowDataset(30).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(2).workers(3).enforce_ordering(false));
  std::vector<int64_t> targets;
  for (auto& batch : *loader) {
    const auto part = targets_of(batch);
    targets.insert(targets.end(), part.begin(), part.end());
  }
  std::sort(targets.begin(), targets.end());
  std::vector<int64_t> expected(30);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(targets, expected);
}

// Takes `delay` for every example.
class SleepyDataset : public torch::data::datasets::Dataset<SleepyDataset> {
 public:
  explicit SleepyDataset(std::chrono::milliseconds delay) : delay_(delay) {}
  torch::data::Example<> get(size_t) override {
    std::this_thread::sleep_for(delay_);
    return {torch::zeros({1}), torch::zeros({1})};
  }
  torch::optional<size_t> size() const override { return 4; }

 private:
  std::chrono::milliseconds delay_;
};

TEST(TorchDataLoader, TimeoutBoundsTheWaitForAWorkersBatch) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      SleepyDataset(std::chrono::milliseconds(300)),
      torch::data::DataLoaderOptions().batch_size(1).workers(1).max_jobs(1).timeout(
          std::chrono::milliseconds(5)));
  EXPECT_THAT(
      [&] { (void)loader->begin()->size(); },
      ::testing::ThrowsMessage<torch::Error>(HasSubstr("Timeout in DataLoader queue while waiting for next "
                                                       "batch (timeout was 5 ms)")));
}

TEST(TorchDataLoader, RejectsAZeroBatchSize) {
  EXPECT_THAT(
      [] { (void)torch::data::make_data_loader(NumberedDataset(3), torch::data::DataLoaderOptions(0)); },
      ::testing::ThrowsMessage<torch::Error>(HasSubstr("batch_size must be positive")));
}

// ---- datasets::MNIST

// `count` 28x28 images whose pixel (r, c) of image i is (i + r + c) % 256, labels (3 i) % 10.
void write_mnist(const TempDir& dir, const std::string& prefix, uint32_t count, bool gzipped) {
  std::vector<uint8_t> pixels, labels;
  for (uint32_t i = 0; i < count; ++i) {
    for (uint32_t r = 0; r < 28; ++r)
      for (uint32_t c = 0; c < 28; ++c) pixels.push_back(static_cast<uint8_t>((i + r + c) % 256));
    labels.push_back(static_cast<uint8_t>((3 * i) % 10));
  }
  std::string images = tg::testing::idx_images(pixels, count, 28, 28);
  std::string label_file = tg::testing::idx_labels(labels);
  const std::string suffix = gzipped ? ".gz" : "";
  if (gzipped) {
    images = tg::testing::gzip_stored(images);
    label_file = tg::testing::gzip_stored(label_file);
  }
  dir.write(prefix + "-images-idx3-ubyte" + suffix, images);
  dir.write(prefix + "-labels-idx1-ubyte" + suffix, label_file);
}

TEST(TorchDataMnist, ReadsPlainAndGzippedIdxFiles) {
  TempDir dir;
  write_mnist(dir, "train", 5, /*gzipped=*/false);
  write_mnist(dir, "t10k", 3, /*gzipped=*/true);

  torch::data::datasets::MNIST train(dir.path().string());
  EXPECT_TRUE(train.is_train());
  EXPECT_EQ(train.size().value(), 5u);
  EXPECT_EQ(train.images().sizes(), torch::IntArrayRef({5, 1, 28, 28}));
  EXPECT_EQ(train.images().scalar_type(), torch::kFloat32);
  EXPECT_EQ(train.targets().scalar_type(), torch::kInt64);
  EXPECT_THAT(train.targets().to_vector<int64_t>(), ElementsAre(0, 3, 6, 9, 2));
  const torch::data::Example<> fourth = train.get(4);
  EXPECT_EQ(fourth.data.sizes(), torch::IntArrayRef({1, 28, 28}));
  EXPECT_FLOAT_EQ(fourth.data.index({0, 2, 3}).item<float>(), 9.f / 255.f);
  EXPECT_EQ(fourth.target.item<int64_t>(), 2);

  torch::data::datasets::MNIST test(dir.path().string(), torch::data::datasets::MNIST::Mode::kTest);
  EXPECT_FALSE(test.is_train());
  EXPECT_EQ(test.size().value(), 3u);
  EXPECT_FLOAT_EQ(test.images().index({2, 0, 27, 27}).item<float>(), 56.f / 255.f);

  // the usual libtorch pipeline
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      torch::data::datasets::MNIST(dir.path().string())
          .map(torch::data::transforms::Normalize<>(0.1307, 0.3081))
          .map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions().batch_size(2).workers(1));
  std::vector<int64_t> targets;
  for (auto& batch : *loader) {
    EXPECT_EQ(batch.data.size(1), 1);
    const auto part = targets_of(batch);
    targets.insert(targets.end(), part.begin(), part.end());
  }
  EXPECT_THAT(targets, ElementsAre(0, 3, 6, 9, 2));
}

TEST(TorchDataMnist, MissingFilesAndBadMagicNumbersNameThePath) {
  TempDir dir;
  const std::string root = dir.path().string();
  EXPECT_THAT([&] { torch::data::datasets::MNIST mnist(root); },
              ::testing::ThrowsMessage<torch::Error>(
                  HasSubstr("Error opening images file at " + root + "/train-images-idx3-ubyte")));
  write_mnist(dir, "t10k", 2, false);
  dir.write("t10k-labels-idx1-ubyte", tg::testing::idx_images(std::vector<uint8_t>(4, 0), 1, 2, 2));
  EXPECT_THAT([&] { torch::data::datasets::MNIST mnist(root, torch::data::datasets::MNIST::Mode::kTest); },
              ::testing::ThrowsMessage<torch::Error>(::testing::AllOf(
                  HasSubstr(root + "/t10k-labels-idx1-ubyte"), HasSubstr("bad magic number 0x00000803"))));
  write_mnist(dir, "t10k", 2, false);
  torch::data::datasets::MNIST test(root, torch::data::datasets::MNIST::Mode::kTest);
  EXPECT_THROW(test.get(2), torch::Error);
}

TEST(TorchDataMnist, ReadsDebiansFashionMnist) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Debian's dataset-fashion-mnist package is not installed (" << root << ")";
  torch::data::datasets::MNIST test(root, torch::data::datasets::MNIST::Mode::kTest);
  EXPECT_EQ(test.size().value(), 10000u);
  EXPECT_EQ(test.images().sizes(), torch::IntArrayRef({10000, 1, 28, 28}));
  EXPECT_GE(test.images().min().item<float>(), 0.f);
  EXPECT_EQ(test.images().max().item<float>(), 1.f);
  EXPECT_EQ(test.targets().min().item<int64_t>(), 0);
  EXPECT_EQ(test.targets().max().item<int64_t>(), 9);
  EXPECT_THAT(test.targets().narrow(0, 0, 5).to_vector<int64_t>(), ElementsAre(9, 2, 1, 1, 6));
  // the first test image: its pixels sum to 33456 / 255
  EXPECT_NEAR(test.get(0).data.sum().item<double>(), 33456.0 / 255.0, 1e-3);
}

}  // namespace
