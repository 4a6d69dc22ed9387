#pragma once
// libtorch's convolution options: ConvOptions<D> / ConvTransposeOptions<D> for the modules,
// ConvFuncOptions<D> / ConvTransposeFuncOptions<D> for F::conv*d / F::conv_transpose*d.
#include <cstdint>
#include <initializer_list>
#include <variant>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/enum.hpp>
#include <tapegrad/nn/expanding_array.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

using conv_padding_mode_t =
    std::variant<enumtype::kZeros, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;
/// Explicit sizes, or "valid" (none) / "same" (output as large as the input; stride 1 only).
template <std::size_t D>
using conv_padding_t = std::variant<ExpandingArray<D>, enumtype::kValid, enumtype::kSame>;

/// What a Conv*d or ConvTranspose*d module keeps: either options struct, with `transposed` telling which.
/// libtorch names it torch::nn::detail::ConvNdOptions (an alias below); it lives outside `detail` here
/// because the modules' exported constructors take it (no detail names in libtapegrad.so's symbols).
template <std::size_t D>
struct ConvNdOptions {
  using padding_t = conv_padding_t<D>;
  ConvNdOptions(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  TG_ARG(std::int64_t, in_channels);
  TG_ARG(std::int64_t, out_channels);
  TG_ARG(ExpandingArray<D>, kernel_size);
  TG_ARG(ExpandingArray<D>, stride) = 1;
  TG_ARG(padding_t, padding) = ExpandingArray<D>(0);

 public:
  ConvNdOptions& padding(std::initializer_list<std::int64_t> values) {
    padding_ = ExpandingArray<D>(values);
    return *this;
  }
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  TG_ARG(bool, transposed) = false;
  TG_ARG(ExpandingArray<D>, output_padding) = 0;
  TG_ARG(std::int64_t, groups) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(conv_padding_mode_t, padding_mode) = kZeros;
};

namespace detail {
using nn::conv_padding_mode_t;
using nn::conv_padding_t;
using nn::ConvNdOptions;
}  // namespace detail

template <std::size_t D>
struct ConvOptions {
  using padding_mode_t = detail::conv_padding_mode_t;
  using padding_t = detail::conv_padding_t<D>;
  ConvOptions(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  TG_ARG(std::int64_t, in_channels);
  TG_ARG(std::int64_t, out_channels);
  TG_ARG(ExpandingArray<D>, kernel_size);
  TG_ARG(ExpandingArray<D>, stride) = 1;
  TG_ARG(padding_t, padding) = ExpandingArray<D>(0);

 public:
  ConvOptions& padding(std::initializer_list<std::int64_t> values) {
    padding_ = ExpandingArray<D>(values);
    return *this;
  }
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  TG_ARG(std::int64_t, groups) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(padding_mode_t, padding_mode) = kZeros;
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
using Conv3dOptions = ConvOptions<3>;

template <std::size_t D>
struct ConvTransposeOptions {
  using padding_mode_t = detail::conv_padding_mode_t;
  ConvTransposeOptions(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  TG_ARG(std::int64_t, in_channels);
  TG_ARG(std::int64_t, out_channels);
  TG_ARG(ExpandingArray<D>, kernel_size);
  TG_ARG(ExpandingArray<D>, stride) = 1;
  TG_ARG(ExpandingArray<D>, padding) = 0;
  TG_ARG(ExpandingArray<D>, output_padding) = 0;
  TG_ARG(std::int64_t, groups) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  /// Only kZeros is supported by the modules (as in libtorch).
  TG_ARG(padding_mode_t, padding_mode) = kZeros;
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
using ConvTranspose3dOptions = ConvTransposeOptions<3>;

namespace functional {
template <std::size_t D>
struct ConvFuncOptions {
  using padding_t = nn::detail::conv_padding_t<D>;
  TG_ARG(Tensor, bias) = Tensor();
  TG_ARG(ExpandingArray<D>, stride) = 1;
  TG_ARG(padding_t, padding) = ExpandingArray<D>(0);

 public:
  ConvFuncOptions& padding(std::initializer_list<std::int64_t> values) {
    padding_ = ExpandingArray<D>(values);
    return *this;
  }
  TG_ARG(ExpandingArray<D>, dilation) = 1;
  TG_ARG(std::int64_t, groups) = 1;
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
using Conv3dFuncOptions = ConvFuncOptions<3>;

template <std::size_t D>
struct ConvTransposeFuncOptions {
  TG_ARG(Tensor, bias) = Tensor();
  TG_ARG(ExpandingArray<D>, stride) = 1;
  TG_ARG(ExpandingArray<D>, padding) = 0;
  TG_ARG(ExpandingArray<D>, output_padding) = 0;
  TG_ARG(std::int64_t, groups) = 1;
  TG_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
using ConvTranspose3dFuncOptions = ConvTransposeFuncOptions<3>;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
