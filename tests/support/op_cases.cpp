#include "support/op_cases.hpp"

#include <map>
#include <random>

namespace tg::testing {
namespace {

using Fn = std::function<Tensor(const tensor_list&)>;

Fn unary(Tensor (*op)(const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0]); };
}
Fn binary(Tensor (*op)(const Tensor&, const Tensor&)) {
  return [op](const tensor_list& in) { return op(in[0], in[1]); };
}

constexpr Domain kAny = Domain::Any, kPositive = Domain::Positive, kKinks = Domain::AwayFromKinks,
                 kProbability = Domain::Probability, kClasses = Domain::Classes;

// Zero-size samples per row (OpCase::empty_samples). Every row needs an entry here or a zero-size
// bad input; OpRegistry.EveryOpHasZeroSizeCases checks that.
void add_empty_samples(std::vector<OpCase>& cases) {
  using Samples = std::vector<std::vector<Shape>>;
  const Samples unary = {{{0, 4}}, {{2, 0}}, {{0}}};
  const Samples binary = {{{0, 4}, {0, 4}}, {{0, 4}, {4}}, {{2, 0}, {2, 1}}, {{}, {0, 3}}, {{3, 1}, {3, 0}}};
  const Samples reduction = {{{0}}, {{0, 4}}, {{3, 0}}, {{2, 0, 3}}};
  const Samples softmax_like = {{{0, 4}}, {{3, 0}}, {{2, 0, 4}}};
  struct Entry {
    Samples samples;
    std::function<Tensor(const tensor_list&)> fn = {};
  };
  std::map<std::string, Entry> table = {
      {"add", {binary}},
      {"add_alpha", {binary}},
      {"sub", {binary}},
      {"mul", {binary}},
      {"div", {binary}},
      {"matmul",
       {{{{3, 0}, {0, 5}},
         {{0, 4}, {4, 5}},
         {{3, 4}, {4, 0}},
         {{2, 0, 4}, {4, 3}},
         {{0, 3, 4}, {4, 2}},
         {{2, 3, 0}, {0, 2}},
         {{0}, {0}},
         {{0}, {0, 3}},
         {{3, 0}, {0}}}}},
      {"mm", {{{{3, 0}, {0, 5}}, {{0, 4}, {4, 5}}, {{3, 4}, {4, 0}}}}},
      {"bmm", {{{{0, 3, 4}, {0, 4, 5}}, {{2, 3, 0}, {2, 0, 5}}, {{2, 0, 4}, {2, 4, 5}}}}},
      {"linear", {{{{0, 4}, {3, 4}, {3}}, {{5, 0}, {3, 0}, {3}}, {{5, 4}, {0, 4}, {0}}}}},
      {"linear_no_bias", {{{{0, 4}, {3, 4}}, {{5, 0}, {3, 0}}, {{5, 4}, {0, 4}}}}},
      {"reshape", {{{{0, 4}}, {{2, 0, 2}}}}},
      {"view", {{{{0, 4}}, {{2, 3, 0, 5}}}}},
      {"flatten", {{{{2, 0, 2}}, {{0, 3, 2}}}}},
      {"transpose", {{{{0, 4}}, {{2, 0, 4}}}}},
      {"t", {{{{0, 4}}, {{0}}}}},
      {"permute", {{{{2, 0, 4}}}}},
      {"squeeze", {{{{0, 1, 4}}}}},
      {"squeeze_dim", {{{{0, 1, 4}}}}},
      {"unsqueeze", {unary}},
      // expand to a zero-size leading dim: the input is not empty, its gradient is all zeros
      {"expand",
       {{{{3, 1}}, {{1, 4}}},
        [](const tensor_list& in) {
          return in[0].expand({0, 3, 4});
        }}},
      {"slice", {{{{3, 0}}, {{0, 6}}}}},
      {"narrow", {{{{4, 0}}}}},
      {"select", {{{{0, 4}}, {{3, 2, 0}}}}},
      {"cat", {{{{2, 3}, {2, 0}}, {{0, 3}, {0, 2}}, {{2, 0}, {2, 0}}}}},
      {"stack", {{{{0, 3}, {0, 3}}, {{2, 0}, {2, 0}}}}},
      {"index_select",
       {{{{3, 0}}, {{3, 4}}},
        [](const tensor_list& in) {
          // an empty index on a non-empty input, and any index on an input with an empty row
          const Tensor index = in[0].size(1) == 0 ? tensor(std::vector<std::int64_t>{2, 0, 2})
                                                  : tensor(std::vector<std::int64_t>{}, {0});
          return in[0].index_select(0, index);
        }}},
      {"gather",
       {{{{3, 4}}, {{0, 4}}},
        [](const tensor_list& in) {
          return in[0].gather(1, tensor(std::vector<std::int64_t>{}, {in[0].size(0), 0}));
        }}},
      {"clone", {unary}},
      {"contiguous", {{{{0, 4}}, {{3, 0}}}}},
      {"to_float32_and_back", {unary}},
      {"sum", {reduction}},
      {"sum_dims", {{{{2, 0, 4}}, {{0, 3, 4}}, {{2, 3, 0}}}}},
      {"sum_keepdim", {{{{3, 0}}, {{0, 4}}}}},
      {"mean", {reduction}},
      {"mean_dims", {{{{2, 3, 0}}, {{0, 3, 4}}}}},
      {"max_dim", {{{{0, 4}}, {{2, 3, 0, 4}}}}},
      {"max_dim_keepdim", {{{{3, 0}}}}},
      {"var", {reduction}},
      {"var_dims_biased", {{{{0, 4}}, {{3, 0}}, {{2, 3, 0}}}}},
      {"softmax", {softmax_like}},
      {"softmax_dim0", {{{{0, 4}}, {{3, 0}}}}},
      {"log_softmax", {softmax_like}},
      {"bce_with_logits_target_grad", {{{{0, 4}, {0, 4}}}}},
  };
  for (const char* name : {"add_scalar",  "mul_scalar", "rsub_scalar", "rdiv_scalar", "neg",   "exp",
                           "log",         "sqrt",       "abs",         "pow_2",       "pow_3", "pow_half",
                           "pow_minus_1", "clamp",      "clamp_min",   "erf",         "relu",  "leaky_relu",
                           "sigmoid",     "tanh",       "gelu",        "gelu_tanh",   "silu"})
    table[name] = {unary};
  for (const char* reduction_name : {"mean", "sum", "none"}) {
    const std::string suffix = std::string("_") + reduction_name;
    table["mse_loss" + suffix] = {{{{0, 4}, {0, 4}}, {{0}, {0}}}};
    table["cross_entropy" + suffix] = {{{{0, 4}, {0}}}};
    table["nll_loss" + suffix] = {{{{0, 4}, {0}}}};
    table["bce_with_logits" + suffix] = {{{{0, 4}, {0, 4}}, {{3, 0}, {3, 0}}}};
  }
  for (OpCase& op : cases) {
    auto entry = table.find(op.name);
    if (entry == table.end()) continue;
    op.empty_samples = entry->second.samples;
    op.empty_fn = entry->second.fn;
  }
}

