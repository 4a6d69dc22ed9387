// Rows for autograd/ops/fold.cpp (im2col / col2im) and nn/functional/fold.hpp (F::unfold / F::fold).
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {
namespace F = tg::nn::functional;
}

std::vector<OpCase> fold_cases() {
  return {
      {.name = "im2col",
       .fn =
           [](const tensor_list& in) {
             return im2col(in[0], {2, 3}, {1, 2}, {1, 0}, {2, 1});
           },
       .samples = {{{2, 3, 5, 7}}, {{2, 4, 6}}},
       .double_backward = true,
       .bad = {{{{2, 3}},
                "im2col: Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and "
                "non-zero dimensions for input, but got: [2, 3]"},
               {{{1, 2, 1, 2}},
                "im2col: Given input with spatial size (1, 2), kernel_size=(2, 3), dilation=(1, 2), "
                "padding=(1, 0), "
                "calculated shape of the array of sliding blocks as (1, -2), but its components must be at "
                "least "
                "one."}},
       .empty_samples = {{{0, 3, 5, 7}}},
       .fixtures = {"im2col"}},
      {.name = "unfold",
       .fn = [](const tensor_list& in) { return F::unfold(in[0], F::UnfoldFuncOptions(2).padding(1)); },
       .samples = {{{2, 2, 3, 4}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4}}, "unfold: Input Error: Only 4D input Tensors are supported (got 3D)"}},
       .empty_samples = {{{0, 2, 3, 4}}},
       .fixtures = {"unfold"}},
      {.name = "col2im",
       .fn =
           [](const tensor_list& in) {
             return col2im(in[0], {5, 6}, {2, 3}, {2, 1}, {1, 1}, {1, 2});
           },
       .samples = {{{2, 12, 15}}, {{6, 15}}},
       .double_backward = true,
       .bad = {{{{2, 11, 15}},
                "col2im: Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                "but "
                "got input.size(1)=11 and kernel_size=(2, 3)"},
               {{{2, 12, 14}},
                "col2im: Given output_size=(5, 6), kernel_size=(2, 3), dilation=(2, 1), padding=(1, 1), "
                "stride=(1, "
                "2), expected size of input's dimension 2 to match the calculated number of sliding blocks 5 "
                "* 3 = "
                "15, but got input.size(2)=14."}},
       .empty_samples = {{{0, 12, 15}}},
       .fixtures = {"col2im"}},
      {.name = "fold",
       .fn =
           [](const tensor_list& in) {
             return F::fold(in[0], F::FoldFuncOptions({3, 4}, 2));
           },
       .samples = {{{2, 8, 6}}},
       .double_backward = true,
       .bad =
           {{{{2, 2, 8, 6}},
             "fold: Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got 4D)"}},
       .empty_samples = {{{0, 8, 6}}},
       .fixtures = {"fold"}},
  };
}

}  // namespace tg::testing
