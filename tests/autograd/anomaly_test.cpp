// Anomaly detection: NaN/Inf in forward or backward throw tg::autograd::AnomalyError (a tg::Error) naming the
// op, the phase and where the op was recorded; off by default and without effect on results when nothing is
// wrong.
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using tg::Tensor;
using tg::autograd::AnomalyMode;
using tg::autograd::AnomalyScope;
using tg::autograd::DetectAnomalyGuard;

using tg::testing::error_message;

Tensor f64(std::initializer_list<double> v, tg::IntArrayRef sizes, bool requires_grad = true) {
  return tg::tensor(v, sizes, tg::dtype(tg::kFloat64).requires_grad(requires_grad));
}

TEST(Anomaly, OffByDefaultAndTheGuardRestoresThePreviousSetting) {
  EXPECT_FALSE(AnomalyMode::is_enabled());
  {
    DetectAnomalyGuard outer;
    EXPECT_TRUE(AnomalyMode::is_enabled());
    {
      DetectAnomalyGuard inner;
      EXPECT_TRUE(AnomalyMode::is_enabled());
    }
    EXPECT_TRUE(AnomalyMode::is_enabled());
  }
  EXPECT_FALSE(AnomalyMode::is_enabled());
}

TEST(Anomaly, WithoutDetectionANanGradientPassesSilently) {
  Tensor x = f64({0.0, 1.0, 4.0}, {3});
  tg::sqrt(x).sum().backward();
  EXPECT_TRUE(std::isinf(x.grad().to_vector<double>()[0]));
}

// The model is finite in forward (sqrt(0) = 0) and breaks only in backward (d sqrt/dx = inf at 0).
TEST(Anomaly, NanOnlyInBackwardNamesTheBackwardNodeAndWhereItWasRecorded) {
  DetectAnomalyGuard anomaly;
  tg::manual_seed(0);
  tg::nn::Linear layer(3, 2);
  Tensor input = f64({1.0, 2.0, 3.0}, {1, 3}, false).to(tg::kFloat32);
  Tensor hidden = tg::relu(layer(input) * 0.0f);  // exactly zero
  Tensor loss;
  {
    AnomalyScope scope("head");
    loss = tg::sqrt(hidden).sum();
  }
  EXPECT_EQ(loss.item<double>(), 0.0);
  const std::string message = error_message([&] { loss.backward(); });
  EXPECT_THAT(message, AllOf(HasSubstr("detect_anomaly: backward of SqrtBackward"), HasSubstr("inf"),
                             HasSubstr("gradient for input 0 (shape [1, 2], float32)"),
                             HasSubstr("in scope \"head\""), HasSubstr("ReluBackward <- MulBackward")));
}

TEST(Anomaly, LogOfZeroInBackwardOfAProductNamesLog) {
  DetectAnomalyGuard anomaly;
  Tensor x = f64({1.0, 2.0}, {2});
  Tensor zero = f64({0.0, 3.0}, {2});
  // log(zero) is -inf in forward: caught there, at Log, before backward ever runs.
  const std::string message = error_message([&] { (tg::log(zero) * x).sum(); });
  EXPECT_THAT(message, AllOf(HasSubstr("detect_anomaly: forward of Log produced -inf in output 0"),
                             HasSubstr("at flat index 0"), HasSubstr("all its inputs were finite"),
                             HasSubstr("outside any AnomalyScope")));
}

TEST(Anomaly, ForwardNanFromTheFirstOpThatMakesIt) {
  DetectAnomalyGuard anomaly;
  Tensor x = f64({4.0, -1.0}, {2});
  Tensor y = x * 2.0;
  AnomalyScope scope("encoder");
  AnomalyScope nested("layer1");
  const std::string message = error_message([&] { tg::sqrt(y); });
  EXPECT_THAT(message,
              AllOf(HasSubstr("forward of Sqrt produced nan"), HasSubstr("at flat index 1"),
                    HasSubstr("in scope \"encoder/layer1\""), HasSubstr("[2] float64 from MulBackward")));
}

TEST(Anomaly, ForwardChecksOpsThatDoNotRecordToo) {
  DetectAnomalyGuard anomaly;
  tg::NoGradGuard no_grad;
  Tensor big = f64({1e300}, {1}, false);
  EXPECT_THAT(error_message([&] { big* big; }), HasSubstr("forward of Mul produced inf"));
  EXPECT_THAT(error_message([&] { tg::log(f64({-1.0}, {1}, false)); }), HasSubstr("forward of Log"));
}

TEST(Anomaly, SequentialLabelsItsChildren) {
  DetectAnomalyGuard anomaly;
  tg::manual_seed(1);
  auto net = tg::nn::Sequential();
  net->push_back("fc", tg::nn::Linear(2, 2));
  net->push_back("act", tg::nn::ReLU());
  AnomalyScope scope("model");
  Tensor nan_input = tg::full({1, 2}, std::numeric_limits<float>::quiet_NaN());
  // The NaN enters the first op of the first child: the message names the model path to it.
  EXPECT_THAT(error_message([&] { net->forward(nan_input); }),
              AllOf(HasSubstr("forward of Linear produced nan"), HasSubstr("in scope \"model/fc:Linear\""),
                    HasSubstr("an input was already non-finite")));
}