std::vector<OpCase> build_cases() {
  std::vector<OpCase> cases;
  auto add_case = [&](OpCase c) { cases.push_back(std::move(c)); };

  // ---- arithmetic (broadcasting)
  const std::vector<std::vector<Shape>> binary_samples = {
      {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{2, 1}, {1, 3}}, {{}, {2, 3}}, {{2, 3, 4}, {3, 1}}};
  add_case({.name = "add",
            .fn = [](const tensor_list& in) { return in[0] + in[1]; },
            .samples = binary_samples,
            .double_backward = true,
            .bad = {{{{3, 4}, {5}}, "add: shapes [3, 4] and [5] do not broadcast"}}});
  add_case({.name = "add_alpha",
            .fn = [](const tensor_list& in) { return add(in[0], in[1], 2.5); },
            .samples = binary_samples,
            .double_backward = true});
  add_case({.name = "sub",
            .fn = [](const tensor_list& in) { return in[0] - in[1]; },
            .samples = binary_samples,
            .double_backward = true,
            .bad = {{{{2, 3}, {3, 2}}, "do not broadcast"}}});
  add_case({.name = "mul",
            .fn = [](const tensor_list& in) { return in[0] * in[1]; },
            .samples = binary_samples,
            .double_backward = true,
            .bad = {{{{3, 4}, {2, 4}}, "mul: shapes [3, 4] and [2, 4] do not broadcast"}}});
  add_case({.name = "div",
            .fn = [](const tensor_list& in) { return in[0] / in[1]; },
            .samples = binary_samples,
            .domains = {kAny, kPositive},
            .double_backward = true});
  add_case({.name = "add_scalar",
            .fn = [](const tensor_list& in) { return in[0] + 2.0; },
            .samples = {{{3, 4}}, {{}}},
            .double_backward = true});
  add_case({.name = "mul_scalar",
            .fn = [](const tensor_list& in) { return 3.0 * in[0]; },
            .samples = {{{3, 4}}, {{}}},
            .double_backward = true});
  add_case({.name = "rsub_scalar",
            .fn = [](const tensor_list& in) { return 2.0 - in[0]; },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "rdiv_scalar",
            .fn = [](const tensor_list& in) { return 2.0 / in[0]; },
            .samples = {{{3, 4}}},
            .domains = {kPositive},
            .double_backward = true});
  add_case({.name = "neg", .fn = unary(neg), .samples = {{{3, 4}}, {{}}}, .double_backward = true});

  // ---- element-wise math
  add_case(
      {.name = "exp", .fn = unary(exp), .samples = {{{3, 4}}, {{}}, {{2, 3, 2}}}, .double_backward = true});
  add_case({.name = "log",
            .fn = unary(log),
            .samples = {{{3, 4}}, {{}}},
            .domains = {kPositive},
            .double_backward = true});
  add_case({.name = "sqrt",
            .fn = unary(sqrt),
            .samples = {{{3, 4}}},
            .domains = {kPositive},
            .double_backward = true});
  add_case(
      {.name = "abs", .fn = unary(abs), .samples = {{{3, 4}}}, .domains = {kKinks}, .double_backward = true});
  add_case({.name = "pow_2",
            .fn = [](const tensor_list& in) { return pow(in[0], 2.0); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "pow_3",
            .fn = [](const tensor_list& in) { return pow(in[0], 3.0); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "pow_half",
            .fn = [](const tensor_list& in) { return pow(in[0], 0.5); },
            .samples = {{{3, 4}}},
            .domains = {kPositive},
            .double_backward = true});
  add_case({.name = "pow_minus_1",
            .fn = [](const tensor_list& in) { return pow(in[0], -1.0); },
            .samples = {{{3, 4}}},
            .domains = {kPositive},
            .double_backward = true});
  add_case({.name = "clamp",
            .fn = [](const tensor_list& in) { return clamp(in[0], -0.5, 0.5); },
            .samples = {{{4, 5}}},
            .domains = {kKinks},
            .double_backward = true});
  add_case({.name = "clamp_min",
            .fn = [](const tensor_list& in) { return clamp_min(in[0], 0.5); },
            .samples = {{{4, 5}}},
            .domains = {kKinks}});
  add_case({.name = "erf", .fn = unary(erf), .samples = {{{3, 4}}}, .double_backward = true});

  // ---- linear algebra
  add_case(
      {.name = "matmul",
       .fn = binary(matmul),
       .samples = {{{3, 4}, {4, 5}},
                   {{1, 4}, {4, 1}},
                   {{2, 3, 4}, {2, 4, 5}},
                   {{2, 3, 4}, {4, 2}},
                   {{3, 4}, {2, 4, 2}},
                   {{1, 3, 4}, {2, 4, 2}},
                   {{4}, {4, 3}},
                   {{3, 4}, {4}},
                   {{4}, {4}}},
       .double_backward = true,
       .bad = {{{{2, 3}, {4, 5}}, "matmul: cannot multiply [2, 3] by [4, 5]: inner sizes 3 and 4 differ"},
               {{{2, 3, 4}, {3, 4, 5}}, "batch sizes"}}});
  add_case({.name = "mm",
            .fn = binary(mm),
            .samples = {{{3, 4}, {4, 5}}},
            .double_backward = true,
            .bad = {{{{2, 3, 4}, {4, 5}}, "mm: expects two 2-D tensors"}}});
  add_case({.name = "bmm", .fn = binary(bmm), .samples = {{{2, 3, 4}, {2, 4, 5}}}, .double_backward = true});
  add_case({.name = "linear",
            .fn = [](const tensor_list& in) { return linear(in[0], in[1], in[2]); },
            .samples = {{{5, 4}, {3, 4}, {3}}, {{2, 3, 4}, {3, 4}, {3}}, {{4}, {2, 4}, {2}}},
            .double_backward = true,
            .bad = {{{{5, 4}, {3, 5}, {3}},
                     "linear: input of shape [5, 4] has 4 features but weight of shape [3, 5]"},
                    {{{5, 4}, {3, 4}, {4}}, "linear: bias must have shape [3]"}}});
  add_case({.name = "linear_no_bias",
            .fn = [](const tensor_list& in) { return linear(in[0], in[1]); },
            .samples = {{{5, 4}, {3, 4}}},
            .double_backward = true});

  // ---- shape
  add_case({.name = "reshape",
            .fn =
                [](const tensor_list& in) {
                  return in[0].reshape({-1, 2});
                },
            .samples = {{{3, 4}}, {{2, 3, 2}}},
            .double_backward = true,
            .bad = {{{{3, 3}}, "reshape: shape [-1, 2] is invalid for input of shape [3, 3]"}}});
  add_case({.name = "view",
            .fn =
                [](const tensor_list& in) {
                  return in[0].contiguous().view({in[0].size(-1), -1});
                },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "flatten",
            .fn = [](const tensor_list& in) { return in[0].flatten(1); },
            .samples = {{{2, 3, 2}}},
            .double_backward = true});
  add_case({.name = "transpose",
            .fn = [](const tensor_list& in) { return in[0].transpose(0, -1) * 1.5; },
            .samples = {{{3, 4}}, {{2, 3, 4}}},
            .double_backward = true});
  add_case({.name = "t",
            .fn = [](const tensor_list& in) { return in[0].t(); },
            .samples = {{{3, 4}}},
            .double_backward = true,
            .bad = {{{{2, 3, 4}}, "t: expects a tensor of rank <= 2"}}});
  add_case({.name = "permute",
            .fn =
                [](const tensor_list& in) {
                  return in[0].permute({2, 0, 1});
                },
            .samples = {{{2, 3, 4}}},
            .double_backward = true,
            .bad = {{{{2, 3}}, "permute: got 3 dims"}}});
  add_case({.name = "squeeze",
            .fn = [](const tensor_list& in) { return in[0].squeeze(); },
            .samples = {{{3, 1, 4}}},
            .double_backward = true});
  add_case({.name = "squeeze_dim",
            .fn = [](const tensor_list& in) { return in[0].squeeze(1); },
            .samples = {{{3, 1, 4}}},
            .double_backward = true});
  add_case({.name = "unsqueeze",
            .fn = [](const tensor_list& in) { return in[0].unsqueeze(-1); },
            .samples = {{{3, 4}}, {{}}},
            .double_backward = true});
  add_case({.name = "expand",
            .fn =
                [](const tensor_list& in) {
                  return in[0].expand({2, 3, 4});
                },
            .samples = {{{3, 1}}, {{1, 4}}},
            .double_backward = true,
            .bad = {{{{3, 2}}, "expand: cannot expand shape [3, 2] to [2, 3, 4]"}}});
  add_case({.name = "slice",
            .fn = [](const tensor_list& in) { return in[0].slice(1, 1, 5, 2); },
            .samples = {{{3, 6}}},
            .double_backward = true});
  add_case({.name = "narrow",
            .fn = [](const tensor_list& in) { return in[0].narrow(0, 1, 2); },
            .samples = {{{4, 3}}},
            .double_backward = true,
            .bad = {{{{1, 3}}, "narrow: start 1 and length 2 are out of range"}}});
  add_case({.name = "select",
            .fn = [](const tensor_list& in) { return in[0].select(1, -1); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "cat",
            .fn =
                [](const tensor_list& in) {
                  return cat({in[0], in[1]}, 1);
                },
            .samples = {{{2, 3}, {2, 2}}},
            .double_backward = true,
            .bad = {{{{2, 3}, {3, 2}}, "cat: tensor 1 has shape [3, 2] which does not match"}}});
  add_case({.name = "stack",
            .fn =
                [](const tensor_list& in) {
                  return stack({in[0], in[1]}, 1);
                },
            .samples = {{{2, 3}, {2, 3}}},
            .double_backward = true,
            .bad = {{{{2, 3}, {3, 2}}, "stack: tensor 1 has shape [3, 2]"}}});
  add_case({.name = "index_select",
            .fn =
                [](const tensor_list& in) {
                  return in[0].index_select(0, tensor(std::vector<std::int64_t>{2, 0, 2}));
                },
            .samples = {{{3, 4}}},
            .double_backward = true,
            .bad = {{{{2, 4}}, "index_select: index 2 at position 0 is out of range"}}});
  add_case({.name = "gather",
            .fn =
                [](const tensor_list& in) {
                  return in[0].gather(1, tensor(std::vector<std::int64_t>{0, 2, 2, 1, 0, 0}, {3, 2}));
                },
            .samples = {{{3, 4}}},
            .double_backward = true,
            .bad = {{{{3, 2}}, "gather: index 2 at position 1 is out of range"}}});
  add_case({.name = "clone",
            .fn = [](const tensor_list& in) { return in[0].clone(); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "contiguous",
            .fn = [](const tensor_list& in) { return in[0].t().contiguous(); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "to_float32_and_back",
            .fn = [](const tensor_list& in) { return (in[0].to(kFloat32) * 2.0).to(kFloat64); },
            .samples = {{{3, 4}}},
            .tolerance = {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2},
            .keeps_dtype = false});

  // ---- reductions
  add_case({.name = "sum",
            .fn = [](const tensor_list& in) { return in[0].sum(); },
            .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
            .double_backward = true});
  add_case({.name = "sum_dims",
            .fn =
                [](const tensor_list& in) {
                  return in[0].sum({0, 2});
                },
            .samples = {{{2, 3, 4}}},
            .double_backward = true,
            .bad = {{{{2, 3}}, "sum: dim 2 is out of range for a tensor of rank 2"}}});
  add_case({.name = "sum_keepdim",
            .fn = [](const tensor_list& in) { return in[0].sum(1, true); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "mean",
            .fn = [](const tensor_list& in) { return in[0].mean(); },
            .samples = {{{3, 4}}, {{}}},
            .double_backward = true});
  add_case({.name = "mean_dims",
            .fn = [](const tensor_list& in) { return in[0].mean({-1}, true); },
            .samples = {{{2, 3, 4}}},
            .double_backward = true});
  add_case({.name = "max",
            .fn = [](const tensor_list& in) { return in[0].max(); },
            .samples = {{{3, 4}}},
            .double_backward = true,
            .bad = {{{{0, 3}}, "max: cannot take the maximum of an empty"}}});
  add_case({.name = "max_dim",
            .fn = [](const tensor_list& in) { return std::get<0>(in[0].max(1)); },
            .samples = {{{3, 4}}, {{2, 3, 4}}},
            .double_backward = true,
            .bad = {{{{3, 0}}, "max: cannot take the maximum of an empty"}}});
  add_case({.name = "max_dim_keepdim",
            .fn = [](const tensor_list& in) { return std::get<0>(in[0].max(0, true)); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "var",
            .fn = [](const tensor_list& in) { return in[0].var(); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "var_dims_biased",
            .fn = [](const tensor_list& in) { return in[0].var({1}, false, true); },
            .samples = {{{3, 4}}, {{2, 3, 4}}},
            .double_backward = true});

  // ---- activations
  add_case({.name = "relu",
            .fn = unary(relu),
            .samples = {{{3, 4}}, {{}}},
            .domains = {kKinks},
            .double_backward = true});
  add_case({.name = "leaky_relu",
            .fn = [](const tensor_list& in) { return leaky_relu(in[0], 0.1); },
            .samples = {{{3, 4}}},
            .domains = {kKinks},
            .double_backward = true});
  add_case({.name = "sigmoid", .fn = unary(sigmoid), .samples = {{{3, 4}}}, .double_backward = true});
  add_case({.name = "tanh", .fn = unary(tanh), .samples = {{{3, 4}}, {{}}}, .double_backward = true});
  add_case({.name = "gelu",
            .fn = [](const tensor_list& in) { return gelu(in[0]); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "gelu_tanh",
            .fn = [](const tensor_list& in) { return gelu(in[0], "tanh"); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "silu", .fn = unary(silu), .samples = {{{3, 4}}}, .double_backward = true});
  add_case({.name = "softmax",
            .fn = [](const tensor_list& in) { return softmax(in[0], 1); },
            .samples = {{{3, 4}}, {{2, 3, 4}}},
            .double_backward = true,
            .bad = {{{{3}}, "softmax: dim 1 is out of range"}}});
  add_case({.name = "softmax_dim0",
            .fn = [](const tensor_list& in) { return softmax(in[0], 0); },
            .samples = {{{3, 4}}},
            .double_backward = true});
  add_case({.name = "log_softmax",
            .fn = [](const tensor_list& in) { return log_softmax(in[0], -1); },
            .samples = {{{3, 4}}, {{2, 3, 4}}},
            .double_backward = true});

  // ---- losses
  for (auto [suffix, reduction] :
       {std::pair{"mean", kMean}, std::pair{"sum", kSum}, std::pair{"none", kNone}}) {
    const Reduction r = reduction;
    const std::string s = suffix;
    add_case({.name = "mse_loss_" + s,
              .fn = [r](const tensor_list& in) { return mse_loss(in[0], in[1], r); },
              .samples = {{{3, 4}, {3, 4}}},
              .double_backward = true,
              .bad = {{{{3, 4}, {4}}, "mse_loss: input shape [3, 4] and target shape [4] differ"}}});
    add_case({.name = "cross_entropy_" + s,
              .fn = [r](const tensor_list& in) { return cross_entropy(in[0], in[1], r); },
              .samples = {{{5, 4}, {5}}, {{4}, {}}},
              .domains = {kAny, kClasses},
              .double_backward = true,
              .bad = {{{{5, 4}, {4}}, "cross_entropy: target shape [4] does not match input shape [5, 4]"}}});
    add_case({.name = "nll_loss_" + s,
              .fn = [r](const tensor_list& in) { return nll_loss(log_softmax(in[0], 1), in[1], r); },
              .samples = {{{5, 4}, {5}}},
              .domains = {kAny, kClasses},
              .double_backward = true});
    add_case(
        {.name = "bce_with_logits_" + s,
         .fn = [r](const tensor_list& in) { return binary_cross_entropy_with_logits(in[0] * 3.0, in[1], r); },
         .samples = {{{3, 4}, {3, 4}}},
         .domains = {kAny, kProbability},
         .double_backward = true});
  }
  add_case({.name = "bce_with_logits_target_grad",
            .fn = [](const tensor_list& in) { return binary_cross_entropy_with_logits(in[0], in[1]); },
            .samples = {{{3, 4}, {3, 4}}},
            .domains = {kAny, kAny},
            .double_backward = true});
  add_empty_samples(cases);
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
    default:
      return 2.0 * u - 1.0;
  }
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = build_cases();
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
    if (domain == Domain::Classes) {
      const std::int64_t classes = shapes[0].empty() ? 1 : shapes[0].back();
      std::vector<std::int64_t> values(static_cast<std::size_t>(n));
      for (auto& v : values) v = static_cast<std::int64_t>(engine() % static_cast<std::uint64_t>(classes));
      inputs.push_back(tensor(values, shape));
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

}  // namespace tg::testing
