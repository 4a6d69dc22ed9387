// nn::MultiheadAttention and the Transformer modules against PyTorch 1.13: the fixture
// tests/fixtures/torch_transformer.safetensors (made by make_transformer_fixtures.py, which documents
// its keys) holds each case's weights, inputs, outputs and gradients; every test below builds the same
// module with tapegrad, loads the PyTorch state_dict by name and compares.
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <sstream>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

using tg::Tensor;
namespace nn = tg::nn;
namespace F = tg::nn::functional;

constexpr std::int64_t kE = 8, kH = 2;

const tg::SafetensorsFile& fixtures() {
  static const tg::SafetensorsFile file =
      tg::load_safetensors(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_transformer.safetensors");
  return file;
}

std::string key(const std::string& name, const std::string& kind, const std::string& entry) {
  return name + "/" + kind + "/" + entry;
}

bool has(const std::string& name, const std::string& kind, const std::string& entry) {
  return fixtures().tensors.find(key(name, kind, entry)) != nullptr;
}

Tensor fixture(const std::string& name, const std::string& kind, const std::string& entry) {
  const Tensor* found = fixtures().tensors.find(key(name, kind, entry));
  if (found == nullptr) throw std::runtime_error("no fixture tensor " + key(name, kind, entry));
  return found->clone();
}

// An input as a leaf that collects its gradient (masks stay plain).
Tensor input(const std::string& name, const std::string& entry) {
  if (!has(name, "input", entry)) return {};
  Tensor t = fixture(name, "input", entry);
  return t.is_floating_point() && entry.find("mask") == std::string::npos ? t.requires_grad_() : t;
}

// Loads the PyTorch state_dict: named_parameters() must have exactly its names.
void load_torch_state(nn::Module& module, const std::string& name) {
  const std::string prefix = name + "/param/";
  std::size_t stored = 0;
  for (const auto& item : fixtures().tensors)
    if (item.key().rfind(prefix, 0) == 0) ++stored;
  const auto parameters = module.named_parameters();
  EXPECT_EQ(parameters.size(), stored) << name;
  tg::NoGradGuard no_grad;
  for (const auto& item : parameters) {
    ASSERT_TRUE(has(name, "param", item.key())) << name << ": PyTorch has no parameter " << item.key();
    const Tensor value = fixture(name, "param", item.key());
    ASSERT_EQ(item.value().sizes(), value.sizes()) << item.key();
    item.value().copy_(value);
  }
}

void expect_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                  double tolerance = 1e-5) {
  ASSERT_TRUE(actual.defined()) << what;
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto got = actual.detach().to(tg::kFloat64).to_vector<double>();
  const auto want = expected.to(tg::kFloat64).to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tolerance * std::max(1.0, std::abs(want[i]))) << what << " element " << i;
}

// loss = sum(out * g) (+ sum(weights * g_w)) backward, then every output and gradient compared.
void expect_matches_torch(const std::string& name, nn::Module& module,
                          const std::vector<std::string>& input_names, const std::vector<Tensor>& inputs,
                          const Tensor& out, const Tensor& weights = {}) {
  expect_close(out, fixture(name, "output", "out"), name + " output");
  Tensor loss = (out * fixture(name, "grad_output", "out")).sum();
  if (has(name, "output", "weights")) {
    expect_close(weights, fixture(name, "output", "weights"), name + " weights");
    loss = loss + (weights * fixture(name, "grad_output", "weights")).sum();
  } else {
    EXPECT_FALSE(weights.defined()) << name;
  }
  loss.backward();
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (has(name, "grad", input_names[i]))
      expect_close(inputs[i].grad(), fixture(name, "grad", input_names[i]), name + " d/d" + input_names[i]);
  std::size_t compared = 0;
  for (const auto& item : module.named_parameters()) {
    if (!has(name, "grad", "param." + item.key())) continue;
    expect_close(item.value().grad(), fixture(name, "grad", "param." + item.key()),
                 name + " d/d" + item.key());
    ++compared;
  }
  EXPECT_GT(compared, 0u) << name;
}

