#include <cmath>

#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/einsum.hpp>
#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/linear.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/linear.hpp>

namespace tg::nn {

LinearImpl::LinearImpl(const LinearOptions& options) : options(options) {
  check(options.in_features() >= 0 && options.out_features() >= 0, "Linear",
        "feature counts must be non-negative, got ", options.in_features(), " and ", options.out_features());
  reset();
}

void LinearImpl::reset() {
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  bias = options.bias() ? register_parameter("bias", empty({options.out_features()})) : Tensor();
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound =
        options.in_features() > 0 ? 1.0 / std::sqrt(static_cast<double>(options.in_features())) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return linear(input, weight, bias); }

void LinearImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Linear(in_features=" << options.in_features()
      << ", out_features=" << options.out_features() << ", bias=" << (options.bias() ? "true" : "false")
      << ")";
}

BilinearImpl::BilinearImpl(const BilinearOptions& options) : options(options) {
  check(options.in1_features() > 0 && options.in2_features() > 0 && options.out_features() >= 0, "Bilinear",
        "feature counts must be positive, got ", options.in1_features(), ", ", options.in2_features(),
        " and ", options.out_features());
  reset();
}

void BilinearImpl::reset() {
  weight = register_parameter(
      "weight", empty({options.out_features(), options.in1_features(), options.in2_features()}));
  bias = options.bias() ? register_parameter("bias", empty({options.out_features()})) : Tensor();
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.in1_features()));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::bilinear(input1, input2, weight, bias);
}

void BilinearImpl::pretty_print(std::ostream& out) const {
  out << "torch::nn::Bilinear(in1_features=" << options.in1_features()
      << ", in2_features=" << options.in2_features() << ", out_features=" << options.out_features()
      << ", bias=" << (options.bias() ? "true" : "false") << ")";
}

namespace functional {
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias) {
  for (const Tensor* t : {&input1, &input2, &weight}) tg::detail::check_defined("bilinear", "input", *t);
  check(weight.dim() == 3, "bilinear", "weight must be 3-D [out, in1, in2], got shape ", weight.sizes());
  check(input1.dim() >= 1 && input2.dim() >= 1 && input1.size(-1) == weight.size(1) &&
            input2.size(-1) == weight.size(2),
        "bilinear", "input1 of shape ", input1.sizes(), " and input2 of shape ", input2.sizes(),
        " must end with weight's in1 and in2 sizes ", weight.size(1), " and ", weight.size(2));
  check(Shape(input1.sizes().begin(), input1.sizes().end() - 1) ==
            Shape(input2.sizes().begin(), input2.sizes().end() - 1),
        "bilinear", "input1 of shape ", input1.sizes(), " and input2 of shape ", input2.sizes(),
        " must have the same leading dims");
  Shape out_sizes(input1.sizes().begin(), input1.sizes().end() - 1);
  out_sizes.push_back(weight.size(0));
  Tensor y = einsum("ni,oij,nj->no",
                    {input1.reshape({-1, weight.size(1)}), weight, input2.reshape({-1, weight.size(2)})});
  if (bias.defined()) y = y + bias;
  return y.reshape(out_sizes);
}
}  // namespace functional

}  // namespace tg::nn
