#include <cctype>
#include <cmath>
#include <span>
#include <string>

#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/conv.hpp>
#include <tapegrad/nn/functional/conv.hpp>
#include <tapegrad/nn/functional/padding.hpp>
#include <tapegrad/nn/init.hpp>

namespace tg::nn {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// libtorch prints a 1-array as its value and longer ones as a list: "3" for D = 1, "[3, 3]" for D = 2.
template <std::size_t D>
std::string printed(const ExpandingArray<D>& values) {
  if (D == 1) return std::to_string((*values)[0]);
  std::string out = "[";
  for (std::size_t i = 0; i < D; ++i) {
    if (i > 0) out += ", ";
    out += std::to_string((*values)[i]);
  }
  return out + "]";
}

template <std::size_t D>
IntArrayRef ref(const ExpandingArray<D>& values) {
  return IntArrayRef(std::span<const std::int64_t>(*values));
}

template <std::size_t D>
bool all_equal(const ExpandingArray<D>& values, std::int64_t value) {
  for (std::int64_t v : *values)
    if (v != value) return false;
  return true;
}

std::string_view padding_mode_name(const conv_padding_mode_t& mode) {
  return std::visit([](auto m) { return enum_name(m); }, mode);
}

template <std::size_t D>
std::string module_name(bool transposed) {
  return std::string(transposed ? "ConvTranspose" : "Conv") + std::to_string(D) + "d";
}

template <std::size_t D>
ConvNdOptions<D> nd_options(const ConvOptions<D>& o) {
  return ConvNdOptions<D>(o.in_channels(), o.out_channels(), o.kernel_size())
      .stride(o.stride())
      .padding(o.padding())
      .dilation(o.dilation())
      .groups(o.groups())
      .bias(o.bias())
      .padding_mode(o.padding_mode());
}

template <std::size_t D>
ConvNdOptions<D> nd_options(const ConvTransposeOptions<D>& o) {
  return ConvNdOptions<D>(o.in_channels(), o.out_channels(), o.kernel_size())
      .stride(o.stride())
      .padding(o.padding())
      .dilation(o.dilation())
      .transposed(true)
      .output_padding(o.output_padding())
      .groups(o.groups())
      .bias(o.bias())
      .padding_mode(o.padding_mode());
}

template <std::size_t D>
Tensor conv_nd(const Tensor& input, const Tensor& weight, const Tensor& bias, const ExpandingArray<D>& stride,
               const conv_padding_t<D>& padding, const ExpandingArray<D>& dilation, std::int64_t groups) {
  const auto call = [&](auto&& padding_argument) {
    if constexpr (D == 1)
      return tg::conv1d(input, weight, bias, ref(stride), padding_argument, ref(dilation), groups);
    else if constexpr (D == 2)
      return tg::conv2d(input, weight, bias, ref(stride), padding_argument, ref(dilation), groups);
    else
      return tg::conv3d(input, weight, bias, ref(stride), padding_argument, ref(dilation), groups);
  };
  return std::visit(Overloaded{[&](enumtype::kValid) { return call(std::string_view("valid")); },
                               [&](enumtype::kSame) { return call(std::string_view("same")); },
                               [&](const ExpandingArray<D>& pad) { return call(ref(pad)); }},
                    padding);
}

template <std::size_t D>
Tensor conv_transpose_nd(const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const ExpandingArray<D>& stride, const ExpandingArray<D>& padding,
                         IntArrayRef output_padding, std::int64_t groups, const ExpandingArray<D>& dilation) {
  if constexpr (D == 1)
    return tg::conv_transpose1d(input, weight, bias, ref(stride), ref(padding), output_padding, groups,
                                ref(dilation));
  else if constexpr (D == 2)
    return tg::conv_transpose2d(input, weight, bias, ref(stride), ref(padding), output_padding, groups,
                                ref(dilation));
  else
    return tg::conv_transpose3d(input, weight, bias, ref(stride), ref(padding), output_padding, groups,
                                ref(dilation));
}

}  // namespace

