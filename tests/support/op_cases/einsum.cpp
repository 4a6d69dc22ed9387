// Rows for autograd/ops/einsum.cpp: the contractions people write, one row per equation.
#include <string>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

OpFn equation(std::string text) {
  return [text](const tensor_list& in) { return einsum(text, in); };
}

}  // namespace

std::vector<OpCase> einsum_cases() {
  return {
      {.name = "einsum_mm",
       .fn = equation("ij,jk->ik"),
       .samples = {{{3, 4}, {4, 5}}},
       .double_backward = true,
       .bad = {{{{3, 4}, {5, 6}}, "einsum: subscript 'j' has size 4 in operand 0 but size 5 in operand 1"},
               {{{3, 4}}, "einsum: \"ij,jk->ik\" has 2 operand(s) but 1 tensor(s) were given"},
               {{{3, 4, 1}, {4, 5}}, "einsum: operand 0 has 3 dims but its subscripts \"ij\" name 2"}},
       .empty_samples = {{{3, 0}, {0, 5}}, {{0, 4}, {4, 5}}},
       .fixtures = {"einsum_mm"}},
      {.name = "einsum_bmm",
       .fn = equation("bij,bjk->bik"),
       .samples = {{{2, 3, 4}, {2, 4, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 3, 4}, {0, 4, 5}}, {{2, 3, 0}, {2, 0, 5}}},
       .fixtures = {"einsum_bmm"}},
      {.name = "einsum_attention",
       .fn = equation("bhqd,bhkd->bhqk"),
       .samples = {{{2, 2, 3, 4}, {2, 2, 5, 4}}},
       .double_backward = true,
       .empty_samples = {{{2, 2, 3, 0}, {2, 2, 5, 0}}},
       .fixtures = {"einsum_attention"}},
      {.name = "einsum_dot",
       .fn = equation("i,i->"),
       .samples = {{{5}, {5}}},
       .double_backward = true,
       .empty_samples = {{{0}, {0}}},
       .fixtures = {"einsum_dot"}},
      {.name = "einsum_transpose",
       .fn = equation("ij->ji"),
       .samples = {{{3, 4}}},
       .double_backward = true,
       .bad =
           {{{{3, 3}}, "einsum: subscript 'i' repeats within operand 0", {}, equation("ii->i")},
            {{{3, 4}}, "einsum: output subscript 'k' does not appear in any operand", {}, equation("ij->ik")},
            {{{3, 4}}, "einsum: invalid subscript '1'", {}, equation("i1->i")}},
       .empty_samples = {{{0, 4}}},
       .fixtures = {"einsum_transpose"}},
      {.name = "einsum_rowwise_dot",
       .fn = equation("bi,bi->b"),
       .samples = {{{3, 4}, {3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}},
       .fixtures = {"einsum_rowwise_dot"}},
      {.name = "einsum_mv",
       .fn = equation("ij,j->i"),
       .samples = {{{3, 4}, {4}}},
       .double_backward = true,
       .empty_samples = {{{3, 0}, {0}}},
       .fixtures = {"einsum_mv"}},
      {.name = "einsum_implicit",
       .fn = equation("jk,ij"),
       .samples = {{{4, 5}, {3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}, {3, 0}}},
       .fixtures = {"einsum_implicit"}},
      {.name = "einsum_ellipsis",
       .fn = equation("...ij,...jk->...ik"),
       .samples = {{{2, 3, 4}, {4, 5}}, {{2, 1, 3, 4}, {3, 4, 2}}, {{3, 4}, {4, 2}}},
       .double_backward = true,
       .bad = {{{{2, 3, 4}, {3, 4, 5}},
                "einsum: subscript '...' has size 2 in operand 0 but size 3 in operand 1"}},
       .empty_samples = {{{0, 3, 4}, {4, 5}}, {{2, 1, 3, 4}, {0, 4, 2}}},
       .fixtures = {"einsum_ellipsis"}},
      // 'i' only in the first operand and 'k' only in the second are summed out before the GEMM.
      {.name = "einsum_sum_out",
       .fn = equation("ij,jk->j"),
       .samples = {{{3, 4}, {4, 5}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {4, 5}}},
       .fixtures = {"einsum_sum_out"}},
      {.name = "einsum_three",
       .fn = equation("ij,jk,kl->il"),
       .samples = {{{2, 3}, {3, 4}, {4, 5}}},
       .double_backward = true,
       .empty_samples = {{{2, 0}, {0, 4}, {4, 5}}},
       .fixtures = {"einsum_three"}},
  };
}

}  // namespace tg::testing
