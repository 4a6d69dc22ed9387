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
       .message = "cross_entropy: target must hold int64 class indices, got int32",
       .dtypes = {kFloat64, kInt32}},
      {.shapes = {{4, 10}, {4}},
       .message = "cross_entropy: probability target shape [4] does not match input shape [4, 10]",
       .dtypes = {kFloat32}},
      {{{4, 10}, {3}}, "cross_entropy: target shape [3] does not match input shape [4, 10]; expected [4]"},
      {{{2, 3, 4}, {2}},
       "cross_entropy: target shape [2] does not match input shape [2, 3, 4]; expected [2, 4]"},
      {{{}, {}}, "cross_entropy: input must be [C], [N, C] or [N, C, d1, ...], got shape []"},
      {.shapes = {{2, 3}, {2}, {4}},
       .message = "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but "
                  "got weight tensor of shape: [4]",
       .fn = [](const tensor_list& in) { return cross_entropy(in[0], in[1], in[2].detach()); }},
      {.shapes = {{2, 3}, {2, 3}},
       .message = "cross_entropy: ignore_index is not supported for floating point target",
       .fn = [](const tensor_list& in) { return cross_entropy(in[0], in[0].detach(), Tensor(), kMean, 1); }},
      {.shapes = {{2, 3}},
       .message = "cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5",
       .fn =
           [](const tensor_list& in) {
             return cross_entropy(in[0], int64s({0, 1}), Tensor(), kMean, -100, 1.5);
           }},
      {.shapes = {{2, 3}, {2}},
       .message = "cross_entropy: expected input to be float32 or float64, got int64",
       .dtypes = {kInt64}}};
}

template <class T>
void append(std::vector<T>& to, std::vector<T> more) {
  to.insert(to.end(), more.begin(), more.end());
}

// [N, d, C] scores with C moved to dim 1: the K-dimensional layout [N, C, d], with Classes-domain
// targets drawn against the last size C.
Tensor classes_to_dim1(const Tensor& scores) { return movedim(scores, -1, 1); }

