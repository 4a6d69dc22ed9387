// Conventions of the element-wise ops and activations that gradcheck and the PyTorch fixtures do not
// reach: gradients at the special points (0^0, ties, corners, outside a domain), rounding ties,
// remainder signs, the in-place activations and the method forms. Expected values are PyTorch 1.13's.
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

tg::Tensor leaf(std::initializer_list<double> values) {
  return tg::tensor(values, tg::kFloat64).requires_grad_();
}

std::vector<double> values(const tg::Tensor& t) { return t.to_vector<double>(); }

// The gradient of sum(out) with respect to `input`.
std::vector<double> grad_of_sum(const tg::Tensor& out, const tg::Tensor& input) {
  out.sum().backward();
  return values(input.grad());
}

TEST(PowTensor, GradientsAtZeroFollowPyTorch) {
  tg::Tensor base = leaf({0.0, 0.0, 2.0, -1.0});
  tg::Tensor exponent = leaf({2.0, 0.0, 0.5, 0.0});
  tg::Tensor out = tg::pow(base, exponent);
  EXPECT_THAT(values(out), ElementsAre(0.0, 1.0, std::sqrt(2.0), 1.0));
  out.sum().backward();
  // d/dbase is 0 where the exponent is 0; d/dexponent is 0 where the base is 0 (exponent >= 0) and
  // NaN for a negative base (log of a negative number).
  EXPECT_THAT(values(base.grad()), ElementsAre(0.0, 0.0, ::testing::DoubleEq(0.5 / std::sqrt(2.0)), 0.0));
  const std::vector<double> exponent_grad = values(exponent.grad());
  EXPECT_EQ(exponent_grad[0], 0.0);
  EXPECT_EQ(exponent_grad[1], 0.0);
  EXPECT_DOUBLE_EQ(exponent_grad[2], std::sqrt(2.0) * std::log(2.0));
  EXPECT_TRUE(std::isnan(exponent_grad[3]));
  EXPECT_EQ(out.grad_fn_name(), "PowBackward");
}

TEST(PowScalarBase, ZeroBaseGradientIsZeroForNonNegativeExponents) {
  tg::Tensor exponent = leaf({2.0, 0.0, -1.0});
  tg::Tensor out = tg::pow(0.0, exponent);
  EXPECT_THAT(values(out), ElementsAre(0.0, 1.0, std::numeric_limits<double>::infinity()));
  EXPECT_THAT(grad_of_sum(out, exponent), ElementsAre(0.0, 0.0, -std::numeric_limits<double>::infinity()));
}

TEST(Maximum, TiesSplitTheGradient) {
  tg::Tensor a = leaf({1.0, 2.0, 3.0});
  tg::Tensor b = leaf({2.0, 2.0, 1.0});
  tg::Tensor out = tg::maximum(a, b);
  EXPECT_THAT(values(out), ElementsAre(2.0, 2.0, 3.0));
  out.sum().backward();
  EXPECT_THAT(values(a.grad()), ElementsAre(0.0, 0.5, 1.0));
  EXPECT_THAT(values(b.grad()), ElementsAre(1.0, 0.5, 0.0));
}

TEST(Minimum, PropagatesNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  tg::Tensor out = tg::minimum(tg::tensor({nan, 1.0}, tg::kFloat64), tg::tensor({0.0, nan}, tg::kFloat64));
  EXPECT_TRUE(std::isnan(values(out)[0]));
  EXPECT_TRUE(std::isnan(values(out)[1]));
}

TEST(ClampTensor, GradientGoesToSelfAtTheBoundsAndToTheBoundBeyondThem) {
  tg::Tensor x = leaf({-1.0, 2.0, 0.5});
  tg::Tensor lo = leaf({-1.0, 0.0, 0.0});
  tg::Tensor hi = leaf({1.0, 2.0, 0.0});
  tg::Tensor out = x.clamp(lo, hi);
  EXPECT_THAT(values(out), ElementsAre(-1.0, 2.0, 0.0));
  out.sum().backward();
  EXPECT_THAT(values(x.grad()), ElementsAre(1.0, 1.0, 0.0));
  EXPECT_THAT(values(lo.grad()), ElementsAre(0.0, 0.0, 0.0));
  EXPECT_THAT(values(hi.grad()), ElementsAre(0.0, 0.0, 1.0));
}

