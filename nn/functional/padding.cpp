#include <tapegrad/autograd/ops/padding.hpp>
#include <tapegrad/nn/functional/padding.hpp>

namespace tg::nn::functional {

Tensor pad(const Tensor& input, const PadFuncOptions& options) {
  const std::string_view mode = std::visit([](auto kind) { return enum_name(kind); }, options.mode());
  if (mode == "constant") return tg::constant_pad_nd(input, options.pad(), options.value());
  return tg::pad(input, options.pad(), mode);
}

}  // namespace tg::nn::functional
