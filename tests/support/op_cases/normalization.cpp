// Rows for autograd/ops/normalization.cpp (layer_norm, rms_norm; the fused kernels, their composed
// double backward) and for nn::functional::embedding (index_select's scatter-add backward with padding and
// frequency scaling). normalized_shape is taken from the weight's shape where the row has a weight.
// tests/autograd/normalization_test.cpp has float32 accuracy, thread-count determinism and big tables.
#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

namespace F = nn::functional;

const Samples kAffineSamples = {
    {{3, 4}, {4}, {4}}, {{2, 3, 4}, {3, 4}, {3, 4}}, {{2, 2, 1, 5}, {1, 5}, {1, 5}}};
const Samples kAffineEmpty = {{{0, 4}, {4}, {4}}, {{2, 0, 3, 4}, {3, 4}, {3, 4}}, {{3, 0}, {0}, {0}}};
const Samples kWeightSamples = {{{3, 4}, {4}}, {{2, 3, 4}, {3, 4}}, {{5, 1}, {1}}};
const Samples kWeightEmpty = {{{0, 4}, {4}}, {{2, 0, 3, 4}, {3, 4}}, {{3, 0}, {0}}};

Tensor last_dim_shape_error(const tensor_list& in) { return layer_norm(in[0], {3}, in[1], in[2]); }

}  // namespace

std::vector<OpCase> normalization_cases() {
  return {
      {.name = "layer_norm",
       .fn = [](const tensor_list& in) { return layer_norm(in[0], in[1].sizes(), in[1], in[2]); },
       .samples = kAffineSamples,
       .double_backward = true,
       .bad =
           {{{{2, 4}, {3}, {3}},
             "layer_norm: Given normalized_shape=[3], expected input with shape [*, 3], but got input of "
             "size[2, 4]"},
            {{{3}, {2, 3}, {2, 3}},
             "layer_norm: Given normalized_shape=[2, 3], expected input with shape [*, 2, 3], but got input "
             "of size[3]"},
            {.shapes = {{2, 3}, {4}, {3}},
             .message = "layer_norm: Expected weight to be of same shape as normalized_shape, but got weight "
                        "of shape [4] and normalized_shape = [3]",
             .fn = last_dim_shape_error},
            {.shapes = {{2, 3}, {3}, {1, 3}},
             .message = "layer_norm: Expected bias to be of same shape as normalized_shape, but got bias of "
                        "shape [1, 3] and normalized_shape = [3]",
             .fn = last_dim_shape_error},
            {.shapes = {{2, 3}},
             .message = "layer_norm: Expected normalized_shape to be at least 1-dimensional",
             .fn = [](const tensor_list& in) { return layer_norm(in[0], std::vector<std::int64_t>{}); }},
            {.shapes = {{2, 3}, {3}, {3}},
             .message = "layer_norm: expected input to be float32 or float64, got int64",
             .dtypes = {kInt64}},
            {.shapes = {{2, 3}, {3}, {3}},
             .message = "layer_norm: expected weight to have input's dtype float64, got float32",
             .dtypes = {kFloat64, kFloat32}}},
       .empty_samples = kAffineEmpty,
       .fixtures = {"layer_norm", "layer_norm_2d_shape", "layer_norm_f32", "layer_norm_large_mean"}},
      {.name = "layer_norm_no_affine",
       .fn = [](const tensor_list& in) { return layer_norm(in[0], {in[0].size(-1)}, {}, {}, 1e-3); },
       .samples = {{{2, 3, 5}}, {{4, 1}}, {{6}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}}, {{3, 0}}},
       .fixtures = {"layer_norm_no_affine"}},
      {.name = "layer_norm_weight_only",
       .fn =
           [](const tensor_list& in) {
             return F::layer_norm(in[0],
                                  F::LayerNormFuncOptions(
                                      std::vector<std::int64_t>(in[1].sizes().begin(), in[1].sizes().end()))
                                      .weight(in[1]));
           },
       .samples = kWeightSamples,
       .double_backward = true,
       .empty_samples = kWeightEmpty,
       .fixtures = {"layer_norm_weight_only"}},
      {.name = "rms_norm",
       .fn = [](const tensor_list& in) { return rms_norm(in[0], in[1].sizes(), in[1]); },
       .samples = kWeightSamples,
       .double_backward = true,
       .bad = {{{{2, 4}, {3}},
                "rms_norm: Given normalized_shape=[3], expected input with shape [*, 3], but got input of "
                "size[2, 4]"},
               {.shapes = {{2, 3}, {4}},
                .message =
                    "rms_norm: Expected weight to be of same shape as normalized_shape, but got weight of "
                    "shape [4] and normalized_shape = [3]",
                .fn = [](const tensor_list& in) { return rms_norm(in[0], {3}, in[1]); }}},
       .empty_samples = kWeightEmpty,
       .fixtures = {"rms_norm", "rms_norm_2d_shape", "rms_norm_f32"}},
      {.name = "rms_norm_no_weight_eps",
       .fn = [](const tensor_list& in) { return F::rms_norm(in[0], {in[0].size(-1)}, {}, 1e-3); },
       .samples = {{{2, 3, 5}}, {{4, 1}}, {{6}}},
       .double_backward = true,
       .empty_samples = {{{0, 5}}, {{3, 0}}},
       .fixtures = {"rms_norm_no_weight_eps"}},
  };
}

