// tg::distributed and DistributedDataParallel, run by ctest under `mpirun -np 2` and `-np 3`
// (distributed.np2, distributed.np3). Every rank runs every test in the same order, so each test's
// collectives line up across ranks; the process group's timeout (30 s here) turns a test that breaks
// that into a failure instead of a hang.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

#include <tapegrad/distributed/distributed.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::HasSubstr;
using tg::distributed::ProcessGroupMPI;
using tg::nn::parallel::DDPOptions;
using tg::nn::parallel::DistributedDataParallel;
using tg::testing::error_message;

std::shared_ptr<ProcessGroupMPI> world;

int rank() { return world->getRank(); }
int size() { return world->getSize(); }

tg::Tensor f64(std::vector<double> values) { return tg::tensor(values, tg::kFloat64); }

// Every rank's copy of `t`, gathered (to compare replicas bit for bit).
std::vector<tg::Tensor> gather(const tg::Tensor& t) {
  std::vector<tg::Tensor> inputs{t.detach().contiguous()};
  std::vector<std::vector<tg::Tensor>> outputs(1);
  for (int r = 0; r < size(); ++r) outputs[0].push_back(tg::empty_like(inputs[0]));
  world->allgather(outputs, inputs)->wait();
  return outputs[0];
}

bool bitwise_equal(const tg::Tensor& a, const tg::Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) == 0;
}

// ---------------------------------------------------------------- process group

TEST(ProcessGroupMPI, RankAndSize) {
  EXPECT_EQ(world->getBackendName(), "mpi");
  EXPECT_GE(size(), 2);
  EXPECT_GE(rank(), 0);
  EXPECT_LT(rank(), size());
}

TEST(ProcessGroupMPI, AllreduceEachOpAndDtype) {
  const double r = rank();
  const double n = size();
  auto sum = f64({r, 1.0});
  auto average = tg::tensor({2.0 * r, 4.0}, tg::kFloat32);
  auto maximum = tg::tensor({std::int64_t(rank()), -std::int64_t(rank())}, tg::kInt64);
  auto minimum = maximum.clone();
  std::vector<tg::Tensor> a{sum}, b{average}, c{maximum}, d{minimum};
  auto w1 = world->allreduce(a);
  auto w2 = world->allreduce(b, {tg::distributed::ReduceOp::AVG});
  auto w3 = world->allreduce(c, {tg::distributed::ReduceOp::MAX});
  auto w4 = world->allreduce(d, {tg::distributed::ReduceOp::MIN});
  for (auto& w : {w1, w2, w3, w4}) EXPECT_TRUE(w->wait());
  EXPECT_TRUE(w1->isCompleted() && w1->isSuccess());
  EXPECT_EQ(sum.to_vector<double>(), (std::vector<double>{n * (n - 1) / 2, n}));
  EXPECT_EQ(average.to_vector<float>(), (std::vector<float>{float(n - 1), 4.0f}));
  EXPECT_EQ(maximum.to_vector<std::int64_t>(), (std::vector<std::int64_t>{size() - 1, 0}));
  EXPECT_EQ(minimum.to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, -(size() - 1)}));
}

TEST(ProcessGroupMPI, NonContiguousTensorsAreReducedInPlace) {
  auto base = tg::arange(6, tg::kFloat64).view({2, 3}) + rank();
  auto transposed = base.t();  // strided view: reduced through a contiguous copy, written back
  std::vector<tg::Tensor> tensors{transposed};
  world->allreduce(tensors)->wait();
  const double offset = size() * (size() - 1) / 2.0;
  std::vector<double> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(size() * i + offset);
  EXPECT_EQ(base.to_vector<double>(), expected);
}

TEST(ProcessGroupMPI, BroadcastFromTheLastRank) {
  auto t = f64({double(rank()), 7.0 * rank()});
  std::vector<tg::Tensor> tensors{t};
  tg::distributed::BroadcastOptions options;
  options.rootRank = size() - 1;
  world->broadcast(tensors, options)->wait();
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{double(size() - 1), 7.0 * (size() - 1)}));
}