struct MhaCase {
  std::string name;
  nn::MultiheadAttentionOptions options = nn::MultiheadAttentionOptions(kE, kH);
  bool need_weights = true;
  bool average_attn_weights = true;
};

void check_mha_case(const MhaCase& c) {
  SCOPED_TRACE(c.name);
  tg::manual_seed(0);
  nn::MultiheadAttention mha(c.options);
  load_torch_state(*mha, c.name);
  const std::vector<std::string> names{"query", "key", "value"};
  const std::vector<Tensor> qkv{input(c.name, "query"), input(c.name, "key"), input(c.name, "value")};
  auto [out, weights] = mha(qkv[0], qkv[1], qkv[2], input(c.name, "key_padding_mask"), c.need_weights,
                            input(c.name, "attn_mask"), c.average_attn_weights);
  expect_matches_torch(c.name, *mha, names, qkv, out, weights);
}

nn::MultiheadAttentionOptions mha_options() { return nn::MultiheadAttentionOptions(kE, kH); }

TEST(MultiheadAttentionTorch, PlainAndSeparateKeyValueDims) {
  check_mha_case({"mha_basic"});
  check_mha_case({"mha_kdim_vdim", mha_options().kdim(5).vdim(6)});
  check_mha_case({"mha_kdim_vdim_fused", mha_options().kdim(5).vdim(6), false});
}

TEST(MultiheadAttentionTorch, BoolAndFloatMasksWithAndWithoutWeights) {
  check_mha_case({"mha_bool_mask_weights"});
  check_mha_case({"mha_bool_mask_fused", mha_options(), false});
  check_mha_case({"mha_float_mask_3d"});
  check_mha_case({"mha_float_mask_3d_fused", mha_options(), false});
}

TEST(MultiheadAttentionTorch, KeyPaddingMaskMergesWithAttnMask) {
  check_mha_case({"mha_padding_and_bool_mask_fused", mha_options(), false});
  check_mha_case({"mha_padding_and_float_mask"});
}

TEST(MultiheadAttentionTorch, BatchFirstUnbatchedAndPerHeadWeights) {
  check_mha_case({"mha_batch_first_per_head", mha_options().batch_first(true), true, false});
  check_mha_case({"mha_unbatched", mha_options(), true, false});
}

TEST(MultiheadAttentionTorch, BiasKvZeroAttnAndNoBias) {
  check_mha_case({"mha_bias_kv_zero_attn", mha_options().add_bias_kv(true).add_zero_attn(true)});
  check_mha_case({"mha_no_bias_fused", mha_options().bias(false), false});
}

