#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/softmax.hpp>
#include <tapegrad/nn/activation.hpp>

namespace tg::nn {

Tensor ReLUImpl::forward(const Tensor& input) { return relu(input); }
Tensor LeakyReLUImpl::forward(const Tensor& input) { return leaky_relu(input, negative_slope); }
void LeakyReLUImpl::pretty_print(std::ostream& out) const {
  out << "LeakyReLU(negative_slope=" << negative_slope << ")";
}
Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }

GELUImpl::GELUImpl(std::string approximate) : approximate(std::move(approximate)) {
  check(this->approximate == "none" || this->approximate == "tanh", "GELU",
        "approximate must be \"none\" or \"tanh\", got \"", this->approximate, "\"");
}
Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, approximate); }
void GELUImpl::pretty_print(std::ostream& out) const { out << "GELU(approximate=" << approximate << ")"; }

Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, dim); }
void SoftmaxImpl::pretty_print(std::ostream& out) const { out << "Softmax(dim=" << dim << ")"; }
Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, dim); }
void LogSoftmaxImpl::pretty_print(std::ostream& out) const { out << "LogSoftmax(dim=" << dim << ")"; }

}  // namespace tg::nn
