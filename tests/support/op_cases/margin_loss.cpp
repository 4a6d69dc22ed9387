// Rows for autograd/ops/distance.cpp and autograd/ops/margin_loss.cpp (and the F:: forms with no
// at:: op of their own): each loss under every reduction. Targets that must be +-1 are passed
// through sign(), which leaves the fixtures' +-1 targets as they are.
#include <string>
#include <utility>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

namespace F = nn::functional;

template <class T>
void append(std::vector<T>& to, std::vector<T> more) {
  to.insert(to.end(), more.begin(), more.end());
}

std::vector<OpCase> distance_rows() {
  return {
      {.name = "cosine_similarity",
       .fn = [](const tensor_list& in) { return cosine_similarity(in[0], in[1]); },
       .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{2, 1, 3}, {2, 4, 1}}},
       .double_backward = true,
       .bad =
           {{{{3, 4}, {5}}, "cosine_similarity: shapes [3, 4] and [5] do not broadcast (dim -1: 4 vs 5)"},
            {.shapes = {{3, 4}, {3, 4}},
             .message =
                 "cosine_similarity: expected common dtype to be floating point, yet common dtype is int64",
             .dtypes = {kInt64}},
            {.shapes = {{3, 4}, {3, 4}},
             .message = "cosine_similarity: dim 2 is out of range for a tensor of rank 2",
             .fn = [](const tensor_list& in) { return cosine_similarity(in[0], in[1], 2); }}},
       .empty_samples = {{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}, {{0, 4}, {4}}},
       .fixtures = {"cosine_similarity", "cosine_similarity_broadcast", "cosine_similarity_zero_vector",
                    "cosine_similarity_below_eps"}},
      {.name = "cosine_similarity_dim0_eps",
       .fn =
           [](const tensor_list& in) {
             return F::cosine_similarity(in[0], in[1], F::CosineSimilarityFuncOptions().dim(0).eps(1e-3));
           },
       .samples = {{{4, 3}, {4, 3}}, {{5}, {5}}, {{}, {}}},
       .double_backward = true,
       .empty_samples = {{{0, 3}, {0, 3}}, {{4, 0}, {4, 0}}},
       .fixtures = {"cosine_similarity_dim0_eps"}},
      {.name = "pairwise_distance",
       .fn = [](const tensor_list& in) { return pairwise_distance(in[0], in[1]); },
       .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{4}, {2, 3, 4}}, {{5}, {5}}, {{}, {}}},
       .double_backward = true,
       .bad = {{{{2, 3}, {4}}, "pairwise_distance: shapes [2, 3] and [4] do not broadcast"},
               {.shapes = {{3}, {3}},
                .message = "pairwise_distance: expected x1 to be float32 or float64, got int64",
                .dtypes = {kInt64}}},
       .empty_samples = {{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}},
       .fixtures = {"pairwise_distance", "pairwise_distance_broadcast", "pairwise_distance_0d"}},
      {.name = "pairwise_distance_p1_keepdim",
       .fn =
           [](const tensor_list& in) {
             return F::pairwise_distance(in[0], in[1], F::PairwiseDistanceFuncOptions().p(1).keepdim(true));
           },
       .samples = {{{3, 4}, {3, 4}}, {{2, 3, 4}, {3, 4}}},
       .domains = {kKinks, kConstant},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}}},
       .fixtures = {"pairwise_distance_p1_keepdim"}},
      {.name = "pairwise_distance_p3_eps",
       .fn =
           [](const tensor_list& in) {
             return F::pairwise_distance(in[0], in[1], F::PairwiseDistanceFuncOptions().p(3).eps(0.1));
           },
       .samples = {{{3, 4}, {3, 4}}},
       .double_backward = true,
       .empty_samples = {{{0, 4}, {0, 4}}},
       .fixtures = {"pairwise_distance_p3_eps"}},
  };
}

