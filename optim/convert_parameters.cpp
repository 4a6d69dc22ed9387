#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/optim/convert_parameters.hpp>

namespace tg::nn::utils {

Tensor parameters_to_vector(const tensor_list& parameters) {
  check(!parameters.empty(), "parameters_to_vector", "got an empty parameter list");
  tensor_list flat;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    check(parameters[i].defined(), "parameters_to_vector", "parameter ", i, " is undefined");
    flat.push_back(parameters[i].reshape({-1}));
  }
  return cat(flat);
}

void vector_to_parameters(const Tensor& vec, const tensor_list& parameters) {
  check(vec.defined(), "vector_to_parameters", "the vector is undefined");
  check(vec.dim() == 1, "vector_to_parameters", "expected a 1-d vector, got shape ", vec.sizes());
  std::int64_t total = 0;
  for (const Tensor& param : parameters) total += param.numel();
  check(vec.numel() == total, "vector_to_parameters", "the vector has ", vec.numel(),
        " elements but the parameters have ", total);
  NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const Tensor& param : parameters) {
    const std::int64_t count = param.numel();
    param.copy_(vec.slice(0, offset, offset + count).reshape(param.sizes()));
    offset += count;
  }
}

}  // namespace tg::nn::utils
