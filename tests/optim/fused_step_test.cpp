// The fused optimizer steps (one pass per parameter) on what the PyTorch fixtures do not cover: parameters
// large enough for the parallel path, float32, and non-contiguous parameters. The reference is PyTorch
// 1.13's update written out element by element in double.
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using namespace tg::optim;
using tg::Tensor;

struct Hyper {
  double lr = 0.05, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.99, eps = 1e-8;
  bool amsgrad = false;
};

enum class Kind { Sgd, Adam, AdamW };

// PyTorch's _single_tensor_sgd / _single_tensor_adam / _single_tensor_adamw for one element over `grads`.
double reference(Kind kind, const Hyper& h, double p, const std::vector<double>& grads) {
  double buf = 0, m = 0, v = 0, v_max = 0;
  for (std::size_t step = 1; step <= grads.size(); ++step) {
    double g = grads[step - 1];
    if (kind == Kind::Sgd) {
      if (h.weight_decay != 0) g += h.weight_decay * p;
      if (h.momentum != 0) {
        buf = step == 1 ? g : h.momentum * buf + (1 - h.dampening) * g;
        g = h.nesterov ? g + h.momentum * buf : buf;
      }
      p -= h.lr * g;
      continue;
    }
    if (kind == Kind::AdamW) p *= 1 - h.lr * h.weight_decay;
    if (kind == Kind::Adam && h.weight_decay != 0) g += h.weight_decay * p;
    m = h.beta1 * m + (1 - h.beta1) * g;
    v = h.beta2 * v + (1 - h.beta2) * g * g;
    v_max = std::max(v_max, v);
    const double bias_correction1 = 1 - std::pow(h.beta1, static_cast<double>(step));
    const double bias_correction2 = 1 - std::pow(h.beta2, static_cast<double>(step));
    const double denom = std::sqrt(h.amsgrad ? v_max : v) / std::sqrt(bias_correction2) + h.eps;
    p -= h.lr / bias_correction1 * m / denom;
  }
  return p;
}

std::unique_ptr<Optimizer> make(Kind kind, const Hyper& h, const Tensor& param) {
  if (kind == Kind::Sgd)
    return std::make_unique<SGD>(tg::tensor_list{param}, SGDOptions(h.lr)
                                                             .momentum(h.momentum)
                                                             .dampening(h.dampening)
                                                             .weight_decay(h.weight_decay)
                                                             .nesterov(h.nesterov));
  if (kind == Kind::Adam)
    return std::make_unique<Adam>(tg::tensor_list{param}, AdamOptions(h.lr)
                                                              .betas({h.beta1, h.beta2})
                                                              .eps(h.eps)
                                                              .weight_decay(h.weight_decay)
                                                              .amsgrad(h.amsgrad));
  return std::make_unique<AdamW>(tg::tensor_list{param}, AdamWOptions(h.lr)
                                                             .betas({h.beta1, h.beta2})
                                                             .eps(h.eps)
                                                             .weight_decay(h.weight_decay)
                                                             .amsgrad(h.amsgrad));
}

struct Case {
  std::string name;
  Kind kind;
  Hyper hyper;
};

std::vector<Case> cases() {
  return {
      {"sgd_plain", Kind::Sgd, {.lr = 0.1}},
      {"sgd_momentum_dampening", Kind::Sgd, {.momentum = 0.9, .dampening = 0.2, .weight_decay = 0.01}},
      {"sgd_nesterov", Kind::Sgd, {.momentum = 0.9, .weight_decay = 0.01, .nesterov = true}},
      {"adam", Kind::Adam, {.lr = 0.02, .weight_decay = 0.01}},
      {"adam_amsgrad", Kind::Adam, {.lr = 0.02, .amsgrad = true}},
      {"adamw_amsgrad", Kind::AdamW, {.lr = 0.02, .weight_decay = 0.1, .amsgrad = true}},
  };
}

constexpr int kSteps = 4;

// Runs kSteps steps on `param` (whose values are `initial`) with gradients grads[step] and compares every
// element with the reference.
void check_against_reference(const Case& c, const Tensor& param, const Tensor& initial,
                             const std::vector<Tensor>& grads, double tolerance) {
  const auto start = initial.to(tg::kFloat64).to_vector<double>();  // before the steps: it may be param
  auto optimizer = make(c.kind, c.hyper, param);
  for (const Tensor& grad : grads) {
    param.mutable_grad() = grad;
    optimizer->step();
  }
  std::vector<std::vector<double>> grad_values;
  for (const Tensor& grad : grads)
    grad_values.push_back(grad.contiguous().to(tg::kFloat64).to_vector<double>());
  const auto actual = param.contiguous().to(tg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < start.size(); ++i) {
    std::vector<double> element_grads;
    for (const auto& values : grad_values) element_grads.push_back(values[i]);
    const double expected = reference(c.kind, c.hyper, start[i], element_grads);
    ASSERT_NEAR(actual[i], expected, tolerance * (1 + std::abs(expected))) << "element " << i;
  }
}

TEST(FusedStep, LargeParametersMatchTheReference) {
  for (const tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    for (const Case& c : cases()) {
      SCOPED_TRACE(c.name + (dtype == tg::kFloat64 ? " float64" : " float32"));
      tg::manual_seed(7);
      // 200 x 250 = 50,000 elements: above the parallel threshold.
      const Tensor initial = tg::randn({200, 250}, tg::kFloat64);
      const Tensor param = initial.to(dtype).detach().requires_grad_();
      std::vector<Tensor> grads;
      for (int step = 0; step < kSteps; ++step) grads.push_back(tg::randn({200, 250}, dtype));
      check_against_reference(c, param, initial.to(dtype), grads, dtype == tg::kFloat64 ? 1e-13 : 1e-5);
    }
  }
}

TEST(FusedStep, NonContiguousParametersAndGradients) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    tg::manual_seed(8);
    // A transposed leaf: the step works on a contiguous copy and writes it back through the strides.
    const Tensor base = tg::randn({6, 5}, tg::kFloat64);
    const Tensor param = base.t().detach().requires_grad_();
    ASSERT_FALSE(param.is_contiguous());
    std::vector<Tensor> grads;
    for (int step = 0; step < kSteps; ++step) grads.push_back(tg::randn({6, 5}, tg::kFloat64).t());
    check_against_reference(c, param, base.t().contiguous(), grads, 1e-13);
    // The base storage holds the updated values too (the view was written, not replaced).
    EXPECT_TRUE(base.t().contiguous().to_vector<double>() == param.contiguous().to_vector<double>());
  }
}

}  // namespace
