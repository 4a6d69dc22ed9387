// Module, ModuleHolder, Sequential/MLP, layers, initializers and loss modules.
#include <cmath>
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;
namespace nn = tg::nn;

// A user-defined module, written the way the README's tutorial shows.
struct EncoderImpl : nn::Module {
  EncoderImpl()
      : fc1(register_module("fc1", nn::Linear(4, 3))), fc2(register_module("fc2", nn::Linear(3, 2))) {
    register_buffer("calls", tg::zeros({1}));
  }
  Tensor forward(const Tensor& x) { return fc2(tg::tanh(fc1(x))); }
  nn::Linear fc1, fc2;
};
using Encoder = nn::ModuleHolder<EncoderImpl>;

struct AutoencoderImpl : nn::Module {
  AutoencoderImpl()
      : encoder(register_module("encoder", Encoder())), head(register_module("head", nn::Linear(2, 4))) {}
  Tensor forward(const Tensor& x) { return head(encoder(x)); }
  Encoder encoder;
  nn::Linear head;
};
using Autoencoder = nn::ModuleHolder<AutoencoderImpl>;

TEST(Module, NamedParametersUseDottedNamesInRegistrationOrder) {
  Autoencoder model;
  EXPECT_EQ(model->named_parameters().keys(),
            (std::vector<std::string>{"encoder.fc1.weight", "encoder.fc1.bias", "encoder.fc2.weight",
                                      "encoder.fc2.bias", "head.weight", "head.bias"}));
  EXPECT_EQ(model->named_parameters(/*recurse=*/false).size(), 0u);
  EXPECT_EQ(model->named_buffers().keys(), (std::vector<std::string>{"encoder.calls"}));
  EXPECT_EQ(model->parameters().size(), 6u);
  EXPECT_EQ(model->parameter_count(), 4 * 3 + 3 + 3 * 2 + 2 + 2 * 4 + 4);
  EXPECT_EQ(model->named_children().keys(), (std::vector<std::string>{"encoder", "head"}));
  EXPECT_EQ(model->modules().size(), 5u);  // self, encoder, fc1, fc2, head
  EXPECT_TRUE(model->encoder->fc1->weight.is_same(model->named_parameters()["encoder.fc1.weight"]));
}

TEST(Module, HandlesShareOneModule) {
  nn::Linear shared(3, 3);
  nn::Sequential net(shared, nn::ReLU(), shared);  // the same layer twice: one set of parameters
  EXPECT_EQ(net->size(), 3u);
  EXPECT_TRUE(net->at<nn::LinearImpl>(0).weight.is_same(shared->weight));
  EXPECT_EQ(net->parameters().size(), 4u);  // registered twice under "0" and "2"
  nn::Linear copy = shared;
  EXPECT_EQ(copy.get(), shared.get());
}

TEST(Module, TrainEvalPropagates) {
  Autoencoder model;
  EXPECT_TRUE(model->is_training());
  model->eval();
  for (const auto& m : model->modules()) EXPECT_FALSE(m->is_training());
  model->train();
  EXPECT_TRUE(model->encoder->fc2->is_training());
}

TEST(Module, ZeroGradClearsOrZeroes) {
  nn::Linear fc(3, 2);
  fc(tg::ones({4, 3})).sum().backward();
  ASSERT_TRUE(fc->weight.grad().defined());
  fc->zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(fc->weight.grad().to_vector<float>(), std::vector<float>(6, 0.0f));
  fc(tg::ones({4, 3})).sum().backward();
  fc->zero_grad();  // libtorch 1.13's default: zero in place
  EXPECT_EQ(fc->weight.grad().to_vector<float>(), std::vector<float>(6, 0.0f));
  fc->zero_grad(/*set_to_none=*/true);
  EXPECT_FALSE(fc->weight.grad().defined());
}

TEST(Module, RegistrationErrors) {
  nn::Linear fc(2, 2);
  EXPECT_THROW(fc->register_parameter("weight", tg::zeros({1})), tg::Error);
  EXPECT_THROW(fc->register_parameter("a.b", tg::zeros({1})), tg::Error);
  EXPECT_THROW(fc->register_module("x", std::shared_ptr<nn::ReLUImpl>()), tg::Error);
  nn::Linear empty(nullptr);
  EXPECT_TRUE(empty.is_empty());
  EXPECT_THROW(empty(tg::ones({1, 2})), tg::Error);
}

