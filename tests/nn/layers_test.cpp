// The libtorch layer set: options, functional forms, printing and values against PyTorch 1.13.
// Expected values come from /usr/bin/python3 with torch 1.13 on the inputs below, e.g.
//   F.softplus(torch.tensor([[-2., -.5, 0., .7, 3.]], dtype=torch.float64), beta=2, threshold=5).tolist()
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;
namespace nn = tg::nn;
namespace F = tg::nn::functional;

Tensor input() { return tg::tensor(std::vector<double>{-2.0, -0.5, 0.0, 0.7, 3.0}, {1, 5}, tg::kFloat64); }

void expect_values(const Tensor& actual, const std::vector<double>& expected, double tolerance = 1e-12) {
  const auto got = actual.to(tg::kFloat64).to_vector<double>();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], tolerance) << "element " << i;
}

template <class M>
std::string printed(const M& module) {
  std::ostringstream out;
  out << module;
  return out.str();
}

TEST(Layers, ElementwiseModulesMatchPyTorch) {
  const Tensor x = input();
  expect_values(nn::Softplus(nn::SoftplusOptions().beta(2).threshold(5))(x),
                {0.009074963958904869, 0.15663084375911143, 0.34657359027997264, 0.8102087049592255, 3.0});
  expect_values(nn::ELU(nn::ELUOptions().alpha(0.5))(x),
                {-0.43233235838169365, -0.1967346701436833, 0.0, 0.7, 3.0});
  expect_values(nn::SELU()(x),
                {-1.5201664685956948, -0.6917581878028713, 0.0, 0.7354906911488363, 3.1521029620664414});
  expect_values(nn::CELU(nn::CELUOptions().alpha(2.0))(x),
                {-1.2642411176571153, -0.44239843385719024, 0.0, 0.7, 3.0});
  expect_values(nn::Hardtanh(nn::HardtanhOptions().min_val(-0.5).max_val(1.0))(x),
                {-0.5, -0.5, 0.0, 0.7, 1.0});
  expect_values(nn::ReLU6()(x * 3.0), {0.0, 0.0, 0.0, 2.0999999999999996, 6.0});
  expect_values(nn::Mish()(x),
                {-0.2525014826957089, -0.22074377465173, 0.0, 0.5611483776438518, 2.9865350049679575});
  expect_values(nn::Hardswish()(x), {-1.0 / 3.0, -0.20833333333333334, 0.0, 0.43166666666666664, 3.0});
  expect_values(nn::Hardsigmoid()(x), {1.0 / 6.0, 0.4166666666666667, 0.5, 0.6166666666666667, 1.0});
  expect_values(nn::Threshold(0.1, 20.0)(x), {20.0, 20.0, 20.0, 0.7, 3.0});
  expect_values(nn::Softmin(1)(x), {0.6981246750276013, 0.1557726705424792, 0.09448090062932862,
                                    0.04691782674150112, 0.004703927059089744});
  expect_values(nn::GLU()(tg::tensor(std::vector<double>{1.0, 2.0, -1.0, 0.5}, {1, 4}, tg::kFloat64)),
                {0.2689414213699951, 1.2449186624037092});
  nn::PReLU prelu;
  EXPECT_EQ(prelu->weight.to_vector<float>(), std::vector<float>{0.25f});
  expect_values(prelu(x.to(tg::kFloat32)), {-0.5, -0.125, 0.0, 0.7, 3.0}, 1e-6);
}

TEST(Layers, FunctionalOptionsMatchTheModules) {
  const Tensor x = input();
  expect_values(F::elu(x, F::ELUFuncOptions().alpha(0.5)),
                {-0.43233235838169365, -0.1967346701436833, 0.0, 0.7, 3.0});
  expect_values(F::threshold(x, F::ThresholdFuncOptions(0.1, 20.0)), {20.0, 20.0, 20.0, 0.7, 3.0});
  expect_values(F::relu(x), {0.0, 0.0, 0.0, 0.7, 3.0});
  expect_values(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.5)),
                {-1.0, -0.25, 0.0, 0.7, 3.0});
  expect_values(F::softmax(x, F::SoftmaxFuncOptions(1)), tg::softmax(x, 1).to_vector<double>());
  expect_values(F::log_softmax(x, 1), tg::log_softmax(x, 1).to_vector<double>());
  expect_values(F::gelu(x, F::GELUFuncOptions().approximate("tanh")),
                tg::gelu(x, "tanh").to_vector<double>());
  expect_values(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.5).max_val(1.0)),
                {-0.5, -0.5, 0.0, 0.7, 1.0});
  // inplace writes into the input (which needs no gradient) and returns it.
  Tensor y = input();
  Tensor out = F::relu(y, F::ReLUFuncOptions().inplace(true));
  EXPECT_TRUE(out.is_same(y));
  expect_values(y, {0.0, 0.0, 0.0, 0.7, 3.0});
  Tensor leaf = input().requires_grad_();
  EXPECT_THROW(F::relu(leaf, F::ReLUFuncOptions(true)), tg::Error);
  // F::dropout with options.
  Tensor ones = tg::ones({1000}, tg::kFloat64);
  EXPECT_TRUE(F::dropout(ones, F::DropoutFuncOptions().p(0.2).training(false)).is_same(ones));
  tg::manual_seed(0);
  const auto dropped = F::dropout(ones, F::DropoutFuncOptions().p(0.2)).to_vector<double>();
  for (double v : dropped) EXPECT_TRUE(v == 0.0 || std::abs(v - 1.25) < 1e-12);
  // F::linear is the fused op.
  Tensor w = tg::tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}, tg::kFloat64);
  expect_values(F::linear(tg::tensor(std::vector<double>{1, 1}, {1, 2}, tg::kFloat64), w), {3.0, 7.0});
}