template <std::size_t D, class Derived>
ConvNdImpl<D, Derived>::ConvNdImpl(ConvNdOptions<D> options_) : options(std::move(options_)) {}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset() {
  const std::string name = module_name<D>(options.transposed());
  check(options.groups() > 0, name, "groups must be positive, got ", options.groups());
  check(options.in_channels() % options.groups() == 0, name, "in_channels must be divisible by groups, got ",
        options.in_channels(), " and groups=", options.groups());
  check(options.out_channels() % options.groups() == 0, name,
        "out_channels must be divisible by groups, got ", options.out_channels(),
        " and groups=", options.groups());
  _reversed_padding_repeated_twice.assign(2 * D, 0);
  std::visit(Overloaded{[&](enumtype::kValid) {},
                        [&](enumtype::kSame) {
                          for (std::size_t d = 0; d < D; ++d) {
                            check((*options.stride())[d] == 1, name,
                                  "padding='same' is not supported for strided convolutions");
                            const std::int64_t total =
                                (*options.dilation())[d] * ((*options.kernel_size())[d] - 1);
                            _reversed_padding_repeated_twice[2 * (D - 1 - d)] = total / 2;
                            _reversed_padding_repeated_twice[2 * (D - 1 - d) + 1] = total - total / 2;
                          }
                        },
                        [&](const ExpandingArray<D>& pad) {
                          for (std::size_t d = 0; d < D; ++d) {
                            _reversed_padding_repeated_twice[2 * (D - 1 - d)] = (*pad)[d];
                            _reversed_padding_repeated_twice[2 * (D - 1 - d) + 1] = (*pad)[d];
                          }
                        }},
             options.padding());
  Shape weight_sizes = options.transposed()
                           ? Shape{options.in_channels(), options.out_channels() / options.groups()}
                           : Shape{options.out_channels(), options.in_channels() / options.groups()};
  for (std::int64_t k : *options.kernel_size()) weight_sizes.push_back(k);
  weight = this->register_parameter("weight", empty(weight_sizes));
  bias = options.bias() ? this->register_parameter("bias", empty({options.out_channels()})) : Tensor();
  reset_parameters();
}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::pretty_print(std::ostream& out) const {
  out << "torch::nn::" << module_name<D>(options.transposed()) << "(" << options.in_channels() << ", "
      << options.out_channels() << ", kernel_size=" << printed(options.kernel_size())
      << ", stride=" << printed(options.stride());
  std::visit(Overloaded{[&](enumtype::kValid) { out << ", padding='valid'"; },
                        [&](enumtype::kSame) { out << ", padding='same'"; },
                        [&](const ExpandingArray<D>& pad) {
                          if (!all_equal(pad, 0)) out << ", padding=" << printed(pad);
                        }},
             options.padding());
  if (!all_equal(options.dilation(), 1)) out << ", dilation=" << printed(options.dilation());
  if (!all_equal(options.output_padding(), 0))
    out << ", output_padding=" << printed(options.output_padding());
  if (options.groups() != 1) out << ", groups=" << options.groups();
  if (!options.bias()) out << ", bias=false";
  if (!std::holds_alternative<enumtype::kZeros>(options.padding_mode()))
    out << ", padding_mode=k" << [&] {
      std::string mode(padding_mode_name(options.padding_mode()));
      mode[0] = static_cast<char>(std::toupper(mode[0]));
      return mode;
    }();
  out << ")";
}

// Padding modes other than zeros pad the input explicitly (F::pad), then convolve without padding.
template <std::size_t D, class Impl>
Tensor conv_module_forward(Impl& module, const std::vector<std::int64_t>& explicit_padding,
                           const Tensor& input) {
  const auto& o = module.options;
  if (std::holds_alternative<enumtype::kZeros>(o.padding_mode()))
    return conv_nd<D>(input, module.weight, module.bias, o.stride(), o.padding(), o.dilation(), o.groups());
  functional::PadFuncOptions pad(explicit_padding);
  std::visit(Overloaded{[&](enumtype::kZeros) {}, [&](enumtype::kReflect) { pad.mode(kReflect); },
                        [&](enumtype::kReplicate) { pad.mode(kReplicate); },
                        [&](enumtype::kCircular) { pad.mode(kCircular); }},
             o.padding_mode());
  return conv_nd<D>(functional::pad(input, pad), module.weight, module.bias, o.stride(), ExpandingArray<D>(0),
                    o.dilation(), o.groups());
}

Conv1dImpl::Conv1dImpl(Conv1dOptions options_) : ConvNdImpl(nd_options(options_)) { reset(); }
Conv2dImpl::Conv2dImpl(Conv2dOptions options_) : ConvNdImpl(nd_options(options_)) { reset(); }
Conv3dImpl::Conv3dImpl(Conv3dOptions options_) : ConvNdImpl(nd_options(options_)) { reset(); }
Tensor Conv1dImpl::forward(const Tensor& input) {
  return conv_module_forward<1>(*this, _reversed_padding_repeated_twice, input);
}
Tensor Conv2dImpl::forward(const Tensor& input) {
  return conv_module_forward<2>(*this, _reversed_padding_repeated_twice, input);
}
Tensor Conv3dImpl::forward(const Tensor& input) {
  return conv_module_forward<3>(*this, _reversed_padding_repeated_twice, input);
}