TEST(Module, PrintsStructureAndParameterCounts) {
  nn::Sequential net(nn::Linear(784, 128), nn::ReLU(), nn::Dropout(0.2), nn::Linear(128, 10));
  std::ostringstream out;
  out << net;
  // libtorch's exact text.
  EXPECT_EQ(out.str(),
            "torch::nn::Sequential(\n"
            "  (0): torch::nn::Linear(in_features=784, out_features=128, bias=true)\n"
            "  (1): torch::nn::ReLU()\n"
            "  (2): torch::nn::Dropout(p=0.2, inplace=false)\n"
            "  (3): torch::nn::Linear(in_features=128, out_features=10, bias=true)\n"
            ")");
  // tapegrad's summary adds parameter counts.
  EXPECT_EQ(nn::summary(*net),
            "torch::nn::Sequential(\n"
            "  (0): torch::nn::Linear(in_features=784, out_features=128, bias=true)  # 100,480 parameters\n"
            "  (1): torch::nn::ReLU()\n"
            "  (2): torch::nn::Dropout(p=0.2, inplace=false)\n"
            "  (3): torch::nn::Linear(in_features=128, out_features=10, bias=true)  # 1,290 parameters\n"
            ")\n"
            "parameters: 101,770");
  std::ostringstream custom;
  custom << Autoencoder();
  // A user's module prints its type name, as libtorch's default pretty_print does.
  EXPECT_NE(
      custom.str().find("::AutoencoderImpl(\n  (encoder): (anonymous namespace)::EncoderImpl(\n    (fc1): "
                        "torch::nn::Linear(in_features=4"),
      std::string::npos)
      << custom.str();
}

TEST(Module, ToDtypeConvertsInPlace) {
  Autoencoder model;
  Tensor weight = model->head->weight;
  const auto before = weight.to_vector<double>();
  model->to(tg::kFloat64);
  EXPECT_EQ(weight.dtype(), tg::kFloat64);  // the handle held outside sees the conversion
  EXPECT_EQ(weight.to_vector<double>(), before);
  EXPECT_EQ(model(tg::ones({2, 4}, tg::kFloat64)).dtype(), tg::kFloat64);
}

TEST(Linear, ShapesAndDefaultInitMatchPyTorch) {
  tg::manual_seed(1);
  nn::Linear fc(400, 300);
  EXPECT_EQ(fc->weight.sizes(), (tg::Shape{300, 400}));
  EXPECT_EQ(fc->bias.sizes(), (tg::Shape{300}));
  // kaiming_uniform_(a = sqrt(5)) and the bias both give U(-1/sqrt(in), 1/sqrt(in)): variance bound^2 / 3.
  const double bound = 1.0 / std::sqrt(400.0);
  for (const Tensor& p : {fc->weight, fc->bias}) {
    const auto values = p.to_vector<double>();
    double sum = 0, sum_squares = 0, largest = 0;
    for (double v : values) {
      sum += v;
      sum_squares += v * v;
      largest = std::max(largest, std::abs(v));
    }
    EXPECT_LE(largest, bound);
    EXPECT_GT(largest, 0.95 * bound);
    EXPECT_NEAR(sum / static_cast<double>(values.size()), 0.0, 0.2 * bound);  // > 6 sigma for the bias
    EXPECT_NEAR(sum_squares / static_cast<double>(values.size()), bound * bound / 3,
                0.1 * bound * bound / 3 + 1e-9);
  }
  EXPECT_FALSE(nn::Linear(nn::LinearOptions(3, 2).bias(false))->bias.defined());
}

TEST(Linear, ForwardIsTheFusedOpAndGradchecks) {
  nn::Linear fc(5, 3);
  fc->to(tg::kFloat64);
  Tensor x = tg::randn({4, 5}, tg::dtype(tg::kFloat64).requires_grad(true));
  const auto expected = tg::linear(x, fc->weight, fc->bias).to_vector<double>();
  EXPECT_EQ(fc(x).to_vector<double>(), expected);
  tg::tensor_list inputs{x, fc->weight, fc->bias};  // the module's own parameters are perturbed too
  EXPECT_GRADCHECK([&](const tg::tensor_list& in) { return fc(in[0]); }, inputs);
}

