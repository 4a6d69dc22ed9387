// Rows for autograd/ops/diagonal.cpp: diagonal (a view), diag_embed, diag and kron.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> diagonal_cases() {
  return {
      {.name = "diagonal",
       .fn = [](const tensor_list& in) { return in[0].diagonal(1, 0, 2); },
       .samples = {{{3, 2, 4}}, {{4, 1, 4}}},
       .double_backward = true,
       .bad = {{.shapes = {{3, 4}},
                .message = "diagonal: diagonal dimensions cannot be identical 1, -1",
                .fn = [](const tensor_list& in) { return in[0].diagonal(0, 1, -1); }},
               {{{3}}, "diagonal: needs an input of at least 2 dims, got shape [3]"}},
       .empty_samples = {{{0, 2, 4}}, {{3, 2, 0}}},
       .fixtures = {"diagonal"}},
      {.name = "diagonal_below",
       .fn = [](const tensor_list& in) { return in[0].diagonal(-1); },
       .samples = {{{4, 3}}, {{3, 5, 2}}},
       .double_backward = true,
       .empty_samples = {{{1, 3}}, {{4, 0}}},
       .fixtures = {"diagonal_below"}},
      {.name = "diag_embed",
       .fn = [](const tensor_list& in) { return in[0].diag_embed(1, 0, 2); },
       .samples = {{{2, 3}}, {{2, 2, 3}}},
       .double_backward = true,
       .bad = {{{{}}, "diag_embed: needs an input of at least 1 dim"}},
       .empty_samples = {{{0, 3}}, {{2, 0}}},
       .fixtures = {"diag_embed"}},
      {.name = "diag_vector",
       .fn = [](const tensor_list& in) { return diag(in[0], -1); },
       .samples = {{{3}}},
       .double_backward = true,
       .bad = {{{{2, 2, 2}}, "diag: matrix or a vector expected, got shape [2, 2, 2]"}},
       .empty_samples = {{{0}}},
       .fixtures = {"diag_vector"}},
      {.name = "diag_matrix",
       .fn = [](const tensor_list& in) { return in[0].diag(1); },
       .samples = {{{3, 4}}, {{4, 2}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}},
       .fixtures = {"diag_matrix"}},
      {.name = "kron",
       .fn = [](const tensor_list& in) { return in[0].kron(in[1]); },
       .samples = {{{2, 3}, {3, 2}}, {{2, 3}, {2}}, {{2}, {2, 1, 3}}, {{}, {2, 3}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {3, 2}}, {{2, 3}, {0}}},
       .fixtures = {"kron", "kron_ranks"}},
  };
}

}  // namespace tg::testing
