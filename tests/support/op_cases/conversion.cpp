// Rows for autograd/ops/conversion.cpp: clone, contiguous, dtype conversion.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> conversion_cases() {
  return {
      {.name = "clone",
       .fn = [](const tensor_list& in) { return in[0].clone(); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"clone"}},
      {.name = "contiguous",
       .fn = [](const tensor_list& in) { return in[0].t().contiguous(); },
       .samples = {{{3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}}, {{3, 0}}},
       .fixtures = {"contiguous"}},
      {.name = "to_float32_and_back",
       .fn = [](const tensor_list& in) { return (in[0].to(kFloat32) * 2.0).to(kFloat64); },
       .samples = {{{3, 4}}},
       .tolerance = {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2},
       .keeps_dtype = false,
       .empty_samples = kUnaryEmpty,
       .fixtures = {"to_float32_and_back"}},
  };
}

}  // namespace tg::testing