// One row per loss under reduction r; input errors and the edge-case fixtures are checked once,
// under the default reduction (mean).
std::vector<OpCase> per_reduction_rows(const std::string& suffix, Reduction r) {
  OpCase ranking{
      .name = "margin_ranking_loss_" + suffix,
      .fn = [r](const tensor_list& in) { return margin_ranking_loss(in[0], in[1], in[2], 0.1, r); },
      .samples = {{{5}, {5}, {5}}, {{3, 4}, {3, 4}, {3, 4}}, {{3, 1}, {1, 4}, {3, 4}}},
      .double_backward = true,
      .empty_samples = {{{0}, {0}, {0}}, {{0, 4}, {1, 4}, {0, 4}}},
      .fixtures = {"margin_ranking_loss_" + suffix}};
  OpCase hinge{.name = "hinge_embedding_loss_" + suffix,
               .fn = [r](const tensor_list& in) { return hinge_embedding_loss(in[0], sign(in[1]), 0.5, r); },
               .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{5}, {5}}},
               .domains = {kAny, kConstant},
               .double_backward = true,
               .empty_samples = {{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}},
               .fixtures = {"hinge_embedding_loss_" + suffix}};
  OpCase soft{.name = "soft_margin_loss_" + suffix,
              .fn = [r](const tensor_list& in) { return soft_margin_loss(in[0], in[1], r); },
              .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {4}}},
              .domains = {kAny, kConstant},
              .double_backward = true,
              .empty_samples = {{{0, 4}, {0, 4}}},
              .fixtures = {"soft_margin_loss_" + suffix}};
  OpCase cosine{
      .name = "cosine_embedding_loss_" + suffix,
      .fn = [r](const tensor_list& in) { return cosine_embedding_loss(in[0], in[1], sign(in[2]), 0.2, r); },
      .samples = {{{3, 4}, {3, 4}, {3}}, {{4}, {4}, {}}, {{3, 4}, {1, 4}, {3}}},
      .domains = {kAny, kAny, kConstant},
      .double_backward = true,
      .empty_samples = {{{0, 4}, {0, 4}, {0}}, {{3, 0}, {3, 0}, {3}}},
      .fixtures = {"cosine_embedding_loss_" + suffix}};
  OpCase multi{
      .name = "multi_margin_loss_" + suffix,
      .fn = [r](const tensor_list& in) { return multi_margin_loss(in[0], in[1], 1, 1, std::nullopt, r); },
      .samples = {{{5, 4}, {5}}, {{4}, {}}, {{4}, {1}}},
      .domains = {kAny, kClasses},
      .double_backward = true,
      .empty_samples = {{{0, 4}, {0}}},
      .fixtures = {"multi_margin_loss_" + suffix}};
  OpCase multi_weighted{
      .name = "multi_margin_loss_p2_weight_" + suffix,
      .fn = [r](const tensor_list& in) { return multi_margin_loss(in[0], in[1], 2, 0.5, in[2], r); },
      .samples = {{{5, 4}, {5}, {4}}},
      .domains = {kAny, kClasses, kPositive},
      .double_backward = true,
      .empty_samples = {{{0, 4}, {0}, {4}}},
      .empty_fn =
          [r](const tensor_list& in) {
            return multi_margin_loss(in[0], in[1], 2, 0.5, in[2], r == kMean ? kSum : r);
          },
      .fixtures = {"multi_margin_loss_p2_weight_" + suffix}};
  OpCase triplet{.name = "triplet_margin_loss_" + suffix,
                 .fn =
                     [r](const tensor_list& in) {
                       return triplet_margin_loss(in[0], in[1], in[2], 1.0, 2, 1e-6, false, r);
                     },
                 .samples = {{{3, 4}, {3, 4}, {3, 4}}, {{4}, {4}, {4}}, {{3, 4}, {1, 4}, {3, 4}}},
                 .double_backward = true,
                 .empty_samples = {{{0, 4}, {0, 4}, {0, 4}}},
                 .fixtures = {"triplet_margin_loss_" + suffix}};
  OpCase triplet_swap{.name = "triplet_margin_loss_swap_p1_" + suffix,
                      .fn =
                          [r](const tensor_list& in) {
                            return triplet_margin_loss(in[0], in[1], in[2], 0.5, 1, 1e-6, true, r);
                          },
                      .samples = {{{5, 3}, {5, 3}, {5, 3}}},
                      .domains = {kKinks},
                      .double_backward = true,
                      .empty_samples = {{{0, 3}, {0, 3}, {0, 3}}},
                      .fixtures = {"triplet_margin_loss_swap_p1_" + suffix}};
  OpCase multilabel{.name = "multilabel_margin_loss_" + suffix,
                    .fn = [r](const tensor_list& in) { return multilabel_margin_loss(in[0], in[1], r); },
                    .samples = {{{5, 4}, {5, 4}}, {{4}, {4}}},
                    .domains = {kAny, kClasses},
                    .double_backward = true,
                    .empty_samples = {{{0, 4}, {0, 4}}},
                    .fixtures = {"multilabel_margin_loss_" + suffix}};
  OpCase multilabel_soft{.name = "multilabel_soft_margin_loss_" + suffix,
                         .fn =
                             [r](const tensor_list& in) {
                               return F::multilabel_soft_margin_loss(
                                   in[0], in[1], F::MultilabelSoftMarginLossFuncOptions().reduction(r));
                             },
                         .samples = {{{3, 4}, {3, 4}}, {{4}, {4}}, {{2, 3, 4}, {4}}},
                         .domains = {kAny, kProbability},
                         .double_backward = true,
                         .empty_samples = {{{0, 4}, {0, 4}}},
                         .fixtures = {"multilabel_soft_margin_loss_" + suffix}};
  OpCase triplet_distance{.name = "triplet_margin_with_distance_loss_" + suffix,
                          .fn =
                              [r](const tensor_list& in) {
                                auto cosine_distance = [](const Tensor& a, const Tensor& b) {
                                  return 1.0 - cosine_similarity(a, b);
                                };
                                return F::triplet_margin_with_distance_loss(
                                    in[0], in[1], in[2],
                                    F::TripletMarginWithDistanceLossFuncOptions()
                                        .distance_function(cosine_distance)
                                        .margin(0.3)
                                        .swap(true)
                                        .reduction(r));
                              },
                          .samples = {{{3, 4}, {3, 4}, {3, 4}}},
                          .double_backward = true,
                          .empty_samples = {{{0, 4}, {0, 4}, {0, 4}}},
                          .fixtures = {"triplet_margin_with_distance_loss_" + suffix}};
  if (r == kMean) {
    // The mean of no elements is NaN (as in PyTorch), which finite differences cannot check for
    // inputs that are not empty themselves: such cases are left to the sum and none rows, or run
    // under sum.
    ranking.empty_samples = {{{0}, {0}, {0}}};
    append(ranking.bad,
           {{{{3}, {3, 1}, {3}},
             "margin_ranking_loss: all input tensors should have the same dimension but got sizes: "
             "input1: [3], input2: [3, 1], target: [3]"},
            {{{3}, {3}, {2}}, "margin_ranking_loss: shapes [3] and [2] do not broadcast"}});
    append(ranking.fixtures, {"margin_ranking_loss_margin_hit"});
    append(hinge.bad, {{{{3}, {2}}, "hinge_embedding_loss: shapes [3] and [2] do not broadcast"},
                       {.shapes = {{3}, {3}},
                        .message = "hinge_embedding_loss: expected input to be float32 or float64, got int64",
                        .dtypes = {kInt64, kFloat64}}});
    append(hinge.fixtures, {"hinge_embedding_loss_margin_hit"});
    append(soft.bad, {{{{2, 3}, {2}}, "soft_margin_loss: shapes [2, 3] and [2] do not broadcast"}});
    append(cosine.bad,
           {{{{2, 3}, {2, 3}, {2, 1}},
             "cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported; got target "
             "shape [2, 1]"},
            {{{3}, {3}, {1}},
             "cosine_embedding_loss: 1D target tensor expects 2D input tensors, but found inputs with sizes "
             "[3] and [3]"},
            {{{2, 3}, {2, 3}, {3}}, "cosine_embedding_loss: shapes [2] and [3] do not broadcast"}});
    append(cosine.fixtures, {"cosine_embedding_loss_zero_vector"});
    append(
        multi.bad,
        {{.shapes = {{2, 3}},
          .message = "multi_margin_loss: target out of range: 3 at position 1 is outside [0, 3)",
          .fn =
              [](const tensor_list& in) {
                return multi_margin_loss(in[0], int64s({0, 3}));
              }},
         {.shapes = {{2, 3}},
          .message =
              "multi_margin_loss: inconsistent target size, expected 2 class indices but got shape [1]",
          .fn = [](const tensor_list& in) { return multi_margin_loss(in[0], int64s({0})); }},
         {.shapes = {{2, 3}},
          .message = "multi_margin_loss: only p == 1 and p == 2 supported, got p = 3",
          .fn =
              [](const tensor_list& in) {
                return multi_margin_loss(in[0], int64s({0, 1}), 3);
              }},
         {.shapes = {{2, 3}, {3}},
          .message =
              "multi_margin_loss: weight must be one-dimensional with one entry per class (3), got shape [2]",
          .dtypes = {kFloat64},
          .fn =
              [](const tensor_list& in) {
                return multi_margin_loss(in[0], int64s({0, 1}), 1, 1, in[1].slice(0, 0, 2));
              }},
         {.shapes = {{2, 0}},
          .message = "multi_margin_loss: expected non-empty vector or matrix with optional 0-dim batch size, "
                     "but got: [2, 0]",
          .fn =
              [](const tensor_list& in) {
                return multi_margin_loss(in[0], int64s({0, 0}));
              }},
         {.shapes = {{2, 3}, {2}},
          .message = "multi_margin_loss: target must hold int64 class indices, got float32",
          .dtypes = {kFloat64, kFloat32}}});
    append(multi.fixtures, {"multi_margin_loss_margin_hit"});
    append(triplet.bad,
           {{{{2, 3}, {2, 3}, {3}},
             "triplet_margin_loss: all inputs should have same dimension but got 2D, 2D and 1D inputs"}});
    append(multilabel.bad,
           {{.shapes = {{2, 3}},
             .message = "multilabel_margin_loss: target out of range: 3 in row 1 is outside [-1, 3)",
             .fn =
                 [](const tensor_list& in) {
                   return multilabel_margin_loss(in[0], int64s({0, -1, 1, 3, -1, 0}, {2, 3}));
                 }},
            {.shapes = {{2, 3}},
             .message = "multilabel_margin_loss: target shape [1, 3] does not match input shape [2, 3]",
             .fn = [](const tensor_list& in) {
               return multilabel_margin_loss(in[0], int64s({0, -1, 1}, {1, 3}));
             }}});
    append(multilabel.fixtures, {"multilabel_margin_loss_terminated"});
  }
  return {ranking, hinge,        soft,       cosine,          multi,           multi_weighted,
          triplet, triplet_swap, multilabel, multilabel_soft, triplet_distance};
}

}  // namespace

std::vector<OpCase> margin_loss_cases() {
  std::vector<OpCase> cases = distance_rows();
  for (auto [suffix, reduction] :
       {std::pair{"mean", kMean}, std::pair{"sum", kSum}, std::pair{"none", kNone}})
    for (OpCase& row : per_reduction_rows(suffix, reduction)) cases.push_back(std::move(row));
  cases.push_back({.name = "multilabel_soft_margin_loss_weight",
                   .fn =
                       [](const tensor_list& in) {
                         return F::multilabel_soft_margin_loss(
                             in[0], in[1], F::MultilabelSoftMarginLossFuncOptions().weight(in[2]));
                       },
                   .samples = {{{3, 4}, {3, 4}, {4}}},
                   .domains = {kAny, kProbability, kPositive},
                   .double_backward = true,
                   .empty_samples = {{{0, 4}, {0, 4}, {4}}},
                   .empty_fn =
                       [](const tensor_list& in) {
                         return F::multilabel_soft_margin_loss(
                             in[0], in[1],
                             F::MultilabelSoftMarginLossFuncOptions().weight(in[2]).reduction(kSum));
                       },
                   .fixtures = {"multilabel_soft_margin_loss_weight"}});
  return cases;
}

}  // namespace tg::testing
