#pragma once
// The op registry: one row per differentiable op (name, callable, input shapes, input domains,
// double-backward flag, bad inputs with the error they must raise). op_gradcheck_test.cpp runs
// every row; adding an op means adding a row here.
#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg::testing {

/// Where an input's values come from (kinks and poles are avoided so finite differences are valid).
enum class Domain {
  Any,            // uniform in [-1, 1]
  Positive,       // uniform in [0.5, 2]
  AwayFromKinks,  // |v| in [0.1, 0.4] or [0.6, 1]: clear of 0 and +-0.5
  Probability,    // uniform in [0, 1], not differentiated against (a target)
  Classes,        // int64 class indices in [0, C) with C the first input's last size
  Constant,       // uniform in [-1, 1], not differentiated against
};

struct BadInput {
  std::vector<Shape> shapes;
  std::string message;  // substring of the tg::Error message
};

struct OpCase {
  std::string name;
  std::function<Tensor(const tensor_list&)> fn;
  std::vector<std::vector<Shape>> samples;      // each: one shape per input
  std::vector<Domain> domains = {Domain::Any};  // per input; the last entry repeats
  bool double_backward = false;
  std::vector<BadInput> bad = {};
  autograd::GradcheckOptions tolerance = {};  // overrides for rows that pass through float32
  bool keeps_dtype = true;                    // output dtype equals the inputs' dtype
  // Samples with a zero-size dim (set by the table in op_cases.cpp, not in the rows above): forward
  // and backward must work and give gradients of the inputs' shapes (empty, or zeros where the input
  // is not empty but the output is). `empty_fn`, when set, replaces `fn` for them (for rows whose
  // fn hard-codes sizes). Rows for which every zero-size input is an error list it in `bad` instead.
  std::vector<std::vector<Shape>> empty_samples = {};
  std::function<Tensor(const tensor_list&)> empty_fn = {};
  // Cases of tests/fixtures/torch_ops.txt that `fn` computes: the fixture's inputs, in file order, are
  // fn's inputs and its one output is fn's result (values and, for differentiable rows, gradients).
  std::vector<std::string> fixtures = {};
  // Non-differentiable rows (comparisons, argmax, integer results) get value fixtures, dtype and error
  // checks but no gradcheck.
  bool differentiable = true;
};

const std::vector<OpCase>& op_cases();

/// Inputs for one sample: deterministic values in each input's domain; float64 inputs require grad.
/// `non_contiguous` lays out every floating input of rank >= 2 transposed in memory (same values).
tensor_list make_inputs(const OpCase& op, const std::vector<Shape>& shapes, bool non_contiguous = false,
                        Dtype dtype = kFloat64);

}  // namespace tg::testing
