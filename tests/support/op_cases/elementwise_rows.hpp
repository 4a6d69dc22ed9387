#pragma once
// Private to the element-wise row files (trigonometric, exp_log, rounding, binary_math,
// activation_extra): short ways to write their rows.
#include <vector>

#include "support/op_cases.hpp"

namespace tg::testing::elementwise_rows {

using Fn = std::function<Tensor(const tensor_list&)>;
using Samples = std::vector<std::vector<Shape>>;

inline Fn unary(Tensor (*op)(const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0]); };
}
inline Fn binary(Tensor (*op)(const Tensor&, const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0], in[1]); };
}

inline const Samples kUnarySamples = {{{3, 4}}, {{}}, {{2, 3, 2}}};
inline const Samples kUnaryEmpty = {{{0, 4}}, {{2, 0}}, {{0}}};
inline const Samples kBinarySamples = {
    {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3, 4}, {3, 1}}};
inline const Samples kBinaryEmpty = {
    {{0, 4}, {0, 4}}, {{0, 4}, {4}}, {{2, 0}, {2, 1}}, {{}, {0, 3}}, {{3, 1}, {3, 0}}};
inline const Samples kTernarySamples = {
    {{3, 4}, {3, 4}, {3, 4}}, {{3, 4}, {4}, {3, 1}}, {{2, 1, 4}, {3, 1}, {}}, {{}, {}, {}}};
inline const Samples kTernaryEmpty = {{{0, 4}, {4}, {0, 1}}, {{2, 0}, {}, {2, 1}}, {{3, 1}, {3, 0}, {1}}};
inline const std::vector<BadInput> kBinaryBad = {{{{3, 4}, {5}}, "shapes [3, 4] and [5] do not broadcast"}};

}  // namespace tg::testing::elementwise_rows
