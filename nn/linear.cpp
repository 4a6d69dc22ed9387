#include <cmath>

#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/linear.hpp>

namespace tg::nn {

LinearImpl::LinearImpl(const LinearOptions& options) : options(options) {
  check(options.in_features >= 0 && options.out_features >= 0, "Linear",
        "feature counts must be non-negative, got ", options.in_features, " and ", options.out_features);
  weight = register_parameter("weight", empty({options.out_features, options.in_features}));
  if (options.with_bias) bias = register_parameter("bias", empty({options.out_features}));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound =
        options.in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(options.in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return linear(input, weight, bias); }

void LinearImpl::pretty_print(std::ostream& out) const {
  out << "Linear(in_features=" << options.in_features << ", out_features=" << options.out_features
      << ", bias=" << (options.with_bias ? "true" : "false") << ")";
}

}  // namespace tg::nn
