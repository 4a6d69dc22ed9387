#pragma once
// Private to the element-wise row files (trigonometric, exp_log, rounding, binary_math,
// activation_extra): what they share beyond common.hpp.
#include <vector>

#include "support/op_cases/common.hpp"

namespace tg::testing::elementwise_rows {
using namespace rows;

using Fn = OpFn;

inline const Samples kUnarySamples = {{{3, 4}}, {{}}, {{2, 3, 2}}};
inline const Samples kTernarySamples = {
    {{3, 4}, {3, 4}, {3, 4}}, {{3, 4}, {4}, {3, 1}}, {{2, 1, 4}, {3, 1}, {}}, {{}, {}, {}}};
inline const Samples kTernaryEmpty = {{{0, 4}, {4}, {0, 1}}, {{2, 0}, {}, {2, 1}}, {{3, 1}, {3, 0}, {1}}};
inline const std::vector<BadInput> kBinaryBad = {{{{3, 4}, {5}}, "shapes [3, 4] and [5] do not broadcast"}};

}  // namespace tg::testing::elementwise_rows