TEST(Sequential, MlpHelperAndGradcheckOfAWholeModel) {
  tg::manual_seed(0);
  nn::Sequential net = nn::MLP(3, {5, 4}, 2, "tanh");
  EXPECT_EQ(net->size(), 5u);
  EXPECT_EQ(net->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}));
  net->to(tg::kFloat64);
  Tensor x = tg::randn({2, 3}, tg::kFloat64);
  tg::tensor_list inputs = net->parameters();
  EXPECT_GRADCHECK([&](const tg::tensor_list&) { return net(x); }, inputs);
  EXPECT_GRADGRADCHECK([&](const tg::tensor_list&) { return net(x).sum(); }, inputs);
  EXPECT_THROW(nn::MLP(2, {3}, 1, "softplus"), tg::Error);
}

TEST(Activations, ModulesMatchTheirOps) {
  Tensor x = tg::randn({3, 4});
  EXPECT_EQ(nn::ReLU()(x).to_vector<float>(), tg::relu(x).to_vector<float>());
  EXPECT_EQ(nn::LeakyReLU(0.2)(x).to_vector<float>(), tg::leaky_relu(x, 0.2).to_vector<float>());
  EXPECT_EQ(nn::Sigmoid()(x).to_vector<float>(), tg::sigmoid(x).to_vector<float>());
  EXPECT_EQ(nn::Tanh()(x).to_vector<float>(), tg::tanh(x).to_vector<float>());
  EXPECT_EQ(nn::GELU("tanh")(x).to_vector<float>(), tg::gelu(x, "tanh").to_vector<float>());
  EXPECT_EQ(nn::SiLU()(x).to_vector<float>(), tg::silu(x).to_vector<float>());
  EXPECT_EQ(nn::Softmax(1)(x).to_vector<float>(), tg::softmax(x, 1).to_vector<float>());
  EXPECT_EQ(nn::LogSoftmax(0)(x).to_vector<float>(), tg::log_softmax(x, 0).to_vector<float>());
  EXPECT_EQ(nn::Identity()(x).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(nn::Flatten()(tg::zeros({2, 3, 4})).sizes(), (tg::Shape{2, 12}));
  EXPECT_THROW(nn::GELU("fast"), tg::Error);
}

TEST(Dropout, TrainingMasksAndScalesEvaluationIsIdentity) {
  tg::manual_seed(3);
  nn::Dropout dropout(0.25);
  Tensor x = tg::ones({100, 100}, tg::requires_grad());
  Tensor y = dropout(x);
  const auto values = y.to_vector<float>();
  int zeros = 0;
  for (float v : values) {
    if (v == 0.0f)
      ++zeros;
    else
      EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
  }
  EXPECT_NEAR(zeros / 10000.0, 0.25, 0.02);
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<float>(), values);  // gradient = the same mask
  tg::manual_seed(3);
  EXPECT_EQ(dropout(tg::ones({100, 100})).to_vector<float>(), values);  // seeded
  dropout->eval();
  EXPECT_TRUE(dropout(x).is_same(x));
  EXPECT_THROW(nn::Dropout(1.5), tg::Error);
}

TEST(Embedding, LooksUpRowsAndScatterAddsGradients) {
  nn::Embedding table(5, 3);
  Tensor indices = tg::tensor(std::vector<std::int64_t>{4, 1, 4, 0}, {2, 2});
  Tensor out = table(indices);
  EXPECT_EQ(out.sizes(), (tg::Shape{2, 2, 3}));
  EXPECT_EQ(out.select(0, 0).select(0, 0).to_vector<float>(), table->weight.select(0, 4).to_vector<float>());
  out.sum().backward();
  EXPECT_EQ(table->weight.grad().to_vector<float>(),
            (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2}));  // row 4 used twice
  try {
    table(tg::tensor(std::vector<std::int64_t>{1, 5}));
    FAIL();
  } catch (const tg::Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("index out of range in self: index 5 at position 1 is outside [0, 5)"),
        std::string::npos);
  }
  EXPECT_THROW(table(tg::zeros({2})), tg::Error);  // float indices
}