TEST(MultiheadAttention, ParametersAndInitAsLibtorch) {
  nn::MultiheadAttention fused(nn::MultiheadAttentionOptions(8, 2));
  EXPECT_EQ(fused->named_parameters().keys(),
            (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(fused->in_proj_weight.sizes(), (tg::Shape{24, 8}));
  EXPECT_EQ(fused->head_dim, 4);
  EXPECT_TRUE(fused->_qkv_same_embed_dim);
  EXPECT_EQ(fused->in_proj_bias.abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(fused->out_proj->bias.abs().sum().item<float>(), 0.0f);
  // xavier_uniform_: |w| <= sqrt(6 / (fan_in + fan_out)) = sqrt(6 / 32).
  EXPECT_LE(fused->in_proj_weight.abs().max().item<float>(), std::sqrt(6.0f / 32.0f));
  EXPECT_GT(fused->in_proj_weight.abs().max().item<float>(), 0.0f);

  nn::MultiheadAttention separate(
      nn::MultiheadAttentionOptions(8, 4).kdim(3).vdim(5).bias(false).add_bias_kv(true));
  EXPECT_EQ(separate->named_parameters().keys(),
            (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v",
                                      "out_proj.weight"}));  // own parameters first, as PyTorch's state_dict
  EXPECT_EQ(separate->k_proj_weight.sizes(), (tg::Shape{8, 3}));
  EXPECT_EQ(separate->v_proj_weight.sizes(), (tg::Shape{8, 5}));
  EXPECT_EQ(separate->bias_k.sizes(), (tg::Shape{1, 1, 8}));
  EXPECT_FALSE(separate->in_proj_weight.defined());
  EXPECT_FALSE(separate->out_proj->bias.defined());
}

TEST(MultiheadAttention, NoWeightsWhenNotAskedAndTheSameOutputEitherWay) {
  tg::manual_seed(3);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  const Tensor q = tg::randn({3, 2, 8}), kv = tg::randn({5, 2, 8});
  const Tensor scores = tg::rand({3, 5});
  scores.index_put_({tg::indexing::Slice(), 0}, 1.0);
  const Tensor allowed_first = scores < 0.3;  // key 0 stays allowed for every query
  auto [with_weights, weights] = mha(q, kv, kv, Tensor(), true, allowed_first);
  auto [fused, no_weights] = mha(q, kv, kv, Tensor(), false, allowed_first);
  EXPECT_FALSE(no_weights.defined());
  expect_close(fused, with_weights, "fused vs explicit");
  EXPECT_EQ(weights.sizes(), (tg::Shape{2, 3, 5}));
  expect_close(weights.sum(-1), tg::ones({2, 3}), "weights rows sum to 1");
  // Masked keys (true = not allowed) get zero weight.
  const auto w = weights.to_vector<float>();
  const auto m = allowed_first.to_vector<bool>();
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t i = 0; i < 15; ++i)
      if (m[i]) {
        EXPECT_EQ(w[n * 15 + i], 0.0f);
      }
}

TEST(MultiheadAttention, DropoutOnlyInTraining) {
  tg::manual_seed(5);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2).dropout(0.5));
  const Tensor x = tg::randn({4, 3, 8});
  mha->eval();
  auto [eval_a, eval_weights] = mha(x, x, x);
  auto [eval_b, unused] = mha(x, x, x, Tensor(), false);
  expect_close(eval_a, eval_b, "eval is deterministic");
  mha->train();
  auto [train_out, train_weights] = mha(x, x, x);
  // Dropped weights are exactly 0; kept ones are scaled by 2, so rows no longer sum to 1.
  const auto dropped = (train_weights == 0).sum().item<std::int64_t>();
  EXPECT_GT(dropped, 0);
  EXPECT_FALSE(tg::allclose(train_out, eval_a));
  auto [fused_train, none] = mha(x, x, x, Tensor(), false);
  EXPECT_FALSE(tg::allclose(fused_train, eval_a));
}

TEST(MultiheadAttention, GradcheckQueryKeyValueFloat64) {
  tg::manual_seed(7);
  for (bool need_weights : {true, false}) {
    nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(need_weights));
    mha->to(tg::kFloat64);
    const Tensor padding = tg::tensor({0.0, 1.0, 0.0, 0.0, 0.0, 1.0}, {2, 3}).to(tg::kBool);
    auto fn = [&](const tg::tensor_list& in) {
      auto [out, weights] = mha(in[0], in[1], in[2], padding, need_weights);
      return need_weights ? tg::tensor_list{out, weights} : tg::tensor_list{out};
    };
    EXPECT_GRADCHECK(fn, {tg::randn({2, 2, 4}, tg::kFloat64).requires_grad_(),
                          tg::randn({3, 2, 3}, tg::kFloat64).requires_grad_(),
                          tg::randn({3, 2, 5}, tg::kFloat64).requires_grad_()});
  }
}