template <std::size_t D, class Derived>
ConvTransposeNdImpl<D, Derived>::ConvTransposeNdImpl(const ConvTransposeOptions<D>& options_)
    : ConvNdImpl<D, Derived>(nd_options(options_)) {
  check(std::holds_alternative<enumtype::kZeros>(options_.padding_mode()), module_name<D>(true),
        "Only \"zeros\" padding mode is supported for ", module_name<D>(true));
  this->reset();
}

template <std::size_t D, class Derived>
std::vector<std::int64_t> ConvTransposeNdImpl<D, Derived>::_output_padding(
    const Tensor& input, const std::optional<IntArrayRef>& output_size) {
  const auto& o = this->options;
  if (!output_size)
    return std::vector<std::int64_t>((*o.output_padding()).begin(), (*o.output_padding()).end());
  const std::string name = module_name<D>(true);
  const auto wanted = static_cast<std::int64_t>(output_size->size());
  check(wanted == static_cast<std::int64_t>(D) || wanted == static_cast<std::int64_t>(D) + 2, name,
        "output_size must have ", D, " or ", D + 2, " elements (got ", wanted, ")");
  check(input.dim() >= static_cast<std::int64_t>(D), name, "input of size ", input.sizes(),
        " has fewer than ", D, " dims");
  Shape smallest, largest, result;
  std::vector<std::int64_t> padding;
  bool fits = true;
  for (std::size_t d = 0; d < D; ++d) {
    const std::int64_t in =
        input.size(input.dim() - static_cast<std::int64_t>(D) + static_cast<std::int64_t>(d));
    const std::int64_t stride = (*o.stride())[d];
    const std::int64_t low = (in - 1) * stride - 2 * (*std::get<ExpandingArray<D>>(o.padding()))[d] +
                             (*o.dilation())[d] * ((*o.kernel_size())[d] - 1) + 1;
    const std::int64_t size = (*output_size)[static_cast<std::size_t>(wanted) - D + d];
    smallest.push_back(low);
    largest.push_back(low + stride - 1);
    result.push_back(size);
    fits = fits && size >= low && size <= low + stride - 1;
    padding.push_back(size - low);
  }
  check(fits, name, "requested an output size of ", result, ", but valid sizes range from ", smallest, " to ",
        largest, " (for an input of ", input.sizes(), ")");
  return padding;
}

template <std::size_t D, class Derived>
Tensor ConvTransposeNdImpl<D, Derived>::forward(const Tensor& input,
                                                const std::optional<IntArrayRef>& output_size) {
  const auto& o = this->options;
  const std::vector<std::int64_t> output_padding = _output_padding(input, output_size);
  return conv_transpose_nd<D>(input, this->weight, this->bias, o.stride(),
                              std::get<ExpandingArray<D>>(o.padding()), output_padding, o.groups(),
                              o.dilation());
}

template class ConvNdImpl<1, Conv1dImpl>;
template class ConvNdImpl<2, Conv2dImpl>;
template class ConvNdImpl<3, Conv3dImpl>;
template class ConvNdImpl<1, ConvTranspose1dImpl>;
template class ConvNdImpl<2, ConvTranspose2dImpl>;
template class ConvNdImpl<3, ConvTranspose3dImpl>;
template class ConvTransposeNdImpl<1, ConvTranspose1dImpl>;
template class ConvTransposeNdImpl<2, ConvTranspose2dImpl>;
template class ConvTransposeNdImpl<3, ConvTranspose3dImpl>;

namespace functional {

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  return conv_nd<1>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return conv_nd<2>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  return conv_nd<3>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& o) {
  return conv_transpose_nd<1>(input, weight, o.bias(), o.stride(), o.padding(), ref(o.output_padding()),
                              o.groups(), o.dilation());
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  return conv_transpose_nd<2>(input, weight, o.bias(), o.stride(), o.padding(), ref(o.output_padding()),
                              o.groups(), o.dilation());
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const ConvTranspose3dFuncOptions& o) {
  return conv_transpose_nd<3>(input, weight, o.bias(), o.stride(), o.padding(), ref(o.output_padding()),
                              o.groups(), o.dilation());
}

}  // namespace functional

}  // namespace tg::nn
