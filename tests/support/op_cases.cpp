#include "support/op_cases.hpp"

#include <algorithm>
#include <iterator>
#include <random>

namespace tg::testing {
namespace {

std::vector<OpCase> all_families() {
  std::vector<OpCase> cases;
  // One line per tests/support/op_cases/<family>.cpp.
  for (std::vector<OpCase> family :
       {arithmetic_cases(),  unary_cases(),       activation_cases(),    matmul_cases(),
        linear_cases(),      shape_cases(),       split_cases(),         rearrange_cases(),
        index_cases(),       conversion_cases(),  reduction_cases(),     softmax_cases(),
        loss_cases(),        comparison_cases(),  composite_cases(),     trigonometric_cases(),
        exp_log_cases(),     rounding_cases(),    binary_math_cases(),   activation_extra_cases(),
        einsum_cases(),      indexing_cases(),    scatter_cases(),       scan_cases(),
        sort_cases(),        padding_cases(),     norm_cases(),          diagonal_cases(),
        margin_loss_cases(), attention_cases(),   normalization_cases(), embedding_cases(),
        swiglu_cases(),      convolution_cases(), fold_cases(),          pooling_cases(),
        upsampling_cases(),  batch_norm_cases(),  recurrent_cases()})
    std::move(family.begin(), family.end(), std::back_inserter(cases));
  return cases;
}

double draw(Domain domain, std::mt19937_64& engine) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double u = unit(engine);
  switch (domain) {
    case Domain::Positive:
      return 0.5 + 1.5 * u;
    case Domain::AwayFromKinks: {
      const double magnitude = u < 0.5 ? 0.1 + 0.6 * u : 0.6 + 0.8 * (u - 0.5);
      return unit(engine) < 0.5 ? -magnitude : magnitude;
    }
    case Domain::Probability:
      return u;
    case Domain::AwayFromIntegers: {
      const double fraction = u < 0.5 ? 0.1 + 0.6 * u : 0.6 + 0.6 * (u - 0.5);
      return static_cast<double>(static_cast<int>(engine() % 6) - 3) + fraction;
    }
    case Domain::InsideUnit:
      return 1.8 * u - 0.9;
    case Domain::AboveOne:
      return 1.2 + 1.8 * u;
    case Domain::OpenUnit:
      return 0.05 + 0.9 * u;
    case Domain::NonZero:
      return (unit(engine) < 0.5 ? -1.0 : 1.0) * (0.5 + 1.5 * u);
    case Domain::Negative:
      return -2.0 + 1.9 * u;
    case Domain::Wide:
      return 8.0 * u - 4.0;
    default:
      return 2.0 * u - 1.0;
  }
}

// The exclusive upper bound of an integer input's values (at least 1, so an input with an empty dim
// still gets valid values for the dims that are not empty).
std::int64_t index_bound(Domain domain, const std::vector<Shape>& shapes) {
  if (shapes.empty() || shapes[0].empty()) return 1;
  const Shape& first = shapes[0];
  const std::int64_t bound =
      domain == Domain::Classes ? first.back() : *std::min_element(first.begin(), first.end());
  return std::max<std::int64_t>(bound, 1);
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = all_families();
  return cases;
}

tensor_list make_inputs(const OpCase& op, const std::vector<Shape>& shapes, bool non_contiguous,
                        Dtype dtype) {
  std::mt19937_64 engine(42);
  tensor_list inputs;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Domain domain = op.domains[std::min(i, op.domains.size() - 1)];
    const Shape& shape = shapes[i];
    const std::int64_t n = shape_numel(shape);
    if (domain == Domain::Classes || domain == Domain::Indices) {
      const auto bound = static_cast<std::uint64_t>(index_bound(domain, shapes));
      std::vector<std::int64_t> values(static_cast<std::size_t>(n));
      for (auto& v : values) v = static_cast<std::int64_t>(engine() % bound);
      inputs.push_back(tensor(values, shape));
      continue;
    }
    if (domain == Domain::Mask) {
      std::vector<std::int64_t> values(static_cast<std::size_t>(n));
      for (auto& v : values) v = static_cast<std::int64_t>(engine() % 2);
      inputs.push_back(tensor(values, shape).to(kBool));
      continue;
    }
    std::vector<double> values(static_cast<std::size_t>(n));
    for (auto& v : values) v = draw(domain, engine);
    Tensor input = tensor(values, shape, dtype);
    if (non_contiguous && shape.size() >= 2) {
      // Same values, transposed memory layout: a strided view.
      Tensor storage = input.transpose(0, 1).contiguous();
      input = storage.transpose(0, 1);
    }
    const bool differentiable = domain != Domain::Probability && domain != Domain::Constant;
    if (differentiable) input.requires_grad_(true);
    inputs.push_back(input);
  }
  return inputs;
}

tensor_list make_bad_inputs(const OpCase& op, const BadInput& bad) {
  tensor_list inputs = make_inputs(op, bad.shapes);
  if (bad.dtypes.empty()) return inputs;
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = inputs[i].detach().to(bad.dtypes[std::min(i, bad.dtypes.size() - 1)]);
  return inputs;
}

}  // namespace tg::testing