TEST(ProcessGroupMPI, AllgatherReduceScatterReduceBarrier) {
  const auto gathered = gather(tg::full({2}, double(rank()), tg::kFloat64));
  ASSERT_EQ(gathered.size(), std::size_t(size()));
  for (int r = 0; r < size(); ++r)
    EXPECT_EQ(gathered[r].to_vector<double>(), (std::vector<double>{double(r), double(r)}));

  // reduce_scatter: rank r receives the sum over ranks of their input r, here (rank + 1) * (r + 1).
  std::vector<std::vector<tg::Tensor>> inputs(1);
  for (int r = 0; r < size(); ++r)
    inputs[0].push_back(tg::full({3}, double((rank() + 1) * (r + 1)), tg::kFloat64));
  std::vector<tg::Tensor> output{tg::zeros({3}, tg::kFloat64)};
  world->reduce_scatter(output, inputs)->wait();
  const double total = size() * (size() + 1) / 2.0 * (rank() + 1);
  EXPECT_EQ(output[0].to_vector<double>(), (std::vector<double>{total, total, total}));

  std::vector<tg::Tensor> reduced{f64({1.0})};
  world->reduce(reduced, {tg::distributed::ReduceOp::SUM, 0})->wait();
  EXPECT_EQ(reduced[0].item<double>(), rank() == 0 ? double(size()) : 1.0);
  EXPECT_TRUE(world->barrier()->wait());
}

TEST(ProcessGroupMPI, SubgroupOfTheFirstTwoRanks) {
  auto pair =
      ProcessGroupMPI::createProcessGroupMPI({0, 1});  // collective over the world: every rank calls it
  if (rank() >= 2) {
    EXPECT_EQ(pair, nullptr);
    return;
  }
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->getSize(), 2);
  EXPECT_EQ(pair->getRank(), rank());
  std::vector<tg::Tensor> t{f64({double(rank() + 1)})};
  pair->allreduce(t)->wait();
  EXPECT_EQ(t[0].item<double>(), 3.0);
  EXPECT_THAT(error_message([] {
                ProcessGroupMPI::createProcessGroupMPI({0, 99});
              }),
              HasSubstr("rank 99 is not a rank of MPI_COMM_WORLD"));
}

TEST(ProcessGroupMPI, BadArgumentsFailBeforeAnyCommunication) {
  auto ints = tg::tensor({std::int64_t(1)}, tg::kInt64);
  std::vector<tg::Tensor> tensors{ints};
  EXPECT_THAT(error_message([&] { world->allreduce(tensors, {tg::distributed::ReduceOp::AVG}); }),
              HasSubstr("Cannot use ReduceOp.AVG with integer tensors"));
  std::vector<tg::Tensor> none;
  EXPECT_THAT(error_message([&] { world->allreduce(none); }), HasSubstr("Requires a non-empty tensor list"));
  std::vector<std::vector<tg::Tensor>> too_few(1, std::vector<tg::Tensor>{tg::zeros({1})});
  std::vector<tg::Tensor> input{tg::zeros({1})};
  EXPECT_THAT(error_message([&] { world->allgather(too_few, input); }), HasSubstr("it needs one per rank"));
  tg::distributed::BroadcastOptions far;
  far.rootRank = size();
  EXPECT_THAT(error_message([&] { world->broadcast(input, far); }), HasSubstr("is not a rank of the group"));
}

