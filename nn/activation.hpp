#pragma once
// Activation layers: thin modules over the activation ops.
#include <string>

#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>

namespace tg::nn {

class ReLUImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "ReLU()"; }
};

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  double negative_slope;
};

class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "Sigmoid()"; }
};

class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "Tanh()"; }
};

class GELUImpl : public Module {
 public:
  /// approximate: "none" (exact, erf) or "tanh".
  explicit GELUImpl(std::string approximate = "none");
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  std::string approximate;
};

class SiLUImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override { out << "SiLU()"; }
};

class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(std::int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  std::int64_t dim;
};

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(std::int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& out) const override;
  std::int64_t dim;
};

using ReLU = ModuleHolder<ReLUImpl>;
using LeakyReLU = ModuleHolder<LeakyReLUImpl>;
using Sigmoid = ModuleHolder<SigmoidImpl>;
using Tanh = ModuleHolder<TanhImpl>;
using GELU = ModuleHolder<GELUImpl>;
using SiLU = ModuleHolder<SiLUImpl>;
using Softmax = ModuleHolder<SoftmaxImpl>;
using LogSoftmax = ModuleHolder<LogSoftmaxImpl>;

}  // namespace tg::nn
