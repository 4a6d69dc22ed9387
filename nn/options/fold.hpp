#pragma once
#include <tapegrad/nn/expanding_array.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct FoldOptions {
  FoldOptions(ExpandingArray<2> output_size, ExpandingArray<2> kernel_size)
      : output_size_(std::move(output_size)), kernel_size_(std::move(kernel_size)) {}
  TG_ARG(ExpandingArray<2>, output_size);
  TG_ARG(ExpandingArray<2>, kernel_size);
  TG_ARG(ExpandingArray<2>, dilation) = 1;
  TG_ARG(ExpandingArray<2>, padding) = 0;
  TG_ARG(ExpandingArray<2>, stride) = 1;
};

struct UnfoldOptions {
  UnfoldOptions(ExpandingArray<2> kernel_size) : kernel_size_(std::move(kernel_size)) {}
  TG_ARG(ExpandingArray<2>, kernel_size);
  TG_ARG(ExpandingArray<2>, dilation) = 1;
  TG_ARG(ExpandingArray<2>, padding) = 0;
  TG_ARG(ExpandingArray<2>, stride) = 1;
};

namespace functional {
using FoldFuncOptions = FoldOptions;
using UnfoldFuncOptions = UnfoldOptions;
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