TEST(Rounding, HalvesRoundToEvenAndGradientsAreZero) {
  tg::Tensor x = leaf({0.5, -0.5, 1.5, -1.5, 2.5});
  tg::Tensor out = tg::round(x);
  EXPECT_THAT(values(out), ElementsAre(0.0, -0.0, 2.0, -2.0, 2.0));
  EXPECT_EQ(out.grad_fn_name(), "RoundBackward");
  EXPECT_THAT(grad_of_sum(out, x), ElementsAre(0.0, 0.0, 0.0, 0.0, 0.0));
  EXPECT_THAT(values(tg::round(tg::tensor({1.25, 1234.0, -0.125}, tg::kFloat64), 1)),
              ElementsAre(1.2, 1234.0, -0.1));
  EXPECT_THAT(values(tg::round(tg::tensor({1250.0, 1351.0}, tg::kFloat64), -2)), ElementsAre(1200.0, 1400.0));
  EXPECT_EQ(tg::sign(leaf({0.0})).grad_fn_name(), "SignBackward");
  EXPECT_THAT(values(tg::frac(tg::tensor({2.25, -2.25}, tg::kFloat64))), ElementsAre(0.25, -0.25));
}

TEST(Remainder, SignFollowsTheDivisorAndFmodTheDividend) {
  tg::Tensor x = tg::tensor({5.0, -5.0, 0.0}, tg::kFloat64);
  EXPECT_THAT(values(tg::fmod(x, 3.0)), ElementsAre(2.0, -2.0, 0.0));
  EXPECT_THAT(values(tg::remainder(x, 3.0)), ElementsAre(2.0, 1.0, 0.0));
  EXPECT_THAT(values(tg::remainder(x, -3.0)), ElementsAre(-1.0, -2.0, 0.0));
  EXPECT_THAT(values(tg::remainder(-5.0, tg::tensor({3.0}, tg::kFloat64))), ElementsAre(1.0));
  tg::Tensor divisor = leaf({3.0, 3.0});
  tg::Tensor out = tg::remainder(tg::tensor({-5.0, 7.0}, tg::kFloat64), divisor);
  EXPECT_THAT(grad_of_sum(out, divisor), ElementsAre(2.0, -2.0));  // -floor(a / b)
}

TEST(HardActivations, CornersPassNoGradient) {
  tg::Tensor x = leaf({-1.0, 1.0, 0.0});
  EXPECT_THAT(grad_of_sum(tg::hardtanh(x), x), ElementsAre(0.0, 0.0, 1.0));
  tg::Tensor y = leaf({0.0, 6.0, 3.0});
  EXPECT_THAT(grad_of_sum(tg::relu6(y), y), ElementsAre(0.0, 0.0, 1.0));
  tg::Tensor z = leaf({-3.0, 3.0, 0.0});
  EXPECT_THAT(grad_of_sum(tg::hardswish(z), z), ElementsAre(-0.5, 1.5, 0.5));
}

TEST(Logit, OutsideTheUnitIntervalGivesNaNOrZeroWithEps) {
  tg::Tensor x = leaf({0.5, -0.1, 1.5});
  const std::vector<double> grad = grad_of_sum(tg::logit(x), x);
  EXPECT_DOUBLE_EQ(grad[0], 4.0);
  EXPECT_TRUE(std::isnan(grad[1]));
  EXPECT_TRUE(std::isnan(grad[2]));
  tg::Tensor clamped = leaf({0.1, 0.05, 0.5});
  tg::Tensor out = clamped.logit(0.1);
  EXPECT_DOUBLE_EQ(values(out)[1], std::log(0.1 / 0.9));
  const std::vector<double> clamped_grad = grad_of_sum(out, clamped);
  EXPECT_NEAR(clamped_grad[0], 1.0 / 0.09, 1e-12);  // the bound itself still passes the gradient
  EXPECT_EQ(clamped_grad[1], 0.0);
}