struct ThrowsInBackward : tg::autograd::Function<ThrowsInBackward> {
  static Tensor forward(tg::autograd::AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tg::tensor_list backward(tg::autograd::AutogradContext*, tg::tensor_list) {
    throw tg::Error("ThrowsInBackward: deliberate failure");
  }
};

TEST(Anomaly, ErrorsRaisedInBackwardGetWhereTheOpWasRecorded) {
  Tensor x = f64({1.0}, {1});
  {
    Tensor y = ThrowsInBackward::apply(x).sum();
    EXPECT_THAT(error_message([&] { y.backward(); }), Not(HasSubstr("detect_anomaly")));
  }
  DetectAnomalyGuard anomaly;
  AnomalyScope scope("custom");
  Tensor y = ThrowsInBackward::apply(x).sum();
  EXPECT_THAT(error_message([&] { y.backward(); }),
              AllOf(HasSubstr("deliberate failure"), HasSubstr("ThrowsInBackwardBackward"),
                    HasSubstr("in scope \"custom\"")));
}

struct MakesNan : tg::autograd::Function<MakesNan> {
  static Tensor forward(tg::autograd::AutogradContext*, const Tensor& x) { return x * 0.0 / 0.0; }
  static tg::tensor_list backward(tg::autograd::AutogradContext*, tg::tensor_list g) { return {g[0]}; }
};

TEST(Anomaly, CustomFunctionForwardIsChecked) {
  DetectAnomalyGuard anomaly;
  Tensor x = f64({1.0}, {1});
  EXPECT_THAT(error_message([&] { MakesNan::apply(x); }),
              AllOf(HasSubstr("forward of"), HasSubstr("MakesNan")));
}

TEST(Anomaly, NodesRecordedBeforeTheGuardAreReportedAsSuch) {
  Tensor x = f64({0.0}, {1});
  Tensor y = tg::sqrt(x).sum();
  DetectAnomalyGuard anomaly;
  EXPECT_THAT(error_message([&] { y.backward(); }),
              AllOf(HasSubstr("backward of SqrtBackward"), HasSubstr("recorded before anomaly detection")));
}

// What a call throws: "anomaly", "error" (another tg::Error) or "none".
template <class F>
std::string thrown_kind(F f) {
  try {
    f();
  } catch (const tg::autograd::AnomalyError&) {
    return "anomaly";
  } catch (const tg::Error&) {
    return "error";
  }
  return "none";
}

TEST(Anomaly, NonFiniteValuesThrowAnomalyErrorATgError) {
  DetectAnomalyGuard anomaly;
  Tensor zero = f64({0.0}, {1});
  EXPECT_EQ(thrown_kind([&] { tg::log(zero); }), "anomaly");  // forward
  EXPECT_THROW(tg::log(zero), tg::Error);                     // existing catch sites still catch it
  Tensor y = tg::sqrt(zero).sum();
  EXPECT_EQ(thrown_kind([&] { y.backward(); }), "anomaly");  // backward
}

TEST(Anomaly, OtherErrorsInBackwardStayPlainErrors) {
  DetectAnomalyGuard anomaly;
  Tensor y = ThrowsInBackward::apply(f64({1.0}, {1})).sum();
  EXPECT_EQ(thrown_kind([&] { y.backward(); }), "error");
  Tensor x = f64({1.0, 2.0}, {2});
  EXPECT_EQ(thrown_kind([&] { (x * 2.0).backward(); }), "error");  // not a scalar: no implicit gradient
}

// A backward that runs a backward of its own: the inner anomaly reaches the caller as it was raised,
// not wrapped again with the outer node's context.
struct GradOfSqrtAtZeroInBackward : tg::autograd::Function<GradOfSqrtAtZeroInBackward> {
  static Tensor forward(tg::autograd::AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tg::tensor_list backward(tg::autograd::AutogradContext*, tg::tensor_list g) {
    tg::AutoGradMode grad_on(true);  // backward runs with grad mode off unless create_graph
    Tensor zero = f64({0.0}, {1});
    tg::autograd::grad({tg::sqrt(zero).sum()}, {zero});
    return {g[0]};
  }
};

TEST(Anomaly, AnAnomalyInANestedBackwardIsNotWrappedAgain) {
  DetectAnomalyGuard anomaly;
  Tensor y = GradOfSqrtAtZeroInBackward::apply(f64({1.0}, {1})).sum();
  std::string message;
  try {
    y.backward();
  } catch (const tg::autograd::AnomalyError& error) {
    message = error.what();
  }
  EXPECT_THAT(message, AllOf(HasSubstr("detect_anomaly: backward of SqrtBackward"),
                             Not(HasSubstr("raised in backward of"))));
}

TEST(Anomaly, DoesNotChangeValuesOrGradients) {
  auto run = [](bool detect) {
    tg::manual_seed(3);
    auto net = tg::nn::MLP(4, {8}, 3, "gelu");
    Tensor x = tg::randn({5, 4});
    Tensor target = tg::tensor({0, 1, 2, 1, 0}, {5}, tg::kInt64);
    std::optional<DetectAnomalyGuard> guard;
    if (detect) guard.emplace();
    Tensor loss = tg::cross_entropy(net->forward(x), target);
    loss.backward();
    std::vector<double> all = loss.to_vector<double>();
    for (const Tensor& p : net->parameters())
      for (double g : p.grad().to_vector<double>()) all.push_back(g);
    return all;
  };
  EXPECT_EQ(run(false), run(true));
}

}  // namespace
