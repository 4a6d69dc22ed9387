#pragma once
// The op registry: one row per op, the op's one test home. A row carries its callable, input shapes
// and domains, zero-size samples, double-backward flag, bad inputs with the error they must raise,
// and the PyTorch fixture cases (tests/fixtures/torch_ops.txt) its callable computes.
// op_gradcheck_test.cpp, zero_size_test.cpp and torch_fixture_test.cpp run every row.
//
// Rows live in tests/support/op_cases/<family>.cpp, one file per autograd/ops/<family>.cpp, each
// defining <family>_cases() (declared below); op_cases.cpp concatenates them. A new family file
// needs its declaration here and one line in op_cases.cpp.
#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg::testing {

/// Where an input's values come from (kinks and poles are avoided so finite differences are valid).
enum class Domain {
  Any,               // uniform in [-1, 1]
  Positive,          // uniform in [0.5, 2]
  AwayFromKinks,     // |v| in [0.1, 0.4] or [0.6, 1]: clear of 0 and +-0.5
  Probability,       // uniform in [0, 1], not differentiated against (a target)
  Classes,           // int64 class indices in [0, C) with C the first input's last size
  Indices,           // int64 indices in [0, n) with n the first input's smallest size: valid along any dim
  Constant,          // uniform in [-1, 1], not differentiated against
  AwayFromIntegers,  // in [-2.9, 2.9] with a fractional part in [0.1, 0.4] or [0.6, 0.9] (rounding ops)
  InsideUnit,        // uniform in [-0.9, 0.9] (asin, acos, atanh)
  AboveOne,          // uniform in [1.2, 3] (acosh)
  OpenUnit,          // uniform in [0.05, 0.95], differentiated (logit)
  NonZero,           // |v| uniform in [0.5, 2] with either sign (divisors)
  Negative,          // uniform in [-2, -0.1]
  Wide,              // uniform in [-4, 4] (reaches past the corners of the hard activations)
  Mask,              // bool, true or false with equal odds (where's condition, masked_fill's mask)
};

using OpFn = std::function<Tensor(const tensor_list&)>;

struct BadInput {
  std::vector<Shape> shapes;
  std::string message;  // substring of the tg::Error message
  // Per-input dtypes when the error is about dtypes (the last entry repeats); empty: float64.
  std::vector<Dtype> dtypes = {};
  // Replaces the row's fn for errors that need arguments the row's fn fixes (a dim, an index, a
  // bound): it receives the inputs made from `shapes`.
  OpFn fn = {};
};

struct OpCase {
  std::string name;
  OpFn fn;
  std::vector<std::vector<Shape>> samples = {};  // each: one shape per input
  std::vector<Domain> domains = {Domain::Any};   // per input; the last entry repeats
  bool double_backward = false;
  std::vector<BadInput> bad = {};
  autograd::GradcheckOptions tolerance = {};  // overrides for rows that pass through float32
  bool keeps_dtype = true;                    // output dtype equals the inputs' dtype
  // Samples with a zero-size dim: forward and backward must work and give gradients of the inputs'
  // shapes (empty, or zeros where the input is not empty but the output is). `empty_fn`, when set,
  // replaces `fn` for them (for rows whose fn hard-codes sizes). Rows for which every zero-size input
  // is an error list one in `bad` instead.
  std::vector<std::vector<Shape>> empty_samples = {};
  OpFn empty_fn = {};
  // Cases of tests/fixtures/torch_ops.txt that `fn` computes: the fixture's inputs, in file order, are
  // fn's inputs and its one output `out` is fn's result (values and, for differentiable rows, gradients).
  std::vector<std::string> fixtures = {};
  // Non-differentiable rows (argmax, indices) get value fixtures and bad inputs but no gradcheck and
  // no zero-size backward.
  bool differentiable = true;
};

/// Every row of every family, in family order.
const std::vector<OpCase>& op_cases();

// One function per tests/support/op_cases/<family>.cpp.
std::vector<OpCase> arithmetic_cases();
std::vector<OpCase> unary_cases();
std::vector<OpCase> activation_cases();
std::vector<OpCase> matmul_cases();
std::vector<OpCase> linear_cases();
std::vector<OpCase> shape_cases();
std::vector<OpCase> split_cases();
std::vector<OpCase> rearrange_cases();
std::vector<OpCase> index_cases();
std::vector<OpCase> conversion_cases();
std::vector<OpCase> reduction_cases();
std::vector<OpCase> softmax_cases();
std::vector<OpCase> loss_cases();
std::vector<OpCase> margin_loss_cases();
std::vector<OpCase> comparison_cases();
std::vector<OpCase> composite_cases();
std::vector<OpCase> trigonometric_cases();
std::vector<OpCase> exp_log_cases();
std::vector<OpCase> rounding_cases();
std::vector<OpCase> binary_math_cases();
std::vector<OpCase> activation_extra_cases();
std::vector<OpCase> einsum_cases();
std::vector<OpCase> indexing_cases();
std::vector<OpCase> scatter_cases();
std::vector<OpCase> scan_cases();
std::vector<OpCase> sort_cases();
std::vector<OpCase> padding_cases();
std::vector<OpCase> pooling_cases();
std::vector<OpCase> upsampling_cases();
std::vector<OpCase> norm_cases();
std::vector<OpCase> diagonal_cases();
std::vector<OpCase> attention_cases();
std::vector<OpCase> normalization_cases();
std::vector<OpCase> embedding_cases();
std::vector<OpCase> swiglu_cases();
std::vector<OpCase> convolution_cases();
std::vector<OpCase> fold_cases();
std::vector<OpCase> batch_norm_cases();
std::vector<OpCase> recurrent_cases();

/// Inputs for one sample: deterministic values in each input's domain; float64 inputs require grad.
/// `non_contiguous` lays out every floating input of rank >= 2 transposed in memory (same values).
tensor_list make_inputs(const OpCase& op, const std::vector<Shape>& shapes, bool non_contiguous = false,
                        Dtype dtype = kFloat64);

/// The inputs of a bad-input case: make_inputs, then converted to `bad.dtypes` (detached) when given.
tensor_list make_bad_inputs(const OpCase& op, const BadInput& bad);

}  // namespace tg::testing