// The losses added with options (weights, ignore_index, smoothing, probability targets, ...).
std::vector<OpCase> more_per_reduction_rows(const std::string& suffix, Reduction r) {
  const Samples pair_samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1}, {1, 3}}, {{}, {}}};
  // An empty mean is nan, so a non-empty input under kMean would get nan finite differences.
  Samples pair_empty = {{{0, 4}, {0, 4}}, {{2, 0}, {0}}};
  if (r != kMean) pair_empty.push_back({{0, 4}, {4}});
  const Samples class_weight_samples = {{{6, 4}, {6}, {4}}, {{5, 3}, {5}, {3}}};
  const Samples class_weight_empty = {{{0, 4}, {0}, {4}}};
  const Samples kdim_samples = {{{2, 3, 4}, {2, 3}, {4}}, {{2, 1, 2, 3}, {2, 1, 2}, {3}}};
  const Samples kdim_empty = {{{0, 3, 4}, {0, 3}, {4}}, {{2, 0, 4}, {2, 0}, {4}}};
  std::vector<OpCase> rows{
      {.name = "l1_loss_" + suffix,
       .fn = [r](const tensor_list& in) { return l1_loss(in[0], in[1], r); },
       .samples = pair_samples,
       .domains = {kKinks, kConstant},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"l1_loss_" + suffix}},
      {.name = "smooth_l1_loss_" + suffix,
       .fn = [r](const tensor_list& in) { return smooth_l1_loss(in[0], in[1], r, 0.5); },
       .samples = pair_samples,
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"smooth_l1_loss_" + suffix}},
      {.name = "huber_loss_" + suffix,
       .fn = [r](const tensor_list& in) { return huber_loss(in[0], in[1], r, 0.7); },
       .samples = pair_samples,
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"huber_loss_" + suffix}},
      {.name = "bce_" + suffix,
       .fn = [r](const tensor_list& in) { return binary_cross_entropy(in[0], in[1], Tensor(), r); },
       .samples = {{{3, 4}, {3, 4}}, {{}, {}}},
       .domains = {Domain::OpenUnit, kProbability},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}}},
       .fixtures = {"bce_" + suffix}},
      {.name = "bce_with_logits_weights_" + suffix,
       .fn =
           [r](const tensor_list& in) {
             return binary_cross_entropy_with_logits(in[0], in[1], in[2], in[3], r);
           },
       .samples = {{{4, 3}, {4, 3}, {3}, {3}}, {{2, 3}, {2, 3}, {2, 3}, {1}}},
       .domains = {kAny, kProbability, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {3}, {3}}},
       .fixtures = {"bce_with_logits_weights_" + suffix}},
      {.name = "kl_div_" + suffix,
       .fn = [r](const tensor_list& in) { return kl_div(in[0], in[1], r); },
       .samples = {{{4, 3}, {4, 3}}, {{4, 3}, {3}}},
       .domains = {kAny, kProbability},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"kl_div_" + suffix}},
      {.name = "nll_loss_weighted_" + suffix,
       .fn = [r](const tensor_list& in) { return nll_loss(log_softmax(in[0], -1), in[1], in[2], r, 1); },
       .samples = class_weight_samples,
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .empty_samples = class_weight_empty,
       .fixtures = {"nll_loss_weighted_" + suffix}},
      {.name = "nll_loss_kdim_" + suffix,
       .fn = [r](const tensor_list& in) { return nll_loss(classes_to_dim1(in[0]), in[1], in[2], r, 2); },
       .samples = kdim_samples,
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .empty_samples = kdim_empty,
       .fixtures = {"nll_loss_kdim_" + suffix}},
      {.name = "cross_entropy_weighted_" + suffix,
       .fn = [r](const tensor_list& in) { return cross_entropy(in[0], in[1], in[2], r, 1); },
       .samples = class_weight_samples,
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .empty_samples = class_weight_empty,
       .fixtures = {"cross_entropy_weighted_" + suffix}},
      {.name = "cross_entropy_smoothing_" + suffix,
       .fn = [r](const tensor_list& in) { return cross_entropy(in[0], in[1], in[2], r, 1, 0.2); },
       .samples = class_weight_samples,
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .empty_samples = class_weight_empty,
       .fixtures = {"cross_entropy_smoothing_" + suffix}},
      {.name = "cross_entropy_kdim_" + suffix,
       .fn =
           [r](const tensor_list& in) {
             return cross_entropy(classes_to_dim1(in[0]), in[1], in[2], r, 2, 0.1);
           },
       .samples = kdim_samples,
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .empty_samples = kdim_empty,
       .fixtures = {"cross_entropy_kdim_" + suffix}},
      {.name = "cross_entropy_probs_" + suffix,
       .fn = [r](const tensor_list& in) { return cross_entropy(in[0], in[1], Tensor(), r); },
       .samples = {{{5, 4}, {5, 4}}, {{4}, {4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}}},
       .fixtures = {"cross_entropy_probs_" + suffix}},
      {.name = "poisson_nll_loss_" + suffix,
       .fn = [r](const tensor_list& in) { return poisson_nll_loss(in[0], in[1], true, false, 1e-8, r); },
       .samples = {{{4, 3}, {4, 3}}, {{4, 3}, {3}}},
       .domains = {kAny, kConstant},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"poisson_nll_loss_" + suffix}},
      {.name = "gaussian_nll_loss_" + suffix,
       .fn = [r](const tensor_list& in) { return gaussian_nll_loss(in[0], in[1], in[2], false, 1e-6, r); },
       .samples = {{{4, 3}, {4, 3}, {4, 3}}, {{4, 3}, {4, 3}, {4}}, {{4, 3}, {3}, {4, 1}}},
       .domains = {kAny, kAny, kPositive},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {0, 3}}, {{0, 3}, {0, 3}, {0}}, {{4, 0}, {4, 0}, {4, 0}}},
       .fixtures = {"gaussian_nll_loss_" + suffix}},
  };
  if (r == kMean) {
    OpCase& l1 = rows[0];
    append(l1.bad, {{{{3, 4}, {3}}, "l1_loss: shapes [3, 4] and [3] do not broadcast"},
                    {.shapes = {{4}, {4}},
                     .message = "l1_loss: input is float32 but target is float64",
                     .dtypes = {kFloat32, kFloat64}},
                    {.shapes = {{4}, {4}},
                     .message = "l1_loss: expected input to be float32 or float64, got int64",
                     .dtypes = {kInt64}}});
    append(l1.fixtures, {"l1_loss_broadcast"});
    append(rows[1].bad,
           {{.shapes = {{4}, {4}},
             .message = "smooth_l1_loss: smooth_l1_loss does not support negative values for beta",
             .fn = [](const tensor_list& in) { return smooth_l1_loss(in[0], in[1], kMean, -1.0); }}});
    append(rows[2].bad, {{.shapes = {{4}, {4}},
                          .message = "huber_loss: huber_loss does not support non-positive values for delta",
                          .fn = [](const tensor_list& in) { return huber_loss(in[0], in[1], kMean, 0.0); }}});
    append(
        rows[3].bad,
        {{{{3, 4}, {4}},
          "binary_cross_entropy: Using a target size ([4]) that is different to the input size ([3, 4]) is "
          "deprecated"},
         {.shapes = {{2}, {2}},
          .message = "binary_cross_entropy: all elements of input should be between 0 and 1",
          .fn = [](const tensor_list& in) { return binary_cross_entropy(in[0] + 1.5, in[1]); }},
         {.shapes = {{2, 3}, {2, 3}, {2}},
          .message = "binary_cross_entropy: weight shape [2] does not broadcast to the input shape [2, 3]",
          .fn = [](const tensor_list& in) { return binary_cross_entropy(in[0], in[1], in[2].detach()); }}});
    append(rows[4].bad,
           {{{{2, 3}, {2, 3}, {2, 3}, {4}},
             "binary_cross_entropy_with_logits: pos_weight shape [4] does not broadcast to the input "
             "shape [2, 3]"},
            {{{2, 3}, {3, 2}, {3}, {3}},
             "binary_cross_entropy_with_logits: input shape [2, 3] and "
             "target shape [3, 2] differ"}});
    append(rows[6].bad, {{.shapes = {{2, 5}, {2}, {5}},
                          .message = "nll_loss: target 5 at position 1 is outside [0, 5)",
                          .fn = [](const tensor_list& in) {
                            return nll_loss(in[0], int64s({1, 5}), in[2].detach(), kMean, 1);
                          }}});
    append(rows[7].bad, {{{{2, 3, 4}, {2, 4}, {4}},
                          "nll_loss: target shape [2, 4] does not match input shape [2, 4, 3]; "
                          "expected [2, 3]"}});
    append(rows[5].bad, {{.shapes = {{4}, {4}},
                          .message = "kl_div: input is float32 but target is float64",
                          .dtypes = {kFloat32, kFloat64}}});
    append(rows[8].bad,
           {{{{2, 3}, {2}, {2}},
             "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but "
             "got weight tensor of shape: [2]"}});
    append(rows[12].bad, {{{{3, 4}, {2, 4}}, "poisson_nll_loss: shapes [3, 4] and [2, 4] do not broadcast"}});
    append(rows[13].bad,
           {{{{4, 3}, {4, 3}, {4, 2}},
             "gaussian_nll_loss: var is of incorrect size: var shape [4, 2] for input shape [4, 3]"},
            {.shapes = {{2}, {2}, {2}},
             .message = "gaussian_nll_loss: var has negative entry/entries",
             .fn = [](const tensor_list& in) { return gaussian_nll_loss(in[0], in[1], -in[2]); }}});
  }
  return rows;
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
  std::vector<OpCase> rows = {mse, cross_entropy_row, nll, bce};
  append(rows, more_per_reduction_rows(suffix, r));
  return rows;
}

