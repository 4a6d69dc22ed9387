// Rows for autograd/ops/swiglu.cpp: silu_mul(a, b) = silu(a) * b, same shapes (the fused one-pass backward)
// and broadcast shapes (the composed backward), values on both sides of 0 and past the float32 exp range.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

std::vector<OpCase> swiglu_cases() {
  return {
      {.name = "silu_mul",
       .fn = binary(silu_mul),
       .samples = kBinarySamples,
       .domains = {Domain::Wide, kAny},
       .double_backward = true,
       .bad = {{{{3, 4}, {2, 4}}, "silu_mul: shapes [3, 4] and [2, 4] do not broadcast"},
               {.shapes = {{3}, {3}},
                .message = "silu_mul: expected a to be float32 or float64, got int64",
                .dtypes = {kInt64}}},
       .empty_samples = kBinaryEmpty,
       .fixtures = {"silu_mul", "silu_mul_broadcast", "silu_mul_f32"}},
  };
}

}  // namespace tg::testing
