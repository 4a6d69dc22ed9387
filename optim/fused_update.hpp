#pragma once
// What the fused optimizer steps share: one pass over each parameter's contiguous buffers, element by
// element, instead of one pass per tensor op (SGD with momentum made 5, Adam 12).
// The element loops live in each optimizer as plain functions of scalars: GCC vectorizes those, whereas
// a lambda handed to a generic OpenMP loop left its captures in memory and most of the loop scalar.
#include <cstdint>
#include <string>
#include <string_view>

#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>
#include <tapegrad/optim/optimizer.hpp>

namespace tg::optim::fused {

/// The state buffer `name` as a contiguous tensor of the parameter's shape and dtype (load_state_dict
/// checks shape and dtype; a non-contiguous buffer is replaced by a contiguous copy).
inline Tensor contiguous_buffer(ParamState& state, const std::string& name, const Tensor& param,
                                std::string_view optimizer) {
  Tensor& buffer = state.at(name);
  check(buffer.sizes() == param.sizes() && buffer.dtype() == param.dtype(), optimizer, "state '", name,
        "' has shape ", buffer.sizes(), " (", buffer.dtype(), ") but its parameter has ", param.sizes(), " (",
        param.dtype(), ")");
  if (!buffer.is_contiguous()) buffer = buffer.contiguous();
  return buffer;
}

/// Runs update(T* param, const T* grad) on contiguous data and writes the result back to `param` when
/// it is not contiguous itself; bumps the parameter's version.
template <class Update>
void update_parameter(const Tensor& param, std::string_view optimizer, Update update) {
  const Tensor grad = param.grad();
  check(grad.sizes() == param.sizes() && grad.dtype() == param.dtype(), optimizer, "the gradient of shape ",
        grad.sizes(), " (", grad.dtype(), ") does not match its parameter's ", param.sizes(), " (",
        param.dtype(), ")");
  const Tensor data = param.is_contiguous() ? param : param.contiguous();
  const Tensor g = grad.contiguous();
  kernels::dispatch_floating(optimizer, param.dtype(),
                             [&]<class T>() { update(data.data_ptr<T>(), g.data_ptr<T>()); });
  if (data.is_same(param))
    tg::detail::impl_of(param)->storage->bump_version();
  else
    param.copy_(data);
}

}  // namespace tg::optim::fused
