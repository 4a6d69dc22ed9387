#pragma once
// Private to tests/support/op_cases/*.cpp: short ways to write registry rows.
#include <cstdint>
#include <vector>

#include "support/op_cases.hpp"

namespace tg::testing::rows {

using Samples = std::vector<std::vector<Shape>>;

inline OpFn unary(Tensor (*op)(const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0]); };
}
inline OpFn binary(Tensor (*op)(const Tensor&, const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0], in[1]); };
}

/// An int64 tensor for bad inputs that need particular index values.
inline Tensor int64s(std::vector<std::int64_t> values, Shape shape) { return tensor(values, shape); }
inline Tensor int64s(std::vector<std::int64_t> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return tensor(values, {n});
}

inline constexpr Domain kAny = Domain::Any, kPositive = Domain::Positive, kKinks = Domain::AwayFromKinks,
                        kProbability = Domain::Probability, kClasses = Domain::Classes,
                        kIndices = Domain::Indices, kConstant = Domain::Constant;

// Sample lists shared by many rows.
inline const Samples kUnaryEmpty = {{{0, 4}}, {{2, 0}}, {{0}}};
inline const Samples kBinarySamples = {
    {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3, 4}, {3, 1}}};
inline const Samples kBinaryEmpty = {
    {{0, 4}, {0, 4}}, {{0, 4}, {4}}, {{2, 0}, {2, 1}}, {{}, {0, 3}}, {{3, 1}, {3, 0}}};
inline const Samples kReductionEmpty = {{{0}}, {{0, 4}}, {{3, 0}}, {{2, 0, 3}}};
inline const Samples kSoftmaxEmpty = {{{0, 4}}, {{3, 0}}, {{2, 0, 4}}};

}  // namespace tg::testing::rows