// Rows for one option each, under the default reduction.
std::vector<OpCase> single_rows() {
  namespace F = nn::functional;
  const Samples pair_samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}};
  const Samples pair_empty = {{{0, 4}, {0, 4}}};
  return {
      {.name = "smooth_l1_loss_beta0",
       .fn = [](const tensor_list& in) { return smooth_l1_loss(in[0], in[1], kMean, 0.0); },
       .samples = pair_samples,
       .domains = {kKinks, kConstant},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"smooth_l1_loss_beta0"}},
      {.name = "bce_saturated",
       .fn = [](const tensor_list& in) { return binary_cross_entropy(in[0], in[1], in[2], kSum); },
       .samples = {{{3, 4}, {3, 4}, {4}}},
       .domains = {Domain::OpenUnit, kProbability, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}, {4}}},
       .fixtures = {"bce_saturated"}},
      {.name = "bce_target_grad",
       .fn = [](const tensor_list& in) { return binary_cross_entropy(in[0], in[1], in[2]); },
       .samples = {{{4, 3}, {4, 3}, {4, 1}}},
       .domains = {Domain::OpenUnit, Domain::OpenUnit, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {1}}},
       .fixtures = {"bce_target_grad"}},
      {.name = "bce_with_logits_weight_only",
       .fn = [](const tensor_list& in) { return binary_cross_entropy_with_logits(in[0], in[1], in[2]); },
       .samples = {{{4, 3}, {4, 3}, {4, 1}}},
       .domains = {kAny, kAny, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {3}}},
       .fixtures = {"bce_with_logits_weight_only"}},
      {.name = "kl_div_log_target_batchmean",
       .fn =
           [](const tensor_list& in) {
             return F::kl_div(in[0], in[1], F::KLDivFuncOptions().reduction(kBatchMean).log_target(true));
           },
       .samples = {{{4, 3}, {4, 3}}, {{}, {}}},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"kl_div_log_target"}},
      {.name = "kl_div_batchmean",
       .fn = [](const tensor_list& in) { return F::kl_div(in[0], in[1], F::KLDivFuncOptions(kBatchMean)); },
       .samples = {{{4, 3}, {4, 3}}},
       .domains = {kAny, kPositive},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"kl_div_batchmean"}},
      {.name = "cross_entropy_smoothing_unweighted",
       .fn = [](const tensor_list& in) { return cross_entropy(in[0], in[1], Tensor(), kMean, -100, 0.3); },
       .samples = {{{6, 4}, {6}}, {{4}, {}}},
       .domains = {kAny, kClasses},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0}}},
       .fixtures = {"cross_entropy_smoothing_unweighted"}},
      {.name = "cross_entropy_1d_smoothing",
       .fn = [](const tensor_list& in) { return cross_entropy(in[0], in[1], in[2], kMean, -100, 0.25); },
       .samples = {{{5}, {}, {5}}},
       .domains = {kAny, kClasses, kConstant},
       .double_backward = true,
       .bad = {{.shapes = {{0}},
                .message = "cross_entropy: target 0 at position 0 is outside [0, 0)",
                .fn =
                    [](const tensor_list& in) {
                      return cross_entropy(in[0], int64s({0}, {}), Tensor(), kMean, -100, 0.25);
                    }}},
       .fixtures = {"cross_entropy_1d_smoothing"}},
      {.name = "cross_entropy_probs_weighted",
       .fn =
           [](const tensor_list& in) {
             return cross_entropy(movedim(in[0], -1, 1), movedim(in[1], -1, 1), in[2], kMean, -100, 0.2);
           },
       .samples = {{{2, 3, 4}, {2, 3, 4}, {4}}},
       .double_backward = true,
       .empty_samples = {{{2, 3, 0}, {2, 3, 0}, {0}}},
       .fixtures = {"cross_entropy_probs_weighted"}},
      {.name = "nll_loss_all_ignored",
       .fn = [](const tensor_list& in) { return nll_loss(in[0], in[1], Tensor(), kMean, 0); },
       .samples = {{{3, 4}, {3}}},
       .domains = {kAny, kClasses},
       .empty_samples = {{{0, 4}, {0}}},
       .fixtures = {"nll_loss_all_ignored"}},
      // Targets in [-1, 1]: the Stirling term (targets > 1) is in the fixture, whose targets reach 4.
      {.name = "poisson_nll_loss_full",
       .fn = [](const tensor_list& in) { return poisson_nll_loss(in[0], in[1], false, true, 1e-3, kMean); },
       .samples = {{{4, 3}, {4, 3}}},
       .domains = {kPositive, kConstant},
       .double_backward = true,
       .empty_samples = pair_empty,
       .fixtures = {"poisson_nll_loss_full"}},
      {.name = "gaussian_nll_loss_homoscedastic",
       .fn = [](const tensor_list& in) { return gaussian_nll_loss(in[0], in[1], in[2], true, 0.6, kSum); },
       .samples = {{{4, 3}, {4, 3}, {4}}},
       .domains = {kAny, kAny, kPositive},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {0}}},
       .fixtures = {"gaussian_nll_loss_homoscedastic"}},
      {.name = "gaussian_nll_loss_last_dim_one",
       .fn = [](const tensor_list& in) { return gaussian_nll_loss(in[0], in[1], in[2]); },
       .samples = {{{4, 3}, {4, 3}, {4, 1}}},
       .domains = {kAny, kAny, kPositive},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}, {0, 1}}},
       .fixtures = {"gaussian_nll_loss_last_dim_one"}},
  };
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
  append(cases, single_rows());
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
