// Whole programs written the way libtorch 1.13 users write them (the C++ frontend tutorials' style),
// compiled against tapegrad. The only edits from libtorch code are the alias below and the two macro
// spellings (macros cannot live in a namespace): TORCH_MODULE is TG_MODULE, TORCH_ARG is TG_ARG.
// Every program asserts its result: losses fall below known bounds, fits reach known solutions.
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <tuple>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace torch = tg;
#define TORCH_MODULE TG_MODULE
#define TORCH_ARG TG_ARG

namespace {

namespace F = torch::nn::functional;

// ---- An options-heavy model: an options struct with TORCH_ARG, every layer built from its options.

struct ClassifierOptions {
  ClassifierOptions(int64_t in_features, int64_t num_classes)
      : in_features_(in_features), num_classes_(num_classes) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, num_classes);
  TORCH_ARG(int64_t, hidden) = 32;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(double, negative_slope) = 0.01;
  TORCH_ARG(bool, layer_norm) = true;
};

struct ClassifierImpl : torch::nn::Module {
  explicit ClassifierImpl(const ClassifierOptions& options_) : options(options_) {
    fc1 = register_module(
        "fc1", torch::nn::Linear(torch::nn::LinearOptions(options.in_features(), options.hidden())));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden()})
                                                            .eps(1e-5)
                                                            .elementwise_affine(options.layer_norm())));
    act = register_module(
        "act", torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(options.negative_slope())));
    drop = register_module("drop", torch::nn::Dropout(torch::nn::DropoutOptions().p(options.dropout())));
    fc2 = register_module(
        "fc2",
        torch::nn::Linear(torch::nn::LinearOptions(options.hidden(), options.num_classes()).bias(true)));
    torch::nn::init::kaiming_uniform_(fc1->weight, /*a=*/options.negative_slope(), torch::kFanIn,
                                      torch::kLeakyReLU);
    torch::nn::init::zeros_(fc1->bias);
  }

  torch::Tensor forward(torch::Tensor x) {
    x = drop(act(norm(fc1(x))));
    return fc2(x);
  }

  ClassifierOptions options;
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::LeakyReLU act{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(Classifier);

// ---- A custom dataset: two Gaussian blobs per class around the corners of a square.

class BlobsDataset : public torch::data::datasets::Dataset<BlobsDataset> {
 public:
  explicit BlobsDataset(int64_t size) {
    labels_ = torch::randint(0, 4, {size}, torch::kLong);
    const auto corners = torch::tensor({{-2.0, -2.0}, {-2.0, 2.0}, {2.0, -2.0}, {2.0, 2.0}});
    points_ = corners.index_select(0, labels_) + 0.5 * torch::randn({size, 2});
  }

  torch::data::Example<> get(size_t index) override {
    return {points_[static_cast<int64_t>(index)], labels_[static_cast<int64_t>(index)]};
  }
  torch::optional<size_t> size() const override { return static_cast<size_t>(labels_.size(0)); }

 private:
  torch::Tensor points_, labels_;
};

double accuracy(Classifier& model, const torch::Tensor& inputs, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  model->eval();
  auto correct = model->forward(inputs).argmax(1).eq(labels).sum().template item<int64_t>();
  model->train();
  return static_cast<double>(correct) / static_cast<double>(labels.size(0));
}

TEST(LibtorchProgram, CustomDatasetLoaderAndOptionsHeavyModelTrainToHighAccuracy) {
  torch::manual_seed(1);
  auto dataset = BlobsDataset(512).map(torch::data::transforms::Stack<>());
  const size_t dataset_size = dataset.size().value();
  auto data_loader = torch::data::make_data_loader(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(32).workers(2).drop_last(false));

  Classifier model(ClassifierOptions(2, 4).hidden(16).dropout(0.1).negative_slope(0.1));
  torch::Device device(torch::kCPU);
  model->to(device);
  torch::optim::SGD optimizer(model->parameters(),
                              torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(1e-4));
  torch::optim::StepLR scheduler(optimizer, /*step_size=*/5, /*gamma=*/0.5);
  torch::nn::CrossEntropyLoss criterion;

  std::vector<double> epoch_losses;
  for (size_t epoch = 1; epoch <= 10; ++epoch) {
    double running_loss = 0.0;
    size_t seen = 0;
    for (auto& batch : *data_loader) {
      auto data = batch.data.to(device), targets = batch.target.to(device);
      optimizer.zero_grad();
      torch::Tensor output = model->forward(data);
      torch::Tensor loss = criterion(output, targets);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), /*max_norm=*/5.0);
      optimizer.step();
      running_loss += loss.item<double>() * static_cast<double>(data.size(0));
      seen += static_cast<size_t>(data.size(0));
    }
    scheduler.step();
    ASSERT_EQ(seen, dataset_size);
    epoch_losses.push_back(running_loss / static_cast<double>(seen));
  }
  EXPECT_LT(epoch_losses.back(), 0.1);
  EXPECT_LT(epoch_losses.back(), epoch_losses.front() / 3);
  EXPECT_DOUBLE_EQ(optimizer.param_groups()[0].options().get_lr(), 0.05 * 0.25);  // two StepLR decays

  BlobsDataset test_set(256);  // fresh points from the same distribution
  std::vector<torch::Tensor> points, labels;
  for (size_t i = 0; i < test_set.size().value(); ++i) {
    auto example = test_set.get(i);
    points.push_back(example.data);
    labels.push_back(example.target);
  }
  EXPECT_GT(accuracy(model, torch::stack(points), torch::stack(labels)), 0.97);
}