namespace {

Tensor look_up(const tensor_list& in) { return F::embedding(in[1], in[0]); }

}  // namespace

std::vector<OpCase> embedding_cases() {
  return {
      {.name = "embedding",
       .fn = look_up,
       .samples = {{{6, 3}, {2, 3}}, {{4, 5}, {7}}, {{3, 3}, {}}},
       .domains = {kAny, kIndices},
       .double_backward = true,
       .bad = {{.shapes = {{4, 3}},
                .message = "embedding: index out of range in self: index 4 at position 1 is outside [0, 4)",
                .fn =
                    [](const tensor_list& in) {
                      return F::embedding(int64s({0, 4}), in[0]);
                    }},
               {.shapes = {{4, 3}, {2}},
                .message =
                    "embedding: Expected tensor for argument #1 'indices' to have scalar type Long; but "
                    "got float64 instead",
                .dtypes = {kFloat64}}},
       .empty_samples = {{{6, 3}, {0}}, {{6, 3}, {2, 0}}, {{6, 0}, {4}}},
       .fixtures = {"embedding"}},
      // padding_idx and scale_grad_by_freq change the gradient on purpose (no derivative, so no gradcheck):
      // values here, PyTorch's gradients in tests/nn/embedding_test.cpp.
      {.name = "embedding_padding_idx",
       .fn =
           [](const tensor_list& in) {
             return F::embedding(in[1], in[0], F::EmbeddingFuncOptions().padding_idx(-2));
           },
       .samples = {{{5, 3}, {4}}, {{4, 4}, {2, 3}}},
       .domains = {kAny, kIndices},
       .bad = {{.shapes = {{4, 3}},
                .message = "embedding: Padding_idx must be within num_embeddings",
                .fn =
                    [](const tensor_list& in) {
                      return F::embedding(int64s({0}), in[0], F::EmbeddingFuncOptions().padding_idx(-5));
                    }}},
       .fixtures = {"embedding_padding_idx"},
       .differentiable = false},
      {.name = "embedding_scale_grad_by_freq",
       .fn =
           [](const tensor_list& in) {
             return F::embedding(in[1], in[0],
                                 F::EmbeddingFuncOptions().padding_idx(1).scale_grad_by_freq(true));
           },
       .samples = {{{5, 3}, {6}}, {{3, 3}, {2, 4}}},
       .domains = {kAny, kIndices},
       .fixtures = {"embedding_scale_grad_by_freq"},
       .differentiable = false},
      // Renormalizes (in place, without gradient) the rows it looks up: values only, on a copy of weight.
      {.name = "embedding_max_norm",
       .fn =
           [](const tensor_list& in) {
             return F::embedding(in[1], in[0].detach().clone(),
                                 F::EmbeddingFuncOptions().max_norm(1.5).norm_type(3.0));
           },
       .samples = {{{5, 4}, {2, 2}}},
       .domains = {kAny, kIndices},
       .fixtures = {"embedding_max_norm"},
       .differentiable = false},
  };
}

}  // namespace tg::testing