TEST(Layers, GradientsOfTheNewModulesGradcheck) {
  const Tensor x = tg::tensor(std::vector<double>{-1.3, -0.4, 0.3, 0.9, 1.7, -2.2}, {2, 3}, tg::kFloat64);
  std::vector<std::function<Tensor(const Tensor&)>> layers = {
      [](const Tensor& v) { return nn::Softplus()(v); },
      [](const Tensor& v) { return nn::ELU()(v); },
      [](const Tensor& v) { return nn::Softmin(1)(v); },
      [](const Tensor& v) { return F::normalize(v, F::NormalizeFuncOptions().dim(1)); },
      [](const Tensor& v) { return F::threshold(v, F::ThresholdFuncOptions(0.0, -1.0)); },
  };
  for (const auto& layer : layers)
    EXPECT_TRUE(
        tg::autograd::gradcheck([&](const tg::tensor_list& in) { return tg::tensor_list{layer(in[0])}; },
                                {x.clone().requires_grad_()}));
}

TEST(Layers, NormalizeMatchesPyTorchIncludingZeroRows) {
  Tensor v = tg::tensor(std::vector<double>{3, 4, 0, 0, 1, -1}, {3, 2}, tg::kFloat64);
  expect_values(F::normalize(v, F::NormalizeFuncOptions().p(2).dim(1)),
                {0.6, 0.8, 0.0, 0.0, 0.7071067811865475, -0.7071067811865475});
  expect_values(F::normalize(v, F::NormalizeFuncOptions().p(1).dim(0)), {0.75, 0.8, 0.0, 0.0, 0.25, -0.2});
  Tensor leaf = v.clone().requires_grad_();
  F::normalize(leaf).sum().backward();
  for (double g : leaf.grad().to_vector<double>()) EXPECT_FALSE(std::isnan(g));
  EXPECT_THROW(F::normalize(v, F::NormalizeFuncOptions().dim(2)), tg::Error);
}

TEST(Layers, BilinearMatchesPyTorch) {
  // F.bilinear([[1, 2]], [[.5, -1, 2]], arange(12).reshape(2, 2, 3) / 10, [.1, -.2]) == [[1.9, 4.3]]
  std::vector<double> w(12);
  for (int i = 0; i < 12; ++i) w[i] = i / 10.0;
  Tensor weight = tg::tensor(w, {2, 2, 3}, tg::kFloat64);
  Tensor bias = tg::tensor(std::vector<double>{0.1, -0.2}, {2}, tg::kFloat64);
  Tensor a = tg::tensor(std::vector<double>{1, 2}, {1, 2}, tg::kFloat64);
  Tensor b = tg::tensor(std::vector<double>{0.5, -1, 2}, {1, 3}, tg::kFloat64);
  expect_values(F::bilinear(a, b, weight, bias), {1.9, 4.3});
  nn::Bilinear layer(nn::BilinearOptions(2, 3, 4).bias(false));
  EXPECT_EQ(layer->weight.sizes(), (tg::Shape{4, 2, 3}));
  EXPECT_FALSE(layer->bias.defined());
  EXPECT_EQ(layer(tg::ones({5, 7, 2}), tg::ones({5, 7, 3})).sizes(), (tg::Shape{5, 7, 4}));
  EXPECT_THROW(layer(tg::ones({5, 2}), tg::ones({4, 3})), tg::Error);
  EXPECT_TRUE(tg::autograd::gradcheck(
      [](const tg::tensor_list& in) { return tg::tensor_list{F::bilinear(in[0], in[1], in[2], in[3])}; },
      {a.clone().requires_grad_(), b.clone().requires_grad_(), weight.clone().requires_grad_(),
       bias.clone().requires_grad_()}));
}

