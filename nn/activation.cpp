#include <ios>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/comparison.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/activation.hpp>
#include <tapegrad/nn/functional/activation.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn {
namespace F = functional;
namespace {
// libtorch prints ", inplace=true" only when set (its first option drops the comma).
void print_inplace(std::ostream& out, bool inplace, bool first) {
  if (inplace) out << (first ? "" : ", ") << "inplace=true";
}
}  // namespace

ReLUImpl::ReLUImpl(const ReLUOptions& options) : ActivationImpl(options) {}
Tensor ReLUImpl::forward(const Tensor& input) { return F::relu(input, options); }
void ReLUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::ReLU(";
  print_inplace(out, options.inplace(), true);
  out << ")";
}

ReLU6Impl::ReLU6Impl(const ReLU6Options& options) : ActivationImpl(options) {}
Tensor ReLU6Impl::forward(const Tensor& input) { return F::relu6(input, options); }
void ReLU6Impl::pretty_print(std::ostream& out) const {
  out << "torch::nn::ReLU6(";
  print_inplace(out, options.inplace(), true);
  out << ")";
}

SELUImpl::SELUImpl(const SELUOptions& options) : ActivationImpl(options) {}
Tensor SELUImpl::forward(const Tensor& input) { return F::selu(input, options); }
void SELUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::SELU(";
  print_inplace(out, options.inplace(), true);
  out << ")";
}

ELUImpl::ELUImpl(const ELUOptions& options) : ActivationImpl(options) {}
Tensor ELUImpl::forward(const Tensor& input) { return F::elu(input, options); }
void ELUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::ELU(alpha=" << options.alpha();
  print_inplace(out, options.inplace(), false);
  out << ")";
}

CELUImpl::CELUImpl(const CELUOptions& options) : ActivationImpl(options) {}
Tensor CELUImpl::forward(const Tensor& input) { return F::celu(input, options); }
void CELUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::CELU(alpha=" << options.alpha();
  print_inplace(out, options.inplace(), false);
  out << ")";
}

HardtanhImpl::HardtanhImpl(const HardtanhOptions& options) : ActivationImpl(options) {
  check(options.max_val() > options.min_val(), "Hardtanh", "max_val (", options.max_val(),
        ") must be greater than min_val (", options.min_val(), ")");
}
Tensor HardtanhImpl::forward(const Tensor& input) { return F::hardtanh(input, options); }
void HardtanhImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Hardtanh(min_val=" << options.min_val() << ", max_val=" << options.max_val();
  print_inplace(out, options.inplace(), false);
  out << ")";
}

SoftplusImpl::SoftplusImpl(const SoftplusOptions& options) : ActivationImpl(options) {}
Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }
void SoftplusImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Softplus(beta=" << options.beta() << ", threshold=" << options.threshold() << ")";
}

GLUImpl::GLUImpl(const GLUOptions& options) : ActivationImpl(options) {}
Tensor GLUImpl::forward(const Tensor& input) { return F::glu(input, options); }
void GLUImpl::pretty_print(std::ostream& out) const { out << "torch::nn::GLU(dim=" << options.dim() << ")"; }

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions& options) : ActivationImpl(options) {}
Tensor SoftmaxImpl::forward(const Tensor& input) { return F::softmax(input, options); }
void SoftmaxImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Softmax(dim=" << options.dim() << ")";
}

SoftminImpl::SoftminImpl(const SoftminOptions& options) : ActivationImpl(options) {}
Tensor SoftminImpl::forward(const Tensor& input) { return F::softmin(input, options); }
void SoftminImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Softmin(dim=" << options.dim() << ")";
}

LogSoftmaxImpl::LogSoftmaxImpl(const LogSoftmaxOptions& options) : ActivationImpl(options) {}
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return F::log_softmax(input, options); }
void LogSoftmaxImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::LogSoftmax(dim=" << options.dim() << ")";
}

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& options) : ActivationImpl(options) {}
Tensor LeakyReLUImpl::forward(const Tensor& input) { return F::leaky_relu(input, options); }
void LeakyReLUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::LeakyReLU(negative_slope=" << options.negative_slope();
  print_inplace(out, options.inplace(), false);
  out << ")";
}

GELUImpl::GELUImpl(GELUOptions options) : ActivationImpl(options) {
  check(options.approximate() == "none" || options.approximate() == "tanh", "GELU",
        "approximate must be \"none\" or \"tanh\", got \"", options.approximate(), "\"");
}
Tensor GELUImpl::forward(const Tensor& input) { return F::gelu(input, options); }
// libtorch 1.13 prints no options for GELU.
void GELUImpl::pretty_print(std::ostream& out) const { out << "torch::nn::GELU()"; }

ThresholdImpl::ThresholdImpl(const ThresholdOptions& options) : ActivationImpl(options) {}
Tensor ThresholdImpl::forward(const Tensor& input) { return F::threshold(input, options); }
void ThresholdImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Threshold(threshold=" << options.threshold() << ", value=" << options.value();
  print_inplace(out, options.inplace(), false);
  out << ")";
}

PReLUImpl::PReLUImpl(const PReLUOptions& options) : options(options) {
  check(options.num_parameters() >= 1, "PReLU", "num_parameters must be at least 1, got ",
        options.num_parameters());
  reset();
}
void PReLUImpl::reset() {
  weight = register_parameter("weight", full({options.num_parameters()}, options.init()));
}
Tensor PReLUImpl::forward(const Tensor& input) { return prelu(input, weight); }
void PReLUImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::PReLU(num_parameters=" << options.num_parameters() << ")";
}

Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
Tensor MishImpl::forward(const Tensor& input) { return mish(input); }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return log_sigmoid(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return softsign(input); }
Tensor HardswishImpl::forward(const Tensor& input) { return hardswish(input); }
Tensor HardsigmoidImpl::forward(const Tensor& input) { return hardsigmoid(input); }

namespace functional {
Tensor threshold(const Tensor& input, const ThresholdFuncOptions& options) {
  Tensor result = tg::where(input > options.threshold(), input, Scalar(options.value()));
  return detail::maybe_inplace(input, std::move(result), options.inplace());
}
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options) {
  return tg::softmax(-input, options.dim());
}
}  // namespace functional

}  // namespace tg::nn
