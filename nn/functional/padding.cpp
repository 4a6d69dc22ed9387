#include <optional>

#include <tapegrad/autograd/ops/padding.hpp>
#include <tapegrad/nn/functional/padding.hpp>

namespace tg::nn::functional {

Tensor pad(const Tensor& input, const PadFuncOptions& options) {
  const std::string_view mode = std::visit([](auto kind) { return enum_name(kind); }, options.mode());
  // As libtorch: a value of 0 counts as no value, so only a nonzero value with another mode is an error.
  std::optional<double> fill;
  if (options.value() != 0.0) fill = options.value();
  return tg::pad(input, options.pad(), mode, fill);
}

}  // namespace tg::nn::functional
