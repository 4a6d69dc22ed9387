// Rows for autograd/ops/attention.cpp. Samples cross no block boundary except the *_blocks samples (the
// fused kernels work in blocks of 64 query rows and 64 keys); tests/autograd/attention_test.cpp has the
// long sequences, dropout statistics and the paths the table cannot express.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

Tensor attend(const tensor_list& in) { return scaled_dot_product_attention(in[0], in[1], in[2]); }

Tensor attend_causal(const tensor_list& in) {
  return scaled_dot_product_attention(in[0], in[1], in[2], {}, 0.0, /*is_causal=*/true);
}

Tensor attend_masked(const tensor_list& in) {
  return scaled_dot_product_attention(in[0], in[1], in[2], in[3]);
}

// Shapes as [q, k, v]: batch dims, broadcast leading dims, L != S, Ev != E, no batch dims, one key.
const Samples kAttentionSamples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 6}},
                                   {{3, 4}, {5, 4}, {5, 2}},
                                   {{2, 2, 3, 4}, {2, 1, 5, 4}, {5, 3}},
                                   {{1, 4, 2}, {3, 1, 2}, {1, 1, 3}},
                                   {{2, 6, 3}, {2, 2, 3}, {2, 2, 3}}};
const Samples kAttentionEmpty = {{{0, 3, 4}, {0, 5, 4}, {0, 5, 6}},
                                 {{2, 0, 4}, {2, 5, 4}, {2, 5, 6}},
                                 {{2, 3, 4}, {2, 0, 4}, {2, 0, 6}},
                                 {{2, 3, 4}, {2, 5, 4}, {2, 5, 0}}};
const Samples kMaskedEmpty = {{{0, 3, 4}, {0, 5, 4}, {0, 5, 6}, {3, 5}},
                              {{2, 0, 4}, {2, 5, 4}, {2, 5, 6}, {0, 5}},
                              {{2, 3, 4}, {2, 0, 4}, {2, 0, 6}, {3, 0}}};

}  // namespace

std::vector<OpCase> attention_cases() {
  return {
      {.name = "scaled_dot_product_attention",
       .fn = attend,
       .samples = kAttentionSamples,
       .double_backward = true,
       .bad =
           {{{{2, 3, 4}, {2, 5, 3}, {2, 5, 6}},
             "scaled_dot_product_attention: query [2, 3, 4] and key [2, 5, 3] must have the same embedding "
             "size"},
            {{{2, 3, 4}, {2, 5, 4}, {2, 6, 6}},
             "scaled_dot_product_attention: key [2, 5, 4] and value [2, 6, 6] must have the same sequence "
             "length"},
            {{{4}, {5, 4}, {5, 6}},
             "scaled_dot_product_attention: query, key and value must have at least 2 dims"},
            {{{2, 3, 4}, {3, 5, 4}, {5, 6}},
             "scaled_dot_product_attention: the batch dims of query [2, 3, 4], key [3, 5, 4] and value [5, "
             "6] do not "
             "broadcast"},
            {.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}},
             .message =
                 "scaled_dot_product_attention: query, key and value must have the same dtype, got query "
                 "float64, key float32",
             .dtypes = {kFloat64, kFloat32}},
            {.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}},
             .message = "scaled_dot_product_attention: expected query to be float32 or float64, got int64",
             .dtypes = {kInt64}},
            {.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}},
             .message =
                 "scaled_dot_product_attention: dropout probability has to be between 0 and 1, but got 1.5",
             .fn =
                 [](const tensor_list& in) {
                   return scaled_dot_product_attention(in[0], in[1], in[2], {}, 1.5);
                 }}},
       .empty_samples = kAttentionEmpty,
       .fixtures = {"sdpa_basic", "sdpa_broadcast", "sdpa_f32_blocks"}},
      {.name = "scaled_dot_product_attention_causal",
       .fn = attend_causal,
       .samples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 3}},  // L < S: the last keys are never seen
                   {{1, 6, 4}, {1, 4, 4}, {1, 4, 4}},  // L > S
                   {{67, 2}, {70, 2}, {70, 2}}},       // blocks
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {3, 5}},
                .message =
                    "scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
                .fn =
                    [](const tensor_list& in) {
                      return scaled_dot_product_attention(in[0], in[1], in[2], in[3], 0.0, true);
                    }}},
       .empty_samples = kAttentionEmpty,
       .fixtures = {"sdpa_causal_short_queries", "sdpa_causal_long_queries", "sdpa_causal_blocks"}},
      {.name = "scaled_dot_product_attention_bool_mask",
       .fn = attend_masked,
       .samples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {3, 5}},
                   {{2, 2, 3, 4}, {2, 5, 4}, {2, 5, 3}, {2, 1, 1, 5}}},
       .domains = {kAny, kAny, kAny, Domain::Mask},
       .double_backward = true,
       .bad = {{.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {4, 5}},
                .message = "scaled_dot_product_attention: attn_mask of shape [4, 5] does not broadcast to "
                           "the attention "
                           "weights' shape [2, 3, 5] (query [2, 3, 4], key [2, 5, 4])"},
               {.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {3, 3, 5}},
                .message = "scaled_dot_product_attention: attn_mask of shape [3, 3, 5] does not broadcast"},
               {.shapes = {{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {3, 5}},
                .message =
                    "scaled_dot_product_attention: Expected attn_mask dtype to be bool or to match query "
                    "dtype, got attn_mask int64",
                .dtypes = {kFloat64, kFloat64, kFloat64, kInt64}}},
       .empty_samples = kMaskedEmpty,
       .fixtures = {"sdpa_bool_mask"}},
      {.name = "scaled_dot_product_attention_float_mask",
       .fn = attend_masked,
       .samples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 6}, {3, 5}}, {{2, 3, 4}, {5, 4}, {5, 6}, {2, 1, 5}}},
       .domains = {kAny, kAny, kAny, kConstant},
       .double_backward = true,
       .empty_samples = kMaskedEmpty,
       .fixtures = {"sdpa_float_mask"}},
      {.name = "scaled_dot_product_attention_scale",
       .fn =
           [](const tensor_list& in) {
             return scaled_dot_product_attention(in[0], in[1], in[2], {}, 0.0, false, 0.3);
           },
       .samples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 6}}},
       .double_backward = true,
       .empty_samples = kAttentionEmpty,
       .fixtures = {"sdpa_scale"}},
      // The seed is set inside fn, so every call (gradcheck's perturbed ones included) drops the same
      // weights, and the backward must drop the ones its forward dropped.
      {.name = "scaled_dot_product_attention_dropout",
       .fn =
           [](const tensor_list& in) {
             manual_seed(7);
             return scaled_dot_product_attention(in[0], in[1], in[2], {}, 0.4, /*is_causal=*/true);
           },
       .samples = {{{2, 3, 4}, {2, 5, 4}, {2, 5, 6}}, {{67, 2}, {70, 2}, {70, 3}}},
       .double_backward = true,
       .empty_samples = kAttentionEmpty},
  };
}

}  // namespace tg::testing
