// Rows for autograd/ops/split.cpp: chunk, split, split_with_sizes, unbind. A row has one output, so
// the pieces are weighted (piece i times i + 1) and joined again: every piece's gradient then differs.
#include <cstdint>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

Tensor weighted_cat(const tensor_list& pieces, std::int64_t dim) {
  tensor_list weighted;
  for (std::size_t i = 0; i < pieces.size(); ++i) weighted.push_back(pieces[i] * static_cast<double>(i + 1));
  return cat(weighted, dim);
}

Tensor weighted_stack(const tensor_list& pieces, std::int64_t dim) {
  tensor_list weighted;
  for (std::size_t i = 0; i < pieces.size(); ++i) weighted.push_back(pieces[i] * static_cast<double>(i + 1));
  return stack(weighted, dim);
}

BadInput zero_dim(std::string message, OpFn fn) {
  return {.shapes = {Shape{}}, .message = std::move(message), .fn = fn};
}

}  // namespace

std::vector<OpCase> split_cases() {
  return {
      {.name = "chunk",
       .fn = [](const tensor_list& in) { return weighted_cat(in[0].chunk(3, -1), -1); },
       .samples = {{{4, 7}}, {{2, 3, 6}}, {{2}}},
       .double_backward = true,
       .bad = {zero_dim("chunk: expects at least a 1-dimensional tensor", {}),
               {.shapes = {{4}},
                .message = "chunk: expects `chunks` to be greater than 0, got: 0",
                .fn = [](const tensor_list& in) { return in[0].chunk(0)[0]; }}},
       .empty_samples = {{{0, 7}}, {{3, 0}}},
       .fixtures = {"chunk_weighted"}},
      {.name = "chunk_one_piece",
       .fn = [](const tensor_list& in) { return chunk(in[0], 2)[1]; },
       .samples = {{{4, 3}}, {{5}}},
       .double_backward = true,
       .empty_samples = {{{4, 0}}, {{0, 3}}},
       .fixtures = {"chunk_one_piece"}},
      {.name = "split",
       .fn = [](const tensor_list& in) { return weighted_cat(in[0].split(2, 1), 1); },
       .samples = {{{3, 5}}, {{2, 4, 3}}},
       .double_backward = true,
       .bad = {zero_dim("split: expects at least a 1-dimensional tensor", {}),
               {.shapes = {{3, 3}},
                .message = "split: expects split_size be non-negative, but got split_size=-1",
                .fn = [](const tensor_list& in) { return in[0].split(-1)[0]; }},
               {.shapes = {{3, 3}},
                .message =
                    "split: split_size can only be 0 if dimension size is 0, but got dimension size of 3",
                .fn = [](const tensor_list& in) { return in[0].split(0)[0]; }},
               {.shapes = {{3, 3}},
                .message = "split: dim 2 is out of range for a tensor of rank 2",
                .fn = [](const tensor_list& in) { return in[0].split(1, 2)[0]; }}},
       .empty_samples = {{{0, 5}}, {{3, 0}}},
       .fixtures = {"split_size"}},
      {.name = "split_sizes",
       .fn =
           [](const tensor_list& in) {
             return weighted_cat(in[0].split({1, 3, 1}, -1), -1);
           },
       .samples = {{{2, 5}}, {{5}}},
       .double_backward = true,
       .bad = {{{{2, 4}},
                "split_with_sizes: expects split_sizes to sum exactly to 4 (input tensor's size at dimension "
                "1), "
                "but got split_sizes=[1, 3, 1]"},
               {.shapes = {{3}},
                .message = "split_with_sizes: expects split_sizes have only non-negative entries, but got "
                           "split_sizes=[4, -1]",
                .fn =
                    [](const tensor_list& in) {
                      return split_with_sizes(in[0], {4, -1})[0];
                    }}},
       .empty_samples = {{{0, 5}}},
       .fixtures = {"split_sizes"}},
      {.name = "split_with_sizes_zero_piece",
       .fn =
           [](const tensor_list& in) {
             return weighted_cat(split_with_sizes(in[0], {2, 0, 1}), 0);
           },
       .samples = {{{3, 2}}},
       .double_backward = true,
       .empty_samples = {{{3, 0}}}},
      {.name = "unbind",
       .fn = [](const tensor_list& in) { return weighted_stack(in[0].unbind(1), 0); },
       .samples = {{{3, 4}}, {{2, 3, 4}}},
       .double_backward = true,
       .bad = {zero_dim("unbind: expects at least a 1-dimensional tensor", {})},
       .empty_samples = {{{0, 4}}, {{2, 3, 0}}},
       .fixtures = {"unbind_weighted"}},
      {.name = "unbind_one_piece",
       .fn = [](const tensor_list& in) { return unbind(in[0], -1)[2]; },
       .samples = {{{2, 3}}, {{3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}}},
       .fixtures = {"unbind_one_piece"}},
  };
}

}  // namespace tg::testing