// ---- Linear regression, the libtorch tutorial way: fit a polynomial with nn::Linear and SGD.

TEST(LibtorchProgram, PolynomialRegressionTutorialRecoversTheCoefficients) {
  torch::manual_seed(0);
  const auto true_weight = torch::tensor({0.5, -1.5, 2.0}).unsqueeze(1);  // [3, 1]
  const double true_bias = 0.25;
  auto make_features = [](const torch::Tensor& x) {  // [N] -> [N, 3]: x, x^2, x^3
    std::vector<torch::Tensor> powers;
    for (int64_t i = 1; i <= 3; ++i) powers.push_back(x.unsqueeze(1).pow(i));
    return torch::cat(powers, 1);
  };

  torch::nn::Linear fc(torch::nn::LinearOptions(3, 1));
  torch::optim::SGD optimizer(fc->parameters(), 0.1);
  double loss_value = 0;
  int64_t batches = 0;
  while (true) {
    auto x = torch::rand({64}) * 2 - 1;
    auto batch_x = make_features(x);
    auto batch_y = batch_x.mm(true_weight) + true_bias;
    optimizer.zero_grad();
    auto output = F::mse_loss(fc(batch_x), batch_y);
    loss_value = output.item<float>();
    output.backward();
    optimizer.step();
    ++batches;
    if (loss_value < 1e-7 || batches == 20000) break;
  }
  EXPECT_LT(loss_value, 1e-7);
  EXPECT_LT(batches, 20000);
  EXPECT_TRUE(torch::allclose(fc->weight.view({-1}), true_weight.view({-1}), /*rtol=*/0, /*atol=*/5e-3))
      << fc->weight;
  EXPECT_NEAR(fc->bias.item<double>(), true_bias, 5e-3);
}

// ---- Logistic regression: a Linear layer on two separable classes, BCE with logits, Adam.

struct LogisticRegressionImpl : torch::nn::Module {
  explicit LogisticRegressionImpl(int64_t in_features)
      : linear(register_module("linear", torch::nn::Linear(in_features, 1))) {}
  torch::Tensor forward(const torch::Tensor& x) { return linear(x).squeeze(1); }
  torch::nn::Linear linear;
};
TORCH_MODULE(LogisticRegression);