TEST(ProcessGroupMPI, ShapesThatDifferAcrossRanksFailOnEveryRank) {
  ProcessGroupMPI::Options options;
  options.check_metadata = true;
  options.timeout = std::chrono::seconds(30);
  auto checked = ProcessGroupMPI::create(options);
  std::vector<tg::Tensor> same{tg::ones({4})};
  checked->allreduce(same)->wait();
  EXPECT_EQ(same[0].to_vector<float>(), std::vector<float>(4, float(size())));

  std::vector<tg::Tensor> differ{tg::ones({rank() == 1 ? 5 : 4})};
  const std::string message = error_message([&] { checked->allreduce(differ)->wait(); });
  EXPECT_THAT(message, HasSubstr("passed tensors of different shapes or dtypes"));
  EXPECT_THAT(message, HasSubstr("rank 0: allreduce SUM of float32 [4]"));
  EXPECT_THAT(message, HasSubstr("rank 1: allreduce SUM of float32 [5]"));
  std::vector<tg::Tensor> dtype{tg::ones({4}, rank() == 0 ? tg::kFloat64 : tg::kFloat32)};
  EXPECT_THAT(error_message([&] { checked->allreduce(dtype)->wait(); }),
              HasSubstr("rank 0: allreduce SUM of float64 [4]"));
}

TEST(ProcessGroupMPI, WaitTimesOutWhenAnotherRankNeverJoins) {
  // Rank 0 starts a broadcast the others join only after its wait has timed out.
  ProcessGroupMPI::Options options;
  options.timeout = std::chrono::milliseconds(300);
  auto late = ProcessGroupMPI::create(options);
  std::vector<tg::Tensor> t{tg::full({1}, double(rank()), tg::kFloat64)};
  tg::distributed::BroadcastOptions from_one;
  from_one.rootRank = 1;
  if (rank() == 0) {
    auto work = late->broadcast(t, from_one);
    EXPECT_THAT(error_message([&] { work->wait(); }), HasSubstr("timed out after 300 ms"));
    EXPECT_FALSE(work->isCompleted());
    world->barrier()->wait();
    EXPECT_TRUE(work->wait(std::chrono::seconds(30)));  // the others have joined: it finishes
  } else {
    world->barrier()->wait();
    late->broadcast(t, from_one)->wait();
  }
  EXPECT_EQ(t[0].item<double>(), 1.0);
}

// ---------------------------------------------------------------- DistributedDataParallel

// A small MLP; the same seed gives every rank (and every reference replica) the same initial weights.
tg::nn::Sequential make_mlp(std::uint64_t seed, tg::Dtype dtype, bool with_unused = false) {
  tg::manual_seed(seed);
  tg::nn::Sequential model(tg::nn::Linear(6, 16), tg::nn::Tanh(), tg::nn::Linear(16, 16), tg::nn::ReLU(),
                           tg::nn::Linear(16, 3));
  if (with_unused) model->push_back("unused", tg::nn::Linear(3, 3));
  model->to(dtype);
  return model;
}

struct Batch {
  tg::Tensor x, y;
};

// The global batch of step `step` (identical on every rank) and this rank's shard of it.
Batch global_batch(int step, std::int64_t per_rank, tg::Dtype dtype) {
  tg::manual_seed(1000 + step);
  const std::int64_t total = per_rank * size();
  return {tg::randn({total, 6}, tg::TensorOptions().dtype(dtype)),
          tg::randn({total, 3}, tg::TensorOptions().dtype(dtype))};
}
Batch shard(const Batch& batch, int r, std::int64_t per_rank) {
  return {batch.x.narrow(0, r * per_rank, per_rank), batch.y.narrow(0, r * per_rank, per_rank)};
}

tg::Tensor loss_of(tg::nn::Sequential& model, const Batch& b) {
  return tg::mse_loss(model->forward(b.x), b.y);
}

// Runs `steps` SGD steps with DDP on this rank's shards; after each, checks the replicas are bit-identical.
std::vector<tg::Tensor> train_ddp(tg::Dtype dtype, int steps, DDPOptions options) {
  auto model = make_mlp(7, dtype);
  DistributedDataParallel ddp(model, world, options);
  tg::optim::SGD optimizer(ddp.parameters(), tg::optim::SGDOptions(0.1).momentum(0.9));
  for (int step = 0; step < steps; ++step) {
    const Batch mine = shard(global_batch(step, 4, dtype), rank(), 4);
    optimizer.zero_grad();
    tg::mse_loss(ddp(mine.x), mine.y).backward();
    optimizer.step();
    for (const auto& p : model->parameters()) {
      const auto replicas = gather(p);
      for (int r = 1; r < size(); ++r)
        EXPECT_TRUE(bitwise_equal(replicas[0], replicas[r])) << "step " << step;
    }
  }
  return model->parameters();
}