TEST(MultiheadAttention, GradcheckSelfAttentionFloat64) {
  tg::manual_seed(8);
  for (bool batch_first : {false, true}) {
    nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).batch_first(batch_first));
    mha->to(tg::kFloat64);
    const Tensor causal = nn::TransformerImpl::generate_square_subsequent_mask(3).to(tg::kFloat64);
    auto fn = [&](const tg::tensor_list& in) {
      auto [out, weights] = mha(in[0], in[0], in[0], Tensor(), batch_first, causal);
      return batch_first ? tg::tensor_list{out, weights} : tg::tensor_list{out};
    };
    const tg::Shape sizes = batch_first ? tg::Shape{2, 3, 4} : tg::Shape{3, 2, 4};  // L = 3, N = 2
    EXPECT_GRADCHECK(fn, {tg::randn(sizes, tg::kFloat64).requires_grad_()});
  }
}

TEST(MultiheadAttention, FunctionalFormMatchesTheModule) {
  tg::manual_seed(9);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(8, 2));
  const Tensor q = tg::randn({3, 2, 8}), k = tg::randn({4, 2, 8});
  auto [module_out, module_weights] = mha(q, k, k);
  auto [out, weights] = F::multi_head_attention_forward(
      q, k, k,
      F::MultiheadAttentionForwardFuncOptions(8, 2, mha->in_proj_weight, mha->in_proj_bias, {}, {}, false,
                                              0.0, mha->out_proj->weight, mha->out_proj->bias));
  expect_close(out, module_out, "functional output");
  expect_close(weights, module_weights, "functional weights");
}

TEST(MultiheadAttention, StaticKeysValuesAndUint8Masks) {
  tg::manual_seed(10);
  nn::MultiheadAttention mha(8, 2);
  const Tensor q = tg::randn({3, 2, 8}), k = tg::randn({4, 2, 8});
  const Tensor mask = tg::tensor({0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0}, {3, 4});
  auto [expected, expected_weights] = mha(q, k, k, Tensor(), true, mask.to(tg::kBool));
  auto [from_uint8, uint8_weights] = mha(q, k, k, Tensor(), true, mask.to(tg::kUInt8));
  expect_close(from_uint8, expected, "uint8 mask as bool");
  // static_k / static_v: the projected keys and values as [N * H, S, E / H].
  auto heads = [&](std::int64_t row) {
    const Tensor projected =
        F::linear(k, mha->in_proj_weight.narrow(0, row, 8), mha->in_proj_bias.narrow(0, row, 8));
    return projected.transpose(0, 1).reshape({2, 4, 2, 4}).transpose(1, 2).reshape({4, 4, 4});
  };
  auto [out, weights] = F::multi_head_attention_forward(
      q, k, k,
      F::MultiheadAttentionForwardFuncOptions(8, 2, mha->in_proj_weight, mha->in_proj_bias, {}, {}, false,
                                              0.0, mha->out_proj->weight, mha->out_proj->bias)
          .attn_mask(mask.to(tg::kBool))
          .static_k(heads(8))
          .static_v(heads(16)));
  expect_close(out, expected, "static_k / static_v");
  expect_close(weights, expected_weights, "static_k / static_v weights");
}

std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(MultiheadAttention, ErrorsNameTheModuleAndShapes) {
  EXPECT_NE(
      error_message([] { nn::MultiheadAttention(8, 3); }).find("embed_dim must be divisible by num_heads"),
      std::string::npos);
  nn::MultiheadAttention mha(8, 2);
  const Tensor x = tg::randn({3, 2, 8});
  const std::string mask_error = error_message([&] {
    mha(x, x, x, Tensor(), true, tg::zeros({3, 4}, tg::kBool));
  });
  EXPECT_NE(mask_error.find("MultiheadAttention"), std::string::npos) << mask_error;
  EXPECT_NE(mask_error.find("The shape of the 2D attn_mask is [3, 4], but should be [3, 3]"),
            std::string::npos)
      << mask_error;
  EXPECT_NE(error_message([&] {
              mha(x, x, x, Tensor(), true, tg::zeros({3, 3, 3}, tg::kBool));
            }).find("The shape of the 3D attn_mask is [3, 3, 3], but should be [4, 3, 3]"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              mha(x, x, x, tg::zeros({3, 2}, tg::kBool));
            }).find("expecting key_padding_mask shape of [2, 3], but got [3, 2]"),
            std::string::npos);
  EXPECT_NE(error_message([&] {
              mha(tg::randn({3, 2, 6}), x, x);
            }).find("was expecting embedding dimension of 8"),
            std::string::npos);
  EXPECT_THROW(mha(x, tg::randn({3, 8}), x), tg::Error);
  EXPECT_THROW(mha(x, x, x, Tensor(), true, tg::zeros({3}, tg::kBool)), tg::Error);
}

