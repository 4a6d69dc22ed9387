// Rows for autograd/ops/loss.cpp: each loss under every reduction.
#include <string>
#include <utility>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

std::vector<BadInput> cross_entropy_errors() {
  return {
      {.shapes = {{4, 10}},
       .message = "cross_entropy: target 10 at position 1 is outside [0, 10)",
       .fn =
           [](const tensor_list& in) {
             return cross_entropy(in[0], int64s({1, 10, 3, 0}));
           }},
      {.shapes = {{2, 3}},
       .message = "cross_entropy: target -1 at position 0 is outside [0, 3)",
       .fn =
           [](const tensor_list& in) {
             return cross_entropy(in[0], int64s({-1, 0}));
           }},
      {.shapes = {{4, 10}, {4}},
       .message = "cross_entropy: target must hold int64 class indices, got float32",
       .dtypes = {kFloat32}},
      {{{4, 10}, {3}}, "cross_entropy: target shape [3] does not match input shape [4, 10]; expected [4]"},
      {{{2, 3, 4}, {2}}, "cross_entropy: input must be [N, C] or [C], got shape [2, 3, 4]"},
      {.shapes = {{2, 3}, {2}},
       .message = "cross_entropy: expected input to be float32 or float64, got int64",
       .dtypes = {kInt64}}};
}

template <class T>
void append(std::vector<T>& to, std::vector<T> more) {
  to.insert(to.end(), more.begin(), more.end());
}

// One row per loss under reduction r. The input errors and the extra fixtures are checked once,
// under the default reduction (mean).
std::vector<OpCase> per_reduction_rows(const std::string& suffix, Reduction r) {
  OpCase mse{.name = "mse_loss_" + suffix,
             .fn = [r](const tensor_list& in) { return mse_loss(in[0], in[1], r); },
             .samples = {{{3, 4}, {3, 4}}},
             .double_backward = true,
             .bad = {{{{3, 4}, {4}}, "mse_loss: input shape [3, 4] and target shape [4] differ"}},
             .empty_samples = {{{0, 4}, {0, 4}}, {{0}, {0}}},
             .fixtures = {"mse_loss_" + suffix}};
  OpCase cross_entropy_row{
      .name = "cross_entropy_" + suffix,
      .fn = [r](const tensor_list& in) { return cross_entropy(in[0], in[1], r); },
      .samples = {{{5, 4}, {5}}, {{4}, {}}},
      .domains = {kAny, kClasses},
      .double_backward = true,
      .bad = {{{{5, 4}, {4}}, "cross_entropy: target shape [4] does not match input shape [5, 4]"}},
      .empty_samples = {{{0, 4}, {0}}},
      .fixtures = {"cross_entropy_" + suffix, "cross_entropy_large_" + suffix}};
  OpCase nll{.name = "nll_loss_" + suffix,
             .fn = [r](const tensor_list& in) { return nll_loss(in[0], in[1], r); },
             .samples = {{{5, 4}, {5}}},
             .domains = {kAny, kClasses},
             .double_backward = true,
             .empty_samples = {{{0, 4}, {0}}},
             .fixtures = {"nll_loss_" + suffix}};
  OpCase bce{.name = "bce_with_logits_" + suffix,
             .fn = [r](const tensor_list& in) { return binary_cross_entropy_with_logits(in[0], in[1], r); },
             .samples = {{{3, 4}, {3, 4}}},
             .domains = {kAny, kProbability},
             .double_backward = true,
             .empty_samples = {{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}},
             .fixtures = {"bce_with_logits_" + suffix}};
  if (r == kMean) {
    append(mse.bad, {{{{4, 1}, {4}}, "mse_loss: input shape [4, 1] and target shape [4] differ"},
                     {.shapes = {{4}, {4}},
                      .message = "mse_loss: input is float32 but target is float64",
                      .dtypes = {kFloat32, kFloat64}}});
    append(cross_entropy_row.bad, cross_entropy_errors());
    append(cross_entropy_row.fixtures, {"cross_entropy_1d", "cross_entropy_f32"});
    append(nll.bad, {{.shapes = {{2, 5}},
                      .message = "nll_loss: target 5 at position 1 is outside [0, 5)",
                      .fn = [](const tensor_list& in) {
                        return nll_loss(in[0], int64s({4, 5}));
                      }}});
    append(bce.bad, {{{{3}, {3, 1}},
                      "binary_cross_entropy_with_logits: input shape [3] and target shape [3, 1] differ"}});
  }
  return {mse, cross_entropy_row, nll, bce};
}

}  // namespace

std::vector<OpCase> loss_cases() {
  std::vector<OpCase> cases;
  for (auto [suffix, reduction] :
       {std::pair{"mean", kMean}, std::pair{"sum", kSum}, std::pair{"none", kNone}})
    for (OpCase& row : per_reduction_rows(suffix, reduction)) cases.push_back(std::move(row));
  cases.push_back({.name = "bce_with_logits_target_grad",
                   .fn = [](const tensor_list& in) { return binary_cross_entropy_with_logits(in[0], in[1]); },
                   .samples = {{{3, 4}, {3, 4}}},
                   .domains = {kAny, kAny},
                   .double_backward = true,
                   .empty_samples = {{{0, 4}, {0, 4}}}});
  // Logits sliced with a step: rows 1, 3, 5.
  cases.push_back({.name = "cross_entropy_sliced_logits",
                   .fn = [](const tensor_list& in) { return cross_entropy(in[0].slice(0, 1, {}, 2), in[1]); },
                   .samples = {{{7, 5}, {3}}},
                   .domains = {kAny, kClasses},
                   .double_backward = true,
                   .empty_samples = {{{0, 5}, {0}}},
                   .fixtures = {"cross_entropy_sliced_logits"}});
  cases.push_back({.name = "nll_of_log_softmax",
                   .fn = [](const tensor_list& in) { return nll_loss(log_softmax(in[0], 1), in[1], kSum); },
                   .samples = {{{5, 4}, {5}}},
                   .domains = {kAny, kClasses},
                   .double_backward = true,
                   .empty_samples = {{{0, 4}, {0}}},
                   .fixtures = {"nll_of_log_softmax"}});
  return cases;
}

}  // namespace tg::testing