// One process: the same steps with every shard's gradient accumulated, then divided by the number of ranks.
std::vector<tg::Tensor> train_reference_by_shards(tg::Dtype dtype, int steps) {
  auto model = make_mlp(7, dtype);
  tg::optim::SGD optimizer(model->parameters(), tg::optim::SGDOptions(0.1).momentum(0.9));
  for (int step = 0; step < steps; ++step) {
    const Batch all = global_batch(step, 4, dtype);
    optimizer.zero_grad();
    for (int r = 0; r < size(); ++r) loss_of(model, shard(all, r, 4)).backward();
    {
      tg::NoGradGuard no_grad;
      for (auto& p : model->parameters()) p.mutable_grad().div_(double(size()));
    }
    optimizer.step();
  }
  return model->parameters();
}

// One process on the concatenated batch (the mean over all samples).
std::vector<tg::Tensor> train_reference_concatenated(tg::Dtype dtype, int steps) {
  auto model = make_mlp(7, dtype);
  tg::optim::SGD optimizer(model->parameters(), tg::optim::SGDOptions(0.1).momentum(0.9));
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    loss_of(model, global_batch(step, 4, dtype)).backward();
    optimizer.step();
  }
  return model->parameters();
}

double max_relative_difference(const std::vector<tg::Tensor>& a, const std::vector<tg::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = a[i].to_vector<double>();
    const auto y = b[i].to_vector<double>();
    for (std::size_t k = 0; k < x.size(); ++k)
      worst = std::max(worst, std::abs(x[k] - y[k]) / std::max(1.0, std::abs(y[k])));
  }
  return worst;
}

TEST(DistributedDataParallel, Float64MatchesOneProcessOnTheWholeBatch) {
  for (bool views : {false, true}) {
    const auto ddp =
        train_ddp(tg::kFloat64, 5, DDPOptions().gradient_as_bucket_view(views).bucket_cap_mb(0.001));
    const auto reference = train_reference_by_shards(tg::kFloat64, 5);
    ASSERT_EQ(ddp.size(), reference.size());
    if (size() == 2) {  // g0/2 + g1/2 == (g0 + g1)/2 exactly
      for (std::size_t i = 0; i < ddp.size(); ++i)
        EXPECT_TRUE(bitwise_equal(ddp[i], reference[i])) << "parameter " << i;
    } else {
      EXPECT_LT(max_relative_difference(ddp, reference), 1e-13);
    }
    EXPECT_LT(max_relative_difference(ddp, train_reference_concatenated(tg::kFloat64, 5)), 1e-13);
  }
}

TEST(DistributedDataParallel, Float32MatchesOneProcessWithinRounding) {
  const auto ddp = train_ddp(tg::kFloat32, 5, DDPOptions().gradient_as_bucket_view(true));
  EXPECT_LT(max_relative_difference(ddp, train_reference_concatenated(tg::kFloat32, 5)), 2e-6);
}

TEST(DistributedDataParallel, ParametersStartAsRankZeros) {
  auto model = make_mlp(100 + rank(), tg::kFloat32);  // different on every rank
  DistributedDataParallel ddp(model, world);
  auto rank0 = make_mlp(100, tg::kFloat32);
  for (std::size_t i = 0; i < model->parameters().size(); ++i)
    EXPECT_TRUE(bitwise_equal(model->parameters()[i], rank0->parameters()[i]));
}

