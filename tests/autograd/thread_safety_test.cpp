// The thread-safety contract (README, "Threads"): independent graphs may be built and backpropagated
// concurrently, also when they share leaves (parameters); grad mode and anomaly scopes are
// per thread; one module in eval mode may run forward under NoGradGuard on several threads.
// These tests also run under ThreadSanitizer (the tsan preset), which reports any data race.
#include <algorithm>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;

constexpr int kThreads = 4;

template <class F>
void run_on_threads(int count, F&& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < count; ++t) threads.emplace_back([&body, t] { body(t); });
  for (std::thread& thread : threads) thread.join();
}

// Small integers in float64: every sum below is exact, so any summation order gives the same bits.
Tensor integer_matrix(std::int64_t rows, std::int64_t cols, int seed, bool requires_grad) {
  std::vector<double> values(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<double>((seed * 7 + i * 3) % 5) - 2.0;
  return tg::tensor(values, {rows, cols}, tg::dtype(tg::kFloat64).requires_grad(requires_grad));
}

// loss = sum(relu(x W1) W2): a two-layer graph with a non-trivial backward.
Tensor two_layer_loss(const Tensor& x, const Tensor& w1, const Tensor& w2) {
  return tg::matmul(tg::relu(tg::matmul(x, w1)), w2).sum();
}

TEST(ThreadSafety, IndependentGraphsOnSeveralThreadsGiveTheSerialGradients) {
  auto gradients = [](int seed) {
    Tensor x = integer_matrix(16, 8, seed, false);
    Tensor w1 = integer_matrix(8, 32, seed + 1, true);
    Tensor w2 = integer_matrix(32, 4, seed + 2, true);
    for (int step = 0; step < 20; ++step) two_layer_loss(x, w1, w2).backward();
    return std::vector<std::vector<double>>{w1.grad().to_vector<double>(), w2.grad().to_vector<double>()};
  };
  std::vector<std::vector<std::vector<double>>> serial, parallel(kThreads);
  for (int t = 0; t < kThreads; ++t) serial.push_back(gradients(t));
  run_on_threads(kThreads, [&](int t) { parallel[static_cast<std::size_t>(t)] = gradients(t); });
  EXPECT_EQ(parallel, serial);
}

TEST(ThreadSafety, GraphsSharingParametersAccumulateEveryThreadsGradient) {
  Tensor w1 = integer_matrix(8, 32, 1, true);
  Tensor w2 = integer_matrix(32, 4, 2, true);
  constexpr int kSteps = 25;
  run_on_threads(kThreads, [&](int t) {
    Tensor x = integer_matrix(16, 8, 10 + t, false);
    for (int step = 0; step < kSteps; ++step) two_layer_loss(x, w1, w2).backward();
  });
  // The same accumulation, one thread.
  Tensor v1 = integer_matrix(8, 32, 1, true);
  Tensor v2 = integer_matrix(32, 4, 2, true);
  for (int t = 0; t < kThreads; ++t)
    for (int step = 0; step < kSteps; ++step)
      two_layer_loss(integer_matrix(16, 8, 10 + t, false), v1, v2).backward();
  EXPECT_EQ(w1.grad().to_vector<double>(), v1.grad().to_vector<double>());
  EXPECT_EQ(w2.grad().to_vector<double>(), v2.grad().to_vector<double>());
}

TEST(ThreadSafety, FirstUseOfASharedLeafFromSeveralThreadsCreatesOneAccumulator) {
  for (int round = 0; round < 20; ++round) {
    Tensor w = tg::ones({3}, tg::dtype(tg::kFloat64).requires_grad(true));
    run_on_threads(kThreads, [&](int) { (w * 2.0).sum().backward(); });
    EXPECT_EQ(w.grad().to_vector<double>(), std::vector<double>(3, 2.0 * kThreads));
  }
}

TEST(ThreadSafety, AutogradGradOnSeveralThreadsWithSharedInputs) {
  Tensor w = integer_matrix(4, 4, 3, true);
  std::vector<std::vector<double>> results(kThreads);
  run_on_threads(kThreads, [&](int t) {
    Tensor x = integer_matrix(2, 4, t, false);
    Tensor y = tg::matmul(x, w).pow(2.0).sum();
    Tensor dw = tg::autograd::grad({y}, {w}, {}, std::nullopt, true)[0];
    // Second order through the shared leaf as well.
    results[static_cast<std::size_t>(t)] = tg::autograd::grad({dw.sum()}, {w})[0].to_vector<double>();
  });
  for (int t = 0; t < kThreads; ++t) {
    Tensor x = integer_matrix(2, 4, t, false);
    Tensor y = tg::matmul(x, w).pow(2.0).sum();
    Tensor dw = tg::autograd::grad({y}, {w}, {}, std::nullopt, true)[0];
    EXPECT_EQ(results[static_cast<std::size_t>(t)],
              tg::autograd::grad({dw.sum()}, {w})[0].to_vector<double>());
  }
  EXPECT_FALSE(w.grad().defined());
}

TEST(ThreadSafety, GradModeIsPerThread) {
  Tensor w = tg::ones({2}, tg::dtype(tg::kFloat64).requires_grad(true));
  std::vector<char> recorded(2);  // not vector<bool>: its elements share words
  run_on_threads(2, [&](int t) {
    std::optional<tg::NoGradGuard> no_grad;
    if (t == 0) no_grad.emplace();
    for (int i = 0; i < 100; ++i) recorded[static_cast<std::size_t>(t)] = (w * 3.0).requires_grad();
  });
  EXPECT_FALSE(recorded[0]);
  EXPECT_TRUE(recorded[1]);
  EXPECT_TRUE(tg::GradMode::is_enabled());
}

TEST(ThreadSafety, SetNumThreadsReachesKernelsOnEveryThread) {
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  int seen = 0;
  std::thread([&] { seen = tg::get_num_threads(); }).join();
  EXPECT_EQ(seen, 1);  // omp_set_num_threads alone would leave a new thread at OpenMP's default
  tg::set_num_threads(before);
}

TEST(ThreadSafety, AnomalyScopesArePerThread) {
  std::vector<std::string> seen(kThreads);
  run_on_threads(kThreads, [&](int t) {
    tg::autograd::AnomalyScope scope("thread" + std::to_string(t));
    for (int i = 0; i < 100; ++i) seen[static_cast<std::size_t>(t)] = tg::autograd::AnomalyScope::current();
  });
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(seen[static_cast<std::size_t>(t)], "thread" + std::to_string(t));
}

TEST(ThreadSafety, OneEvalModuleSharedForInferenceUnderNoGrad) {
  tg::manual_seed(7);
  auto net = tg::nn::Sequential();
  net->push_back(tg::nn::Linear(16, 64));
  net->push_back(tg::nn::GELU());
  net->push_back(tg::nn::Dropout(0.5));
  net->push_back(tg::nn::LayerNorm(64));
  net->push_back(tg::nn::Linear(64, 10));
  net->eval();
  std::vector<Tensor> inputs;
  for (int t = 0; t < kThreads; ++t) inputs.push_back(tg::randn({32, 16}));
  std::vector<std::vector<double>> serial;
  {
    tg::NoGradGuard no_grad;
    for (const Tensor& x : inputs) serial.push_back(net->forward(x).to_vector<double>());
  }
  std::vector<std::vector<double>> parallel(kThreads);
  run_on_threads(kThreads, [&](int t) {
    tg::NoGradGuard no_grad;
    for (int repeat = 0; repeat < 20; ++repeat)
      parallel[static_cast<std::size_t>(t)] =
          net->forward(inputs[static_cast<std::size_t>(t)]).to_vector<double>();
  });
  EXPECT_EQ(parallel, serial);
}

TEST(ThreadSafety, RandomFactoriesMayBeCalledConcurrently) {
  tg::manual_seed(11);
  std::vector<double> all;
  {
    Tensor serial = tg::rand({kThreads * 1000}, tg::kFloat64);
    all = serial.to_vector<double>();
  }
  tg::manual_seed(11);
  std::vector<std::vector<double>> chunks(kThreads);
  run_on_threads(kThreads, [&](int t) {
    chunks[static_cast<std::size_t>(t)] = tg::rand({1000}, tg::kFloat64).to_vector<double>();
  });
  // Each fill draws a contiguous run of the one stream: together they are the serial draw, in some order.
  std::vector<double> concatenated;
  for (const auto& chunk : chunks) concatenated.insert(concatenated.end(), chunk.begin(), chunk.end());
  std::sort(all.begin(), all.end());
  std::sort(concatenated.begin(), concatenated.end());
  EXPECT_EQ(concatenated, all);
}

}  // namespace