// ---------------------------------------------------------------------------------------------------------------
// Transformer layers

nn::TransformerEncoderLayerOptions encoder_layer_options(bool gelu, bool norm_first_and_batch_first) {
  auto options = nn::TransformerEncoderLayerOptions(kE, kH).dim_feedforward(16).dropout(0.0);
  if (gelu) options.activation(tg::kGELU);
  return options.norm_first(norm_first_and_batch_first).batch_first(norm_first_and_batch_first);
}

nn::TransformerDecoderLayerOptions decoder_layer_options(bool gelu, bool norm_first_and_batch_first) {
  auto options = nn::TransformerDecoderLayerOptions(kE, kH).dim_feedforward(16).dropout(0.0);
  if (gelu) options.activation(tg::kGELU);
  return options.norm_first(norm_first_and_batch_first).batch_first(norm_first_and_batch_first);
}

void check_encoder_layer(const std::string& name, const nn::TransformerEncoderLayerOptions& options) {
  SCOPED_TRACE(name);
  nn::TransformerEncoderLayer layer(options);
  load_torch_state(*layer, name);
  const Tensor src = input(name, "src");
  const Tensor out = layer(src, input(name, "src_mask"), input(name, "src_key_padding_mask"));
  expect_matches_torch(name, *layer, {"src"}, {src}, out);
}

void check_decoder_layer(const std::string& name, const nn::TransformerDecoderLayerOptions& options) {
  SCOPED_TRACE(name);
  nn::TransformerDecoderLayer layer(options);
  load_torch_state(*layer, name);
  const Tensor tgt = input(name, "tgt"), memory = input(name, "memory");
  const Tensor out =
      layer(tgt, memory, input(name, "tgt_mask"), Tensor(), Tensor(), input(name, "memory_key_padding_mask"));
  expect_matches_torch(name, *layer, {"tgt", "memory"}, {tgt, memory}, out);
}

TEST(TransformerTorch, EncoderLayerReluAndGeluNormFirst) {
  check_encoder_layer("encoder_layer_relu", encoder_layer_options(false, false));
  check_encoder_layer("encoder_layer_gelu_norm_first_batch_first", encoder_layer_options(true, true));
}

TEST(TransformerTorch, DecoderLayerReluAndGeluNormFirst) {
  check_decoder_layer("decoder_layer_relu", decoder_layer_options(false, false));
  check_decoder_layer("decoder_layer_gelu_norm_first_batch_first", decoder_layer_options(true, true));
}

TEST(TransformerTorch, EncoderStackWithFinalNorm) {
  const std::string name = "encoder_stack";
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderOptions(
          nn::TransformerEncoderLayerOptions(kE, kH).dim_feedforward(16).dropout(0.0), 2)
          .norm(nn::AnyModule(nn::LayerNorm(nn::LayerNormOptions({kE})))));
  load_torch_state(*encoder, name);
  const Tensor src = input(name, "src");
  const Tensor out = encoder(src, Tensor(), input(name, "src_key_padding_mask"));
  expect_matches_torch(name, *encoder, {"src"}, {src}, out);
}

void check_transformer(const std::string& name, bool gelu_norm_first_batch_first) {
  SCOPED_TRACE(name);
  auto options = nn::TransformerOptions(kE, kH, 2, 2).dim_feedforward(16).dropout(0.0);
  if (gelu_norm_first_batch_first) options.activation(tg::kGELU).norm_first(true).batch_first(true);
  nn::Transformer transformer(options);
  load_torch_state(*transformer, name);
  const Tensor src = input(name, "src"), tgt = input(name, "tgt");
  const Tensor out =
      transformer(src, tgt, Tensor(), input(name, "tgt_mask"), Tensor(), input(name, "src_key_padding_mask"),
                  Tensor(), input(name, "memory_key_padding_mask"));
  expect_matches_torch(name, *transformer, {"src", "tgt"}, {src, tgt}, out);
}