TEST(DistributedDataParallel, GradientsAreViewsIntoTheBuckets) {
  auto model = make_mlp(7, tg::kFloat32);
  DistributedDataParallel ddp(model, world, DDPOptions().gradient_as_bucket_view(true).bucket_cap_mb(0.001));
  EXPECT_GT(ddp.reducer().bucket_tensors().size(), 1u);
  const auto params = model->parameters();
  auto inside_a_bucket = [&](const tg::Tensor& grad) {
    for (const auto& b : ddp.reducer().bucket_tensors()) {
      auto* begin = static_cast<const char*>(b.data_ptr());
      auto* p = static_cast<const char*>(grad.data_ptr());
      if (p >= begin && p < begin + b.nbytes()) return true;
    }
    return false;
  };
  // Before any backward: the last parameters first (reverse registration order); no gradient yet (only
  // defined gradients move into the buckets at construction, as in PyTorch).
  EXPECT_EQ(ddp.reducer().bucket_indices().front().front(), params.size() - 1);
  for (const auto& p : params) EXPECT_FALSE(p.grad().defined());
  const Batch mine = shard(global_batch(0, 4, tg::kFloat32), rank(), 4);
  tg::mse_loss(ddp(mine.x), mine.y).backward();  // the buckets are rebuilt after it: still views
  for (const auto& p : params) EXPECT_TRUE(inside_a_bucket(p.grad()));
  // zero_grad(set_to_none) drops the views; the next backward puts the gradients back into the buckets.
  tg::optim::SGD optimizer(ddp.parameters(), tg::optim::SGDOptions(0.1));
  optimizer.zero_grad(true);
  tg::mse_loss(ddp(mine.x), mine.y).backward();
  for (const auto& p : params) EXPECT_TRUE(inside_a_bucket(p.grad()));
}

TEST(DistributedDataParallel, DefinedGradientsMoveIntoTheBucketsWithTheirValues) {
  auto model = make_mlp(7, tg::kFloat32);
  const auto params = model->parameters();
  params[0].mutable_grad() = tg::full_like(params[0], 2.5);
  DistributedDataParallel ddp(model, world, DDPOptions().gradient_as_bucket_view(true));
  const tg::Tensor flat = ddp.reducer().bucket_tensors()[0];
  const auto* begin = static_cast<const char*>(flat.data_ptr());
  const auto* grad = static_cast<const char*>(params[0].grad().data_ptr());
  EXPECT_TRUE(grad >= begin && grad < begin + flat.nbytes());
  EXPECT_TRUE(tg::equal(params[0].grad(), tg::full_like(params[0], 2.5)));
  EXPECT_FALSE(params[1].grad().defined());
}

// Registered head first, run last: reverse registration order is the wrong guess for its buckets.
struct HeadFirstImpl : tg::nn::Module {
  HeadFirstImpl()
      : head(register_module("head", tg::nn::Linear(16, 3))),
        body(register_module("body", tg::nn::Linear(6, 16))) {}
  tg::Tensor forward(const tg::Tensor& x) { return head->forward(tg::tanh(body->forward(x))); }
  tg::nn::Linear head, body;
};
TG_MODULE(HeadFirst);

TEST(DistributedDataParallel, BucketsFollowTheOrderGradientsArriveAfterTheFirstStep) {
  for (bool views : {false, true}) {
    tg::manual_seed(11);
    HeadFirst model;
    model->to(tg::kFloat64);
    tg::manual_seed(11);
    HeadFirst reference;
    reference->to(tg::kFloat64);
    // Buckets of one parameter each: their order is the order of the parameters.
    DistributedDataParallel ddp(model, world,
                                DDPOptions().bucket_cap_mb(1e-6).gradient_as_bucket_view(views));
    const auto names = model->named_parameters().keys();  // head.weight, head.bias, body.weight, body.bias
    auto first_bucket = [&] { return names[ddp.reducer().bucket_indices().front().front()]; };
    EXPECT_EQ(first_bucket(), "body.bias");  // the guess: reverse registration order
    for (int step = 0; step < 3; ++step) {
      model->zero_grad();
      reference->zero_grad();
      const Batch all = global_batch(step, 4, tg::kFloat64);
      const Batch mine = shard(all, rank(), 4);
      tg::mse_loss(ddp(mine.x), mine.y).backward();
      for (int r = 0; r < size(); ++r)
        tg::mse_loss(reference->forward(shard(all, r, 4).x), shard(all, r, 4).y).backward();
      for (std::size_t i = 0; i < names.size(); ++i)
        EXPECT_TRUE(tg::allclose(model->parameters()[i].grad(),
                                 reference->parameters()[i].grad() / double(size()), 1e-12, 1e-14))
            << names[i] << " at step " << step;
    }
    // Rebuilt after the first backward: the head's gradients arrive first.
    EXPECT_EQ(first_bucket().substr(0, 5), "head.");
    EXPECT_EQ(ddp.reducer().bucket_indices().size(), names.size());
  }
}