TEST(LibtorchProgram, LogisticRegressionSeparatesTwoClasses) {
  torch::manual_seed(3);
  const int64_t n = 400;
  auto labels = torch::randint(0, 2, {n}).to(torch::kFloat);
  // Class 1 lies above the line x0 + x1 = 0, class 0 below, with a margin.
  auto features = torch::randn({n, 2}) + (labels * 2 - 1).unsqueeze(1) * 1.5;

  LogisticRegression model(2);
  torch::optim::Adam optimizer(model->parameters(),
                               torch::optim::AdamOptions(0.05).betas(std::make_tuple(0.9, 0.99)));
  torch::nn::BCEWithLogitsLoss criterion;
  const double initial = criterion(model(features), labels).item<double>();
  double final_loss = initial;
  for (int epoch = 0; epoch < 300; ++epoch) {
    optimizer.zero_grad();
    auto loss = criterion(model(features), labels);
    loss.backward();
    optimizer.step();
    final_loss = loss.item<double>();
  }
  EXPECT_LT(final_loss, 0.15);
  EXPECT_LT(final_loss, initial / 3);
  torch::NoGradGuard no_grad;
  auto predicted = (torch::sigmoid(model(features)) > 0.5).to(torch::kFloat);
  const double accuracy = predicted.eq(labels).sum().item<double>() / static_cast<double>(n);
  EXPECT_GT(accuracy, 0.95);
  // The learnt boundary is close to x0 + x1 = 0: both weights positive and about equal.
  auto w = model->linear->weight.view({-1});
  EXPECT_GT(w[0].item<double>(), 0);
  EXPECT_NEAR(w[0].item<double>() / w[1].item<double>(), 1.0, 0.35);
}

// ---- step(closure): the closure zeroes the gradients, computes the loss and calls backward.

TEST(LibtorchProgram, TrainingLoopWithClosureSteps) {
  torch::manual_seed(5);
  torch::nn::Sequential net(torch::nn::Linear(4, 16), torch::nn::Functional(torch::tanh),
                            torch::nn::Linear(16, 1));
  auto x = torch::randn({128, 4});
  auto y = torch::sin(x.sum(1, /*keepdim=*/true));
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-2));
  std::vector<float> losses;
  for (int step = 0; step < 400; ++step) {
    auto closure = [&]() -> torch::Tensor {
      optimizer.zero_grad();
      auto loss = torch::mse_loss(net->forward(x), y);
      loss.backward();
      return loss;
    };
    losses.push_back(optimizer.step(closure).item<float>());
  }
  EXPECT_GT(losses.front(), 0.1f);
  EXPECT_LT(losses.back(), 5e-3f);
  EXPECT_LT(losses.back(), losses.front() / 20);
}

// ---- LBFGS: a least-squares fit converges to the normal-equation solution.

TEST(LibtorchProgram, LbfgsFitsLeastSquaresToTheKnownSolution) {
  torch::manual_seed(7);
  auto options = torch::TensorOptions().dtype(torch::kFloat64);
  auto X = torch::randn({50, 3}, options);
  auto w_true = torch::tensor({1.0, -2.0, 0.5}, options).unsqueeze(1);
  auto y = X.matmul(w_true) + 3.0 + 0.01 * torch::randn({50, 1}, options);

  auto w = torch::zeros({3, 1}, options.requires_grad(true));
  auto b = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true));
  torch::optim::LBFGS optimizer(
      {w, b}, torch::optim::LBFGSOptions(1).max_iter(50).history_size(10).line_search_fn("strong_wolfe"));
  auto closure = [&] {
    optimizer.zero_grad();
    auto loss = (X.matmul(w) + b - y).pow(2).mean();
    loss.backward();
    return loss;
  };
  const double first = optimizer.step(closure).item<double>();
  for (int i = 0; i < 4; ++i) optimizer.step(closure);
  const double last = closure().item<double>();

  // The exact minimiser: [w; b] = (A^T A)^-1 A^T y with A = [X, 1], solved with Gaussian elimination on
  // the 4x4 normal equations.
  auto A = torch::cat({X, torch::ones({50, 1}, options)}, 1);
  auto normal = A.t().mm(A), rhs = A.t().mm(y);
  std::vector<std::vector<double>> m(4, std::vector<double>(5));
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 4; ++j) m[i][j] = normal[i][j].item<double>();
    m[i][4] = rhs[i][0].item<double>();
  }
  for (size_t k = 0; k < 4; ++k)
    for (size_t i = 0; i < 4; ++i)
      if (i != k) {
        const double factor = m[i][k] / m[k][k];
        for (size_t j = k; j < 5; ++j) m[i][j] -= factor * m[k][j];
      }
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(w[i][0].item<double>(), m[i][4] / m[i][i], 1e-5) << i;
  EXPECT_NEAR(b.item<double>(), m[3][4] / m[3][3], 1e-5);
  EXPECT_NEAR(b.item<double>(), 3.0, 0.01);
  EXPECT_LT(last, 2e-4);  // the noise variance
  EXPECT_GT(first, 1.0);
}