TEST(TransformerTorch, FullTransformer) {
  check_transformer("transformer", false);
  check_transformer("transformer_gelu_norm_first_batch_first", true);
}

TEST(Transformer, SubmoduleNamesAsLibtorch) {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16));
  std::vector<std::string> children;
  for (const auto& item : layer->named_children()) children.push_back(item.key());
  EXPECT_EQ(children, (std::vector<std::string>{"self_attn", "linear1", "dropout", "linear2", "norm1",
                                                "norm2", "dropout1", "dropout2"}));
  nn::TransformerEncoder encoder(layer, 3);
  EXPECT_EQ(encoder->layers->size(), 3u);
  EXPECT_TRUE(encoder->named_parameters().contains("layers.2.self_attn.in_proj_weight"));
  EXPECT_FALSE(encoder->named_parameters().contains("norm.weight"));
  // Layers are clones: same starting values, separate tensors.
  const Tensor first = encoder->named_parameters()["layers.0.linear1.weight"];
  const Tensor last = encoder->named_parameters()["layers.2.linear1.weight"];
  EXPECT_TRUE(tg::equal(first, last));
  EXPECT_TRUE(tg::equal(first, layer->linear1->weight));
  tg::NoGradGuard no_grad;
  first.add_(1.0);
  EXPECT_FALSE(tg::equal(first, last));

  nn::Transformer transformer(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  const auto parameters = transformer->named_parameters();
  for (const char* name : {"encoder.layers.0.self_attn.in_proj_weight", "encoder.norm.weight",
                           "decoder.layers.0.multihead_attn.out_proj.weight", "decoder.layers.0.norm3.bias",
                           "decoder.norm.bias"})
    EXPECT_TRUE(parameters.contains(name)) << name;
}

TEST(Transformer, GenerateSquareSubsequentMask) {
  const Tensor mask = nn::TransformerImpl::generate_square_subsequent_mask(3);
  EXPECT_EQ(mask.dtype(), tg::kFloat32);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(mask.to_vector<float>(), (std::vector<float>{0, -inf, -inf, 0, 0, -inf, 0, 0, 0}));
  EXPECT_EQ(nn::TransformerImpl::generate_square_subsequent_mask(0).sizes(), (tg::Shape{0, 0}));
  EXPECT_THROW(nn::TransformerImpl::generate_square_subsequent_mask(-1), tg::Error);
}

TEST(Transformer, DropoutActsOnlyInTraining) {
  tg::manual_seed(11);
  nn::TransformerEncoderLayer layer(
      nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.3));
  const Tensor src = tg::randn({5, 2, 8});
  layer->eval();
  const Tensor a = layer(src), b = layer(src);
  EXPECT_TRUE(tg::equal(a, b));
  layer->train();
  const Tensor c = layer(src), d = layer(src);
  EXPECT_FALSE(tg::allclose(c, a));
  EXPECT_FALSE(tg::allclose(c, d));
}

TEST(Transformer, CustomActivationFunction) {
  tg::manual_seed(13);
  auto options = nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0);
  nn::TransformerEncoderLayer relu_layer(options);
  nn::TransformerEncoderLayer custom_layer(
      options.activation(std::function<Tensor(const Tensor&)>([](const Tensor& x) { return tg::relu(x); })));
  tg::NoGradGuard no_grad;
  for (const auto& item : relu_layer->named_parameters())
    custom_layer->named_parameters()[item.key()].copy_(item.value());
  const Tensor src = tg::randn({4, 3, 8});
  expect_close(custom_layer(src), relu_layer(src), "std::function activation");
}