TEST(Layers, EmbeddingOptionsPaddingFrequencyAndMaxNorm) {
  // wt = arange(8.).reshape(4, 2); F.embedding([1, 2, 1, 0], wt, padding_idx=2, scale_grad_by_freq=True)
  // backward(ones) -> wt.grad == [[1, 1], [1, 1], [0, 0], [0, 0]]
  Tensor weight = tg::arange(8, tg::kFloat64).reshape({4, 2}).requires_grad_();
  Tensor idx = tg::tensor(std::vector<std::int64_t>{1, 2, 1, 0}, {4});
  Tensor out = F::embedding(idx, weight, F::EmbeddingFuncOptions().padding_idx(2).scale_grad_by_freq(true));
  expect_values(out, {2, 3, 4, 5, 2, 3, 0, 1});
  out.sum().backward();
  expect_values(weight.grad(), {1, 1, 1, 1, 0, 0, 0, 0});
  // max_norm renormalizes the looked-up rows in place: [[3, 4], [.3, .4]] -> [[.6, .8], [.3, .4]] (PyTorch
  // prints 0.5999999880000002: its 1e-7 guard).
  Tensor table = tg::tensor(std::vector<double>{3, 4, 0.3, 0.4}, {2, 2}, tg::kFloat64);
  F::embedding(tg::tensor(std::vector<std::int64_t>{0, 1}, {2}), table,
               F::EmbeddingFuncOptions().max_norm(1.0));
  expect_values(table, {0.5999999880000002, 0.7999999840000003, 0.3, 0.4});

  nn::Embedding emb(nn::EmbeddingOptions(5, 3).padding_idx(-1));
  EXPECT_EQ(emb->options.padding_idx(), 4);
  EXPECT_EQ(emb->weight.select(0, 4).to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(printed(emb), "torch::nn::Embedding(num_embeddings=5, embedding_dim=3, padding_idx=4)");
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(5)), tg::Error);
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(5, 3).sparse(true)), tg::Error);

  Tensor pretrained = tg::tensor(std::vector<double>{1, 2, 3, 4}, {2, 2}, tg::kFloat64);
  nn::Embedding frozen = nn::Embedding::from_pretrained(pretrained);
  EXPECT_FALSE(frozen->weight.requires_grad());
  expect_values(frozen(tg::tensor(std::vector<std::int64_t>{1}, {1})), {3, 4});
  nn::Embedding trainable =
      nn::Embedding::from_pretrained(pretrained, nn::EmbeddingFromPretrainedOptions().freeze(false));
  EXPECT_TRUE(trainable->weight.requires_grad());
  EXPECT_FALSE(pretrained.requires_grad());
}

TEST(Layers, DropoutAndAlphaDropout) {
  nn::Dropout inplace(nn::DropoutOptions(0.3).inplace(true));
  EXPECT_EQ(printed(inplace), "torch::nn::Dropout(p=0.3, inplace=true)");
  EXPECT_THROW(nn::Dropout(nn::DropoutOptions().p(1.5)), tg::Error);
  nn::AlphaDropout alpha(0.2);
  EXPECT_EQ(printed(alpha), "torch::nn::AlphaDropout(p=0.2, inplace=false)");
  Tensor x = tg::linspace(-2, 2, 1000, tg::kFloat64);
  tg::manual_seed(1);
  const auto y = alpha(x).to_vector<double>(), xs = x.to_vector<double>();
  // Kept: a*x + alpha*a*p; dropped: alpha*a*(p-1), with a = 1/sqrt((alpha^2 p + 1)(1 - p)).
  const double sat = 1.7580993408473766, p = 0.2, a = 1.0 / std::sqrt((sat * sat * p + 1.0) * (1.0 - p));
  int dropped = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (std::abs(y[i] - sat * a * (p - 1.0)) < 1e-12 && std::abs(xs[i] - (sat * (p - 1.0)) / 1.0) > 1e-6) {
      ++dropped;
      continue;
    }
    EXPECT_NEAR(y[i], a * xs[i] + sat * a * p, 1e-12);
  }
  EXPECT_GT(dropped, 120);
  EXPECT_LT(dropped, 280);
  alpha->eval();
  EXPECT_TRUE(alpha(x).is_same(x));
  EXPECT_TRUE(F::alpha_dropout(x).is_same(x));  // libtorch's default training=false
}

