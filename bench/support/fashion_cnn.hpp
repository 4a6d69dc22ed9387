#pragma once
// The fashion_cnn epoch benchmark (bench/fashion_cnn_epoch.cpp for tapegrad,
// bench/compare_libtorch/fashion_cnn_epoch_libtorch.cpp for libtorch): one training epoch of
// examples/fashion_cnn's network (conv 1->32 5x5, max-pool, ReLU, conv 32->64 5x5, Dropout2d, max-pool,
// ReLU, linear 1024->128, ReLU, dropout, linear 128->10, log-softmax, NLL; Adam 1e-3, batch 64) over
// Fashion-MNIST's training images in file order, then the test accuracy. Written once as a libtorch
// program: the includer defines namespace `torch` (tapegrad through `namespace torch = tg;`).
// Prints one line: "fashion_cnn <library> threads <n> epoch <seconds> s loss <mean> test accuracy <acc>".
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace fashion_cnn {

struct NetImpl : torch::nn::Module {
  NetImpl()
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 5)))),
        conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 5)))),
        conv2_drop(register_module("conv2_drop", torch::nn::Dropout2d(0.125))),
        fc1(register_module("fc1", torch::nn::Linear(64 * 4 * 4, 128))),
        fc2(register_module("fc2", torch::nn::Linear(128, 10))) {}

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(torch::max_pool2d(conv1->forward(x), 2));
    x = torch::relu(torch::max_pool2d(conv2_drop->forward(conv2->forward(x)), 2));
    x = torch::relu(fc1->forward(x.view({-1, 64 * 4 * 4})));
    x = torch::dropout(x, 0.25, is_training());
    return torch::log_softmax(fc2->forward(x), 1);
  }

  torch::nn::Conv2d conv1, conv2;
  torch::nn::Dropout2d conv2_drop;
  torch::nn::Linear fc1, fc2;
};

inline int run(const char* library, int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  const std::int64_t limit = argc > 2 ? std::atoll(argv[2]) : 0;  // 0: all 60,000 images
  torch::manual_seed(0);
  torch::data::datasets::MNIST train_set(root), test_set(root, torch::data::datasets::MNIST::Mode::kTest);
  torch::Tensor images = (train_set.images() - 0.2860) / 0.3530;
  torch::Tensor labels = train_set.targets();
  if (limit > 0) {
    images = images.slice(0, 0, limit);
    labels = labels.slice(0, 0, limit);
  }
  auto net = std::make_shared<NetImpl>();
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-3));
  const std::int64_t batch = 64, n = images.size(0);
  double loss_sum = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t first = 0; first < n; first += batch) {
    const std::int64_t last = std::min(first + batch, n);
    optimizer.zero_grad();
    torch::Tensor loss =
        torch::nll_loss(net->forward(images.slice(0, first, last)), labels.slice(0, first, last));
    loss.backward();
    optimizer.step();
    loss_sum += loss.template item<double>() * static_cast<double>(last - first);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  torch::NoGradGuard no_grad;
  net->eval();
  const torch::Tensor test_images = (test_set.images() - 0.2860) / 0.3530;
  const double accuracy = net->forward(test_images)
                              .argmax(1)
                              .eq(test_set.targets())
                              .to(torch::kFloat64)
                              .mean()
                              .template item<double>();
  std::printf("fashion_cnn %s threads %d epoch %.3f s loss %.4f test accuracy %.4f\n", library,
              torch::get_num_threads(), seconds, loss_sum / static_cast<double>(n), accuracy);
  return 0;
}

}  // namespace fashion_cnn