TEST(Transformer, UnbatchedInputs) {
  tg::manual_seed(15);
  nn::Transformer transformer(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16).dropout(0.0));
  const Tensor src = tg::randn({5, 8}), tgt = tg::randn({4, 8});
  const Tensor unbatched = transformer(src, tgt);
  const Tensor batched = transformer(src.unsqueeze(1), tgt.unsqueeze(1));
  EXPECT_EQ(unbatched.sizes(), (tg::Shape{4, 8}));
  expect_close(unbatched, batched.squeeze(1), "unbatched vs batch of one");
}

TEST(Transformer, ErrorsNameTheModule) {
  EXPECT_NE(error_message([] {
              nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(10, 3));
            }).find("embed_dim must be divisible by num_heads"),
            std::string::npos);
  nn::Transformer transformer(nn::TransformerOptions(8, 2, 1, 1).dim_feedforward(16));
  const std::string batch_error = error_message([&] {
    transformer(tg::randn({5, 2, 8}), tg::randn({4, 3, 8}));
  });
  EXPECT_NE(batch_error.find("src and tgt should have equal batch size"), std::string::npos) << batch_error;
  const std::string feature_error = error_message([&] {
    transformer(tg::randn({5, 2, 6}), tg::randn({4, 2, 6}));
  });
  EXPECT_NE(feature_error.find("src and tgt should have same feature size as d_model"), std::string::npos)
      << feature_error;
}

// The two feed-forward blocks of transformer recipes, written with the layers (issue: "SwiGLU and GELU
// feed-forward blocks ... written with the layers above"): FFN(x) = gelu(x W1 + b1) W2 + b2 and LLaMA's
// gated (silu(x W1) ⊙ x W3) W2, against the same modules in PyTorch.
class GeluFeedForwardImpl : public nn::Cloneable<GeluFeedForwardImpl> {
 public:
  GeluFeedForwardImpl(std::int64_t dim, std::int64_t hidden, std::string approximate)
      : dim_(dim), hidden_(hidden), approximate_(std::move(approximate)) {
    reset();
  }
  void reset() override {
    fc1 = register_module("fc1", nn::Linear(dim_, hidden_));
    fc2 = register_module("fc2", nn::Linear(hidden_, dim_));
  }
  Tensor forward(const Tensor& x) {
    return fc2(F::gelu(fc1(x), F::GELUFuncOptions().approximate(approximate_)));
  }
  nn::Linear fc1 = nullptr, fc2 = nullptr;

 private:
  std::int64_t dim_, hidden_;
  std::string approximate_;
};
TG_MODULE(GeluFeedForward);

class SwiGluFeedForwardImpl : public nn::Cloneable<SwiGluFeedForwardImpl> {
 public:
  SwiGluFeedForwardImpl(std::int64_t dim, std::int64_t hidden) : dim_(dim), hidden_(hidden) { reset(); }
  void reset() override {
    w1 = register_module("w1", nn::Linear(nn::LinearOptions(dim_, hidden_).bias(false)));
    w2 = register_module("w2", nn::Linear(nn::LinearOptions(hidden_, dim_).bias(false)));
    w3 = register_module("w3", nn::Linear(nn::LinearOptions(dim_, hidden_).bias(false)));
  }
  Tensor forward(const Tensor& x) { return w2(F::silu(w1(x)) * w3(x)); }
  nn::Linear w1 = nullptr, w2 = nullptr, w3 = nullptr;

 private:
  std::int64_t dim_, hidden_;
};
TG_MODULE(SwiGluFeedForward);

TEST(FeedForwardTorch, GeluAndSwiGluBlocksMatchPyTorch) {
  for (const auto& [name, approximate] : {std::pair<std::string, std::string>{"ffn_gelu", "none"},
                                          std::pair<std::string, std::string>{"ffn_gelu_tanh", "tanh"}}) {
    SCOPED_TRACE(name);
    GeluFeedForward block(kE, 4 * kE, approximate);
    load_torch_state(*block, name);
    const Tensor x = input(name, "x");
    expect_matches_torch(name, *block, {"x"}, {x}, block(x));
  }
  SwiGluFeedForward gated(kE, 12);
  load_torch_state(*gated, "ffn_swiglu");
  const Tensor x = input("ffn_swiglu", "x");
  expect_matches_torch("ffn_swiglu", *gated, {"x"}, {x}, gated(x));
}