TEST(DistributedDataParallel, AllreducesRunWhileBackwardGoesOn) {
  // Eight layers in buckets of one layer each. The other ranks start backward 500 ms after rank 0, so
  // rank 0's first all-reduce cannot finish before then: if starting it blocked, rank 0's backward
  // would stall for those 500 ms before reaching the first layer.
  tg::manual_seed(5);
  tg::nn::Sequential model;
  for (int i = 0; i < 8; ++i) {
    model->push_back(tg::nn::Linear(256, 256));
    model->push_back(tg::nn::Tanh());
  }
  DistributedDataParallel ddp(model, world, DDPOptions().bucket_cap_mb(0.25).gradient_as_bucket_view(true));
  auto x = tg::randn({64, 256});
  ddp(x).square().mean().backward();  // warm-up
  auto loss = ddp(x).square().mean();
  world->barrier()->wait();
  if (rank() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  loss.backward();
  const auto timeline = ddp.reducer().last_timeline();
  ASSERT_EQ(timeline.allreduce_started.size(), 8u);
  const auto first_layer_ready = std::max(timeline.parameter_ready[0], timeline.parameter_ready[1]);
  for (std::size_t bucket = 0; bucket + 1 < 8; ++bucket)  // every bucket but the first layer's
    EXPECT_LT(timeline.allreduce_started[bucket], first_layer_ready) << "bucket " << bucket;
  EXPECT_LE(first_layer_ready, timeline.backward_finished);
  EXPECT_LE(timeline.backward_finished, timeline.reduction_finished);
  if (rank() == 0) {
    using ms = std::chrono::milliseconds;
    EXPECT_LT(timeline.backward_finished - timeline.allreduce_started[0], ms(250))
        << "backward waited for the first bucket's all-reduce";
    EXPECT_GE(timeline.reduction_finished - timeline.allreduce_started[0], ms(350))
        << "the all-reduce finished before the other ranks had started backward";
  }
}

TEST(DistributedDataParallel, NoSyncAccumulatesThenAveragesOnce) {
  auto model = make_mlp(7, tg::kFloat64);
  DistributedDataParallel ddp(model, world, DDPOptions().gradient_as_bucket_view(true));
  const Batch first = shard(global_batch(0, 4, tg::kFloat64), rank(), 4);
  const Batch second = shard(global_batch(1, 4, tg::kFloat64), rank(), 4);
  {
    auto guard = ddp.no_sync();
    tg::mse_loss(ddp(first.x), first.y).backward();
  }
  // After the local backward only, the gradients differ between ranks.
  EXPECT_FALSE(
      bitwise_equal(gather(model->parameters()[0].grad())[0], gather(model->parameters()[0].grad())[1]));
  tg::mse_loss(ddp(second.x), second.y).backward();

  auto reference = make_mlp(7, tg::kFloat64);
  const Batch all0 = global_batch(0, 4, tg::kFloat64), all1 = global_batch(1, 4, tg::kFloat64);
  for (int r = 0; r < size(); ++r) {
    loss_of(reference, shard(all0, r, 4)).backward();
    loss_of(reference, shard(all1, r, 4)).backward();
  }
  for (std::size_t i = 0; i < reference->parameters().size(); ++i) {
    auto expected = reference->parameters()[i].grad() / double(size());
    EXPECT_TRUE(tg::allclose(model->parameters()[i].grad(), expected, 1e-12, 1e-14)) << "parameter " << i;
  }
}

struct PartlyUsedImpl : tg::nn::Module {
  PartlyUsedImpl()
      : used(register_module("used", tg::nn::Linear(6, 3))),
        unused(register_module("unused", tg::nn::Linear(6, 3))) {}
  tg::Tensor forward(const tg::Tensor& x) { return used->forward(x); }
  tg::nn::Linear used, unused;
};
TG_MODULE(PartlyUsed);

TEST(DistributedDataParallel, UnusedParametersAreAnErrorNamingThem) {
  PartlyUsed model;
  DistributedDataParallel ddp(model, world);
  const Batch mine = shard(global_batch(0, 4, tg::kFloat32), rank(), 4);
  const std::string message = error_message([&] { tg::mse_loss(ddp(mine.x), mine.y).backward(); });
  EXPECT_THAT(message, HasSubstr("parameters that were not used in producing loss"));
  EXPECT_THAT(message, HasSubstr("unused.weight, unused.bias"));
  EXPECT_THAT(message, HasSubstr("find_unused_parameters(true)"));
}

// A parameter no rank used keeps no gradient (PyTorch's DDP leaves .grad untouched: None after zero_grad()).
TEST(DistributedDataParallel, FindUnusedParametersReducesTheUsedOnes) {
  for (const bool views : {false, true}) {
    PartlyUsed model;
    DistributedDataParallel ddp(model, world,
                                DDPOptions().find_unused_parameters(true).gradient_as_bucket_view(views));
    const Batch mine = shard(global_batch(0, 4, tg::kFloat32), rank(), 4);
    for (int iteration = 0; iteration < 2; ++iteration) {
      model->zero_grad();
      tg::mse_loss(ddp(mine.x), mine.y).backward();
    }
    const auto grads = gather(model->used->weight.grad());
    for (int r = 1; r < size(); ++r) EXPECT_TRUE(bitwise_equal(grads[0], grads[r])) << "views " << views;
    EXPECT_FALSE(model->unused->weight.grad().defined()) << "views " << views;
    EXPECT_FALSE(model->unused->bias.grad().defined()) << "views " << views;
  }
}

struct UsedOnRankZeroImpl : tg::nn::Module {
  UsedOnRankZeroImpl()
      : always(register_module("always", tg::nn::Linear(6, 3))),
        rank_zero(register_module("rank_zero", tg::nn::Linear(6, 3))) {}
  tg::Tensor forward(const tg::Tensor& x, bool use_rank_zero) {
    return use_rank_zero ? always(x) + rank_zero(x) : always(x);
  }
  tg::nn::Linear always, rank_zero;
};
TG_MODULE(UsedOnRankZero);

UsedOnRankZero make_used_on_rank_zero() {
  tg::manual_seed(11);
  UsedOnRankZero model;
  model->to(tg::kFloat64);
  return model;
}

// Used on rank 0 only: every rank gets rank 0's gradient averaged with the others' zeros, g0 / ranks.
TEST(DistributedDataParallel, FindUnusedParametersAveragesAParameterOneRankUsed) {
  const Batch all = global_batch(0, 4, tg::kFloat64);
  auto alone = make_used_on_rank_zero();
  tg::mse_loss(alone(shard(all, 0, 4).x, true), shard(all, 0, 4).y).backward();
  const tg::Tensor expected = alone->rank_zero->weight.grad() / double(size());
  for (const bool views : {false, true}) {
    auto model = make_used_on_rank_zero();
    DistributedDataParallel ddp(model, world,
                                DDPOptions().find_unused_parameters(true).gradient_as_bucket_view(views));
    const Batch mine = shard(all, rank(), 4);
    model->zero_grad();
    tg::mse_loss(ddp(mine.x, rank() == 0), mine.y).backward();
    const tg::Tensor grad = model->rank_zero->weight.grad();
    ASSERT_TRUE(grad.defined()) << "views " << views;
    EXPECT_TRUE(bitwise_equal(grad, expected)) << "views " << views << "\n" << grad << "\n" << expected;
  }
}

TEST(DistributedDataParallel, BuffersComeFromRankZeroBeforeEachForward) {
  tg::manual_seed(3);
  tg::nn::Sequential model(tg::nn::Linear(4, 4), tg::nn::BatchNorm1d(4));
  DistributedDataParallel ddp(model, world);
  model->eval();  // the forward leaves the running statistics alone
  {
    tg::NoGradGuard no_grad;
    model->named_buffers()["1.running_mean"].fill_(double(rank()));  // the replicas drift apart
  }
  ddp(tg::randn({8, 4}));
  EXPECT_TRUE(tg::equal(model->named_buffers()["1.running_mean"], tg::zeros({4})));
}

TEST(DistributedDataParallel, ResumedFromRankZerosCheckpointContinuesBitForBit) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tg_ddp_resume_" + std::to_string(::getppid()) + ".safetensors");
  auto run = [&](int from, int to, bool save_at_end, bool load_first) {
    auto model = make_mlp(7, tg::kFloat32);
    tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(1e-2));
    if (load_first) tg::load_checkpoint(path.string(), model, optimizer);  // every rank loads
    DistributedDataParallel ddp(model, world, DDPOptions().gradient_as_bucket_view(true));
    for (int step = from; step < to; ++step) {
      const Batch mine = shard(global_batch(step, 4, tg::kFloat32), rank(), 4);
      optimizer.zero_grad();
      tg::mse_loss(ddp(mine.x), mine.y).backward();
      optimizer.step();
    }
    if (save_at_end && rank() == 0) tg::save_checkpoint(path.string(), model, optimizer);  // rank 0 writes
    world->barrier()->wait();
    return model->parameters();
  };
  const auto uninterrupted = run(0, 6, false, false);
  run(0, 3, true, false);
  const auto resumed = run(3, 6, false, true);
  for (std::size_t i = 0; i < resumed.size(); ++i)
    EXPECT_TRUE(bitwise_equal(resumed[i], uninterrupted[i])) << i;
  world->barrier()->wait();
  if (rank() == 0) std::filesystem::remove(path);
}