// ---- Checkpoints: save a model, load it into a fresh one, same outputs.

TEST(LibtorchProgram, SaveAndLoadARoundTripGivesTheSameOutputs) {
  torch::manual_seed(11);
  Classifier model(ClassifierOptions(3, 2).hidden(8));
  Classifier restored(ClassifierOptions(3, 2).hidden(8));
  const std::string path = ::testing::TempDir() + "libtorch_program_classifier.safetensors";
  torch::save(model, path);
  torch::load(restored, path);
  model->eval();
  restored->eval();
  auto input = torch::randn({5, 3});
  EXPECT_TRUE(torch::equal(model(input), restored(input)));
}

// ---- Hand-written loops over elements: accessor<T, N>() reads and writes through the strides.

TEST(LibtorchProgram, ConfusionMatrixCountedWithAccessors) {
  auto predicted = torch::tensor({0, 1, 1, 2, 2, 2}, torch::kLong);
  auto actual = torch::tensor({0, 1, 2, 2, 2, 0}, torch::kLong);
  auto confusion = torch::zeros({3, 3}, torch::kLong);
  auto p = predicted.accessor<int64_t, 1>();
  auto a = actual.accessor<int64_t, 1>();
  auto c = confusion.accessor<int64_t, 2>();
  for (int64_t i = 0; i < p.size(0); ++i) c[a[i]][p[i]] += 1;
  EXPECT_EQ(confusion.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1, 0, 1, 0, 0, 1, 2}));
  EXPECT_EQ(c.size(1), 3);
  EXPECT_EQ(c.stride(0), 3);

  auto matrix = torch::arange(12, torch::kFloat).view({3, 4});
  auto transposed = matrix.t();  // a view: the accessor follows its strides
  auto t = transposed.accessor<float, 2>();
  EXPECT_EQ(t.sizes(), torch::IntArrayRef({4, 3}));
  EXPECT_EQ(t[1][2], 9.0f);
  t[0][1] = 100.0f;
  EXPECT_EQ(matrix[1][0].item<float>(), 100.0f);
  EXPECT_EQ(t.data(), matrix.data_ptr<float>());

  try {
    (void)matrix.accessor<float, 3>();
    FAIL() << "accessor<float, 3> of a 2-d tensor must throw";
  } catch (const torch::Error& e) {
    EXPECT_NE(std::string(e.what()).find("TensorAccessor expected 3 dims but tensor has 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(((void)matrix.accessor<double, 2>()), torch::Error);  // float32 tensor
}

// ---- The MNIST example's model: torch::dropout(x, p, is_training()), GradMode switched by hand.

struct MnistStyleNet : torch::nn::Module {
  MnistStyleNet() : fc1(20, 50), fc2(50, 10) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(fc1->forward(x.view({-1, 20})));
    x = torch::dropout(x, /*p=*/0.5, /*training=*/is_training());
    return torch::log_softmax(fc2->forward(x), /*dim=*/1);
  }
  torch::nn::Linear fc1;
  torch::nn::Linear fc2;
};

TEST(LibtorchProgram, DropoutFollowsTrainAndEvalAndGradModeSwitchesRecording) {
  torch::manual_seed(2);
  MnistStyleNet model;
  auto input = torch::randn({8, 4, 5});
  model.eval();
  EXPECT_TRUE(torch::equal(model.forward(input), model.forward(input)));
  model.train();
  EXPECT_FALSE(torch::equal(model.forward(input), model.forward(input)));  // fresh masks
  auto output = model.forward(input);
  EXPECT_EQ(output.sizes(), torch::IntArrayRef({8, 10}));
  EXPECT_TRUE(torch::allclose(output.exp().sum(1), torch::ones({8})));
  EXPECT_TRUE(output.requires_grad());

  torch::autograd::GradMode::set_enabled(false);
  EXPECT_FALSE(model.forward(input).requires_grad());
  {
    torch::autograd::AutoGradMode enable_grad(true);
    EXPECT_TRUE(model.forward(input).requires_grad());
  }
  EXPECT_FALSE(torch::autograd::GradMode::is_enabled());
  torch::autograd::GradMode::set_enabled(true);
}

}  // namespace