TEST(FeedForward, SwiGluGradcheckFloat64) {
  tg::manual_seed(3);
  auto gated = [](const tg::tensor_list& in) {  // x, W1, W2, W3
    return tg::tensor_list{F::linear(F::silu(F::linear(in[0], in[1])) * F::linear(in[0], in[3]), in[2])};
  };
  EXPECT_GRADCHECK(
      gated,
      {tg::randn({2, 3, 4}, tg::kFloat64).requires_grad_(), tg::randn({6, 4}, tg::kFloat64).requires_grad_(),
       tg::randn({4, 6}, tg::kFloat64).requires_grad_(), tg::randn({6, 4}, tg::kFloat64).requires_grad_()});
}

namespace libtorch_style {
namespace torch = tg;

// libtorch 1.13's documented constructions compile unchanged after `namespace torch = tg`.
TEST(Transformer, LibtorchDocumentationExamplesCompileAndRun) {
  torch::nn::MultiheadAttention attention(torch::nn::MultiheadAttentionOptions(20, 10).bias(false));
  const torch::Tensor x = torch::randn({5, 3, 20});
  auto [out, weights] = attention(x, x, x);
  EXPECT_EQ(out.sizes(), (torch::Shape{5, 3, 20}));
  EXPECT_EQ(weights.sizes(), (torch::Shape{3, 5, 5}));

  torch::nn::TransformerEncoderLayer encoder_layer(
      torch::nn::TransformerEncoderLayerOptions(20, 4).dim_feedforward(32).dropout(0.1));
  torch::nn::TransformerEncoder encoder(torch::nn::TransformerEncoderOptions(encoder_layer, 2)
                                            .norm(torch::nn::LayerNorm(torch::nn::LayerNormOptions({20}))));
  EXPECT_EQ(encoder(x).sizes(), (torch::Shape{5, 3, 20}));

  torch::nn::TransformerDecoderLayer decoder_layer(
      torch::nn::TransformerDecoderLayerOptions(20, 4).dim_feedforward(32).activation(torch::kGELU));
  torch::nn::TransformerDecoder decoder(torch::nn::TransformerDecoderOptions(decoder_layer, 2));
  const torch::Tensor tgt_mask = torch::nn::TransformerImpl::generate_square_subsequent_mask(4);
  EXPECT_EQ(decoder(torch::randn({4, 3, 20}), x, tgt_mask).sizes(), (torch::Shape{4, 3, 20}));

  torch::nn::Transformer model(torch::nn::TransformerOptions(20, 4, 1, 1).dim_feedforward(32));
  EXPECT_EQ(model(x, torch::randn({4, 3, 20})).sizes(), (torch::Shape{4, 3, 20}));
}

TEST(Transformer, CloneIsADeepCopy) {
  torch::manual_seed(17);
  torch::nn::Transformer model(torch::nn::TransformerOptions(8, 2, 2, 1).dim_feedforward(16).dropout(0.0));
  auto copy = std::dynamic_pointer_cast<torch::nn::TransformerImpl>(model->clone());
  ASSERT_NE(copy, nullptr);
  const torch::Tensor src = torch::randn({5, 2, 8}), tgt = torch::randn({4, 2, 8});
  expect_close(copy->forward(src, tgt), model(src, tgt), "clone's output");
  const auto original = model->named_parameters();
  const auto cloned = copy->named_parameters();
  ASSERT_EQ(original.keys(), cloned.keys());
  for (const auto& item : original) EXPECT_FALSE(item.value().is_same(cloned[item.key()])) << item.key();
}
}  // namespace libtorch_style

}  // namespace