TEST(LayerNorm, NormalizesAndGradchecks) {
  nn::LayerNorm norm(4);
  Tensor x = tg::randn({3, 4}) * 5.0 + 2.0;
  Tensor y = norm(x);
  for (std::int64_t r = 0; r < 3; ++r) {
    EXPECT_NEAR(y.select(0, r).mean().item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(y.select(0, r).var(false).item<double>(), 1.0, 1e-3);
  }
  norm->to(tg::kFloat64);
  Tensor x64 = tg::randn({2, 3, 4}, tg::dtype(tg::kFloat64).requires_grad(true));
  tg::tensor_list inputs{x64, norm->weight, norm->bias};
  EXPECT_GRADCHECK([&](const tg::tensor_list& in) { return norm(in[0]); }, inputs);
  EXPECT_GRADGRADCHECK([&](const tg::tensor_list& in) { return norm(in[0]); }, inputs);
  EXPECT_THROW(norm(tg::zeros({3, 5}, tg::kFloat64)), tg::Error);
}

TEST(Init, FormulasAndErrors) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_THROW(nn::init::calculate_gain("swish"), tg::Error);
  auto [fan_in, fan_out] = nn::init::calculate_fan_in_and_fan_out(tg::zeros({8, 3, 2, 2}));
  EXPECT_EQ(fan_in, 12);
  EXPECT_EQ(fan_out, 32);
  EXPECT_THROW(nn::init::calculate_fan_in_and_fan_out(tg::zeros({5})), tg::Error);

  Tensor w = tg::empty({200, 300});
  auto spread = [](const Tensor& t) {
    double sum_squares = 0;
    for (double v : t.to_vector<double>()) sum_squares += v * v;
    return std::sqrt(sum_squares / static_cast<double>(t.numel()));
  };
  nn::init::xavier_uniform_(w);
  EXPECT_NEAR(spread(w), std::sqrt(2.0 / 500), 0.02 * std::sqrt(2.0 / 500) * 5);
  nn::init::xavier_normal_(w, 2.0);
  EXPECT_NEAR(spread(w), 2.0 * std::sqrt(2.0 / 500), 0.1 * std::sqrt(2.0 / 500));
  nn::init::kaiming_normal_(w, 0.0, "fan_out", "relu");
  EXPECT_NEAR(spread(w), std::sqrt(2.0 / 200), 0.05 * std::sqrt(2.0 / 200));
  nn::init::kaiming_uniform_(w, 0.0, "fan_in", "relu");
  EXPECT_NEAR(spread(w), std::sqrt(2.0 / 300), 0.05 * std::sqrt(2.0 / 300));
  EXPECT_THROW(nn::init::kaiming_uniform_(w, 0.0, "fan_avg"), tg::Error);
  nn::init::constant_(w, 0.5);
  EXPECT_EQ(w.max().item<float>(), 0.5f);
  nn::init::uniform_(w, -2, -1);
  EXPECT_LE(w.max().item<float>(), -1.0f);
  nn::init::zeros_(w);
  EXPECT_EQ(w.sum().item<float>(), 0.0f);
  Tensor leaf = tg::zeros({2, 2}, tg::requires_grad());
  nn::init::ones_(leaf);  // initializers write under NoGradGuard, so leaves are fine
  EXPECT_EQ(leaf.sum().item<float>(), 4.0f);
}

TEST(Losses, ModulesMatchFunctions) {
  Tensor logits = tg::randn({4, 3});
  Tensor classes = tg::tensor(std::vector<std::int64_t>{0, 2, 1, 2});
  EXPECT_EQ(nn::CrossEntropyLoss()(logits, classes).item<float>(),
            tg::cross_entropy(logits, classes).item<float>());
  nn::CrossEntropyLoss summed(nn::functional::CrossEntropyFuncOptions().reduction(tg::kSum));
  EXPECT_FLOAT_EQ(summed(logits, classes).item<float>(),
                  tg::cross_entropy(logits, classes, tg::kSum).item<float>());
  EXPECT_EQ(nn::NLLLoss()(tg::log_softmax(logits, 1), classes).item<float>(),
            tg::nll_loss(tg::log_softmax(logits, 1), classes).item<float>());
  Tensor target = tg::rand({4, 3});
  EXPECT_EQ(nn::MSELoss()(logits, target).item<float>(), tg::mse_loss(logits, target).item<float>());
  EXPECT_EQ(nn::BCEWithLogitsLoss()(logits, target).item<float>(),
            tg::binary_cross_entropy_with_logits(logits, target).item<float>());
  EXPECT_EQ(
      nn::functional::mse_loss(logits, target, nn::functional::MSELossFuncOptions().reduction(tg::kNone))
          .sizes(),
      (tg::Shape{4, 3}));
}

}  // namespace
