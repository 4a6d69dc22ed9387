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
// Rows of spatial ops (pooling, upsampling): each differentiable row without a zero-size case gets its first
// sample with an empty batch: the leading dim set to 0, or, for unbatched rows (named "_unbatched",
// "_global",
// "_zero_output"), a leading 0 dim added. Rows with fixtures but no samples (indices from the fixture) are
// value-only rows.
inline std::vector<OpCase> with_empty_leading_dim(std::vector<OpCase> rows) {
  for (OpCase& row : rows) {
    if (!row.differentiable) continue;
    if (row.samples.empty()) {
      row.differentiable = row.fixtures.empty();
      continue;
    }
    bool covered = !row.empty_samples.empty();
    for (const BadInput& bad : row.bad)
      for (const Shape& shape : bad.shapes) covered = covered || shape_numel(shape) == 0;
    if (covered) continue;
    const bool unbatched = row.name.find("_unbatched") != std::string::npos ||
                           row.name.find("_global") != std::string::npos ||
                           row.name.find("_zero_output") != std::string::npos;
    std::vector<Shape> empty = row.samples.front();
    for (Shape& shape : empty) {
      if (unbatched)
        shape.insert(shape.begin(), 0);
      else if (!shape.empty())
        shape[0] = 0;
    }
    row.empty_samples.push_back(empty);
  }
  return rows;
}

inline const Samples kUnaryEmpty = {{{0, 4}}, {{2, 0}}, {{0}}};
inline const Samples kBinarySamples = {
    {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3, 4}, {3, 1}}};
inline const Samples kBinaryEmpty = {
    {{0, 4}, {0, 4}}, {{0, 4}, {4}}, {{2, 0}, {2, 1}}, {{}, {0, 3}}, {{3, 1}, {3, 0}}};
inline const Samples kReductionEmpty = {{{0}}, {{0, 4}}, {{3, 0}}, {{2, 0, 3}}};
inline const Samples kSoftmaxEmpty = {{{0, 4}}, {{3, 0}}, {{2, 0, 4}}};

}  // namespace tg::testing::rows