TEST(DistributedSamplers, EachRankGetsItsShardReshuffledEachEpoch) {
  const std::size_t n = 10;
  auto indices_of = [&](std::size_t epoch) {
    tg::data::samplers::DistributedRandomSampler sampler(n, size(), rank(), /*allow_duplicates=*/false);
    sampler.set_epoch(epoch);
    sampler.reset();
    std::vector<std::int64_t> mine;
    while (auto batch = sampler.next(3))
      for (auto i : *batch) mine.push_back(std::int64_t(i));
    return tg::tensor(mine, tg::kInt64);
  };
  const auto epoch0 = gather(indices_of(0));
  const auto epoch1 = gather(indices_of(1));
  std::vector<std::int64_t> all;
  for (const auto& part : epoch0)
    for (auto i : part.to_vector<std::int64_t>()) all.push_back(i);
  std::sort(all.begin(), all.end());
  EXPECT_TRUE(std::adjacent_find(all.begin(), all.end()) == all.end()) << "shards overlap";
  EXPECT_EQ(all.size(), n / size() * size());
  EXPECT_FALSE(bitwise_equal(epoch0[0], epoch1[0])) << "set_epoch did not reshuffle";
}

}  // namespace

// Every rank runs the suite; only rank 0 prints progress, the others print their failures.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (result.failed())
      std::printf("[rank %d] %s:%d: %s\n", rank_, result.file_name() ? result.file_name() : "?",
                  result.line_number(), result.summary());
  }

 private:
  int rank_;
};

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ProcessGroupMPI::Options options;
  options.timeout = std::chrono::seconds(30);
  world = ProcessGroupMPI::create(options);
  if (world->getRank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(world->getRank()));
  }
  int failed = RUN_ALL_TESTS() != 0;
  std::vector<tg::Tensor> any{tg::tensor({std::int64_t(failed)}, tg::kInt64)};
  world->allreduce(any, {tg::distributed::ReduceOp::MAX})->wait();
  world.reset();
  return any[0].item<std::int64_t>() != 0 ? 1 : 0;
}