TEST(Prelu, WeightGradientSumsEachChannelsNonPositiveInputs) {
  tg::Tensor x = tg::tensor({1.0, -2.0, -3.0, 4.0, -1.0, 0.0}, {3, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor weight = leaf({0.25, 0.5});
  tg::Tensor out = x.prelu(weight);
  EXPECT_THAT(values(out), ElementsAre(1.0, -1.0, -0.75, 4.0, -0.25, 0.0));
  out.sum().backward();
  EXPECT_THAT(values(weight.grad()), ElementsAre(-4.0, -2.0));
  EXPECT_THAT(values(x.grad()), ElementsAre(1.0, 0.5, 0.25, 1.0, 0.25, 0.5));
}

TEST(Glu, HalvesAlongTheDimension) {
  tg::Tensor x = tg::tensor({1.0, 2.0, 0.0, 3.0}, {1, 4}, tg::kFloat64);
  EXPECT_THAT(values(tg::glu(x)), ElementsAre(0.5, 2.0 / (1.0 + std::exp(-3.0))));
  try {
    tg::glu(tg::zeros({2, 3}), 1);
    FAIL() << "glu accepted an odd size";
  } catch (const tg::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("glu: Halving dimension must be even, but dimension 1 is size 3"));
  }
}

TEST(InplaceActivations, WriteThroughAndRefuseTensorsThatNeedGradients) {
  tg::Tensor x = tg::tensor({-1.0, 0.0, 2.0}, tg::kFloat64);
  const auto version = x.version();
  EXPECT_TRUE(x.sigmoid_().is_same(x));
  EXPECT_GT(x.version(), version);
  EXPECT_DOUBLE_EQ(values(x)[0], 1.0 / (1.0 + std::exp(1.0)));
  EXPECT_DOUBLE_EQ(values(x)[1], 0.5);
  tg::Tensor y = tg::tensor({-1.0, 0.5}, tg::kFloat64);
  y.tanh_();
  EXPECT_DOUBLE_EQ(values(y)[1], std::tanh(0.5));
  y.relu_();
  EXPECT_THAT(values(y), ElementsAre(0.0, std::tanh(0.5)));
  // A strided view is written in place too.
  tg::Tensor matrix = tg::tensor({-1.0, -2.0, 3.0, 4.0}, {2, 2}, tg::kFloat64);
  matrix.t().relu_();
  EXPECT_THAT(values(matrix), ElementsAre(0.0, 0.0, 3.0, 4.0));

  tg::Tensor w = leaf({1.0});
  try {
    w.sigmoid_();
    FAIL() << "sigmoid_ modified a leaf that requires grad";
  } catch (const tg::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("sigmoid_: a leaf Variable that requires grad"));
  }
  {
    tg::NoGradGuard no_grad;
    w.tanh_();
  }
  EXPECT_DOUBLE_EQ(values(w)[0], std::tanh(1.0));
}

TEST(MethodForms, MatchTheFreeFunctions) {
  tg::Tensor x = tg::tensor({0.3, -0.7}, tg::kFloat64);
  tg::Tensor y = tg::tensor({1.5, 0.25}, tg::kFloat64);
  EXPECT_EQ(values(x.sin()), values(tg::sin(x)));
  EXPECT_EQ(values(x.atan2(y)), values(tg::atan2(x, y)));
  EXPECT_EQ(values(y.pow(x)), values(tg::pow(y, x)));
  EXPECT_EQ(values(x.clamp(y * -0.1, y)), values(tg::clamp(x, y * -0.1, y)));
  EXPECT_EQ(values(x.clamp_min(y)), values(tg::maximum(x, y)));
  EXPECT_EQ(values(x.lerp(y, 0.25)), values(tg::lerp(x, y, 0.25)));
  EXPECT_EQ(values(x.addcdiv(x, y, 2.0)), values(tg::addcdiv(x, x, y, 2.0)));
  EXPECT_EQ(values(y.log1p()), values(tg::log1p(y)));
  EXPECT_EQ(values(x.remainder(0.25)), values(tg::remainder(x, 0.25)));
  EXPECT_EQ(tg::elu(leaf({1.0})).grad_fn_name(), "EluBackward");
  EXPECT_EQ(tg::celu(leaf({1.0})).grad_fn_name(), "CeluBackward");
  EXPECT_EQ(tg::softplus(leaf({1.0})).grad_fn_name(), "SoftplusBackward");
}

TEST(FunctionalActivations, HaveLibtorchsNames) {
  namespace F = tg::nn::functional;
  tg::Tensor x = tg::tensor({-1.5, 0.25, 2.0}, tg::kFloat64);
  EXPECT_EQ(values(F::softsign(x)), values(tg::softsign(x)));
  EXPECT_EQ(values(F::logsigmoid(x)), values(tg::log_sigmoid(x)));
  EXPECT_EQ(values(F::mish(x)), values(tg::mish(x)));
  EXPECT_EQ(values(F::prelu(x, tg::tensor({0.1}, tg::kFloat64))),
            values(tg::prelu(x, tg::tensor({0.1}, tg::kFloat64))));
}

}  // namespace