TEST(Layers, ShapesUnflattenFlattenLayerNorm) {
  nn::Unflatten unflatten(1, std::vector<std::int64_t>{2, 3});
  EXPECT_EQ(unflatten(tg::zeros({4, 6})).sizes(), (tg::Shape{4, 2, 3}));
  EXPECT_EQ(printed(unflatten), "torch::nn::Unflatten(dim=1, unflattened_size={2, 3})");
  nn::Flatten flatten(nn::FlattenOptions().start_dim(0).end_dim(1));
  EXPECT_EQ(flatten(tg::zeros({2, 3, 4})).sizes(), (tg::Shape{6, 4}));
  EXPECT_EQ(printed(flatten), "torch::nn::Flatten(start_dim=0, end_dim=1)");
  nn::LayerNorm norm(nn::LayerNormOptions({2, 3}).eps(1e-6).elementwise_affine(false));
  EXPECT_TRUE(norm->parameters().empty());
  EXPECT_EQ(printed(nn::LayerNorm(nn::LayerNormOptions({2, 3}))),
            "torch::nn::LayerNorm([2, 3], elementwise_affine=true, eps=1e-05)");
  Tensor x = tg::randn({4, 2, 3}, tg::kFloat64);
  expect_values(F::layer_norm(x, F::LayerNormFuncOptions({2, 3}).eps(1e-6)), norm(x).to_vector<double>());
}

TEST(Layers, PrintLikeLibtorch) {
  EXPECT_EQ(printed(nn::Linear(nn::LinearOptions(3, 4).bias(false))),
            "torch::nn::Linear(in_features=3, out_features=4, bias=false)");
  EXPECT_EQ(printed(nn::ReLU()), "torch::nn::ReLU()");
  EXPECT_EQ(printed(nn::ReLU(true)), "torch::nn::ReLU(inplace=true)");
  EXPECT_EQ(printed(nn::ReLU6(nn::ReLU6Options().inplace(true))), "torch::nn::ReLU6(inplace=true)");
  EXPECT_EQ(printed(nn::SELU()), "torch::nn::SELU()");
  EXPECT_EQ(printed(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true))),
            "torch::nn::LeakyReLU(negative_slope=0.2, inplace=true)");
  EXPECT_EQ(printed(nn::ELU(nn::ELUOptions().alpha(0.5).inplace(true))),
            "torch::nn::ELU(alpha=0.5, inplace=true)");
  EXPECT_EQ(printed(nn::CELU()), "torch::nn::CELU(alpha=1)");
  EXPECT_EQ(printed(nn::Hardtanh()), "torch::nn::Hardtanh(min_val=-1, max_val=1)");
  EXPECT_EQ(printed(nn::Softplus()), "torch::nn::Softplus(beta=1, threshold=20)");
  EXPECT_EQ(printed(nn::Threshold(0.1, 20)), "torch::nn::Threshold(threshold=0.1, value=20)");
  EXPECT_EQ(printed(nn::GELU(nn::GELUOptions().approximate("tanh"))), "torch::nn::GELU()");
  EXPECT_EQ(printed(nn::GLU()), "torch::nn::GLU(dim=-1)");
  EXPECT_EQ(printed(nn::PReLU(nn::PReLUOptions().num_parameters(3))), "torch::nn::PReLU(num_parameters=3)");
  EXPECT_EQ(printed(nn::Softmax(1)), "torch::nn::Softmax(dim=1)");
  EXPECT_EQ(printed(nn::LogSoftmax(nn::LogSoftmaxOptions(-1))), "torch::nn::LogSoftmax(dim=-1)");
  EXPECT_EQ(printed(nn::Softmin(0)), "torch::nn::Softmin(dim=0)");
  EXPECT_EQ(printed(nn::Mish()), "torch::nn::Mish()");
  EXPECT_EQ(printed(nn::Identity()), "torch::nn::Identity()");
  EXPECT_EQ(printed(nn::Bilinear(2, 3, 4)),
            "torch::nn::Bilinear(in1_features=2, in2_features=3, out_features=4, bias=true)");
  EXPECT_EQ(printed(nn::Functional(tg::relu)), "torch::nn::Functional()");
  EXPECT_EQ(printed(nn::MSELoss()), "torch::nn::MSELoss()");
  EXPECT_EQ(nn::Linear(1, 1)->name(), "torch::nn::LinearImpl");
}

TEST(Layers, ConstructionErrors) {
  EXPECT_THROW(nn::Hardtanh(nn::HardtanhOptions().min_val(1).max_val(0)), tg::Error);
  EXPECT_THROW(nn::GELU(nn::GELUOptions().approximate("fast")), tg::Error);
  EXPECT_THROW(nn::PReLU(nn::PReLUOptions().num_parameters(0)), tg::Error);
  EXPECT_THROW(nn::Bilinear(0, 3, 4), tg::Error);
}

}  // namespace
