// Compares tapegrad's forward values and gradients with PyTorch's, recorded in
// tests/fixtures/torch_ops.txt by tests/fixtures/make_fixtures.py (the test itself needs no Python).
//
// Each fixture case names a computation. The table below rebuilds that computation with tapegrad
// from the case's input tensors; the generic test runs it, feeds the recorded upstream gradients
// into backward, and compares every output and every input gradient elementwise. A case present in
// the file but not in the table (or the reverse) fails, so coverage cannot silently shrink when
// either side changes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/fixture_reader.hpp"

namespace {

using tapegrad_test::FixtureCase;
using tapegrad_test::FixtureRole;
using tapegrad_test::FixtureTensor;

// ---------------------------------------------------------------- the case table

/// The case's input tensors by label; operator[] fails loudly on a label the fixture lacks, so a
/// table row that reads the wrong name reports it instead of crashing on an undefined tensor.
class Args {
 public:
  explicit Args(std::map<std::string, tg::Tensor> tensors) : tensors_(std::move(tensors)) {}
  const tg::Tensor& operator[](const std::string& label) const {
    auto it = tensors_.find(label);
    if (it == tensors_.end()) throw std::runtime_error("the fixture case has no input '" + label + "'");
    return it->second;
  }

 private:
  std::map<std::string, tg::Tensor> tensors_;
};

using Outputs = std::map<std::string, tg::Tensor>;
using CaseFn = std::function<Outputs(const Args&)>;

Outputs out(const tg::Tensor& tensor) { return {{"out", tensor}}; }

tg::Reduction reduction_named(const std::string& name) {
  if (name == "mean") return tg::kMean;
  if (name == "sum") return tg::kSum;
  return tg::kNone;
}

class CaseTable {
 public:
  void add(const std::string& name, CaseFn fn) {
    if (!rows_.emplace(name, std::move(fn)).second) throw std::logic_error("duplicate table row " + name);
  }
  // Most cases map one input "x" to one output "out".
  void add_unary(const std::string& name, std::function<tg::Tensor(const tg::Tensor&)> fn) {
    add(name, [fn](const Args& in) { return out(fn(in["x"])); });
  }
  void add_binary(const std::string& name,
                  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> fn) {
    add(name, [fn](const Args& in) { return out(fn(in["a"], in["b"])); });
  }
  const std::map<std::string, CaseFn>& rows() const { return rows_; }

 private:
  std::map<std::string, CaseFn> rows_;
};

void add_arithmetic_rows(CaseTable& table) {
  const std::map<std::string, std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)>> ops = {
      {"add", [](const tg::Tensor& a, const tg::Tensor& b) { return a + b; }},
      {"sub", [](const tg::Tensor& a, const tg::Tensor& b) { return a - b; }},
      {"mul", [](const tg::Tensor& a, const tg::Tensor& b) { return a * b; }},
      {"div", [](const tg::Tensor& a, const tg::Tensor& b) { return a / b; }},
  };
  for (const auto& [op, fn] : ops)
    for (const char* shapes : {"3x4_4", "2x1_1x3", "2x3x4_3x1"}) table.add_binary(op + "_" + shapes, fn);
  table.add_binary("add_alpha", [](const tg::Tensor& a, const tg::Tensor& b) { return tg::add(a, b, 2.5); });
  table.add_binary("sub_alpha",
                   [](const tg::Tensor& a, const tg::Tensor& b) { return tg::sub(a, b, -0.75); });
  table.add("scalar_ops", [](const Args& in) {
    const tg::Tensor& x = in["x"];
    return Outputs{{"out", ((x + 1.5) * 2.0 - 0.25) / 3.0}, {"rsub", 2.0 - x}, {"rdiv", 1.5 / x}};
  });
  table.add_unary("neg", [](const tg::Tensor& x) { return tg::neg(x); });
}

void add_unary_rows(CaseTable& table) {
  table.add_unary("pow_2", [](const tg::Tensor& x) { return tg::pow(x, 2.0); });
  table.add_unary("pow_3", [](const tg::Tensor& x) { return tg::pow(x, 3.0); });
  table.add_unary("pow_0_5", [](const tg::Tensor& x) { return tg::pow(x, 0.5); });
  table.add_unary("pow_neg_1_5", [](const tg::Tensor& x) { return tg::pow(x, -1.5); });
  table.add_unary("exp", [](const tg::Tensor& x) { return tg::exp(x); });
  table.add_unary("log", [](const tg::Tensor& x) { return tg::log(x); });
  table.add_unary("sqrt", [](const tg::Tensor& x) { return tg::sqrt(x); });
  table.add_unary("abs", [](const tg::Tensor& x) { return tg::abs(x); });
  table.add_unary("clamp", [](const tg::Tensor& x) { return tg::clamp(x, -0.5, 0.5); });
  table.add_unary("clamp_min", [](const tg::Tensor& x) { return tg::clamp_min(x, 0.25); });
  table.add_unary("clamp_max", [](const tg::Tensor& x) { return tg::clamp_max(x, -0.1); });
}

void add_matmul_rows(CaseTable& table) {
  for (const char* name : {"matmul_2d", "matmul_3d", "matmul_3d_2d", "matmul_2d_3d", "matmul_3d_batch1",
                           "matmul_1d_1d", "matmul_2d_1d", "matmul_1d_2d", "matmul_f32"})
    table.add_binary(name, [](const tg::Tensor& a, const tg::Tensor& b) { return tg::matmul(a, b); });
  table.add_binary("matmul_transposed",
                   [](const tg::Tensor& a, const tg::Tensor& b) { return tg::matmul(a.t(), b.t()); });
  table.add_binary("mm", [](const tg::Tensor& a, const tg::Tensor& b) { return tg::mm(a, b); });
  table.add_binary("bmm", [](const tg::Tensor& a, const tg::Tensor& b) { return tg::bmm(a, b); });
  for (const char* name : {"linear", "linear_3d", "linear_1d", "linear_f32"})
    table.add(name, [](const Args& in) { return out(tg::linear(in["x"], in["w"], in["b"])); });
  table.add("linear_no_bias", [](const Args& in) { return out(tg::linear(in["x"], in["w"])); });
}

void add_shape_rows(CaseTable& table) {
  table.add_unary("reshape", [](const tg::Tensor& x) { return x.reshape({2, 6}); });
  table.add_unary("reshape_infer", [](const tg::Tensor& x) { return x.reshape({-1, 4}); });
  table.add_unary("reshape_non_contiguous", [](const tg::Tensor& x) { return x.t().reshape({12}); });
  table.add_unary("view", [](const tg::Tensor& x) { return x.view({3, 2, 2}); });
  table.add_unary("flatten", [](const tg::Tensor& x) { return tg::flatten(x, 1); });
  table.add_unary("transpose", [](const tg::Tensor& x) { return x.transpose(0, 2); });
  table.add_unary("t", [](const tg::Tensor& x) { return x.t(); });
  table.add_unary("permute", [](const tg::Tensor& x) { return x.permute({1, 2, 0}); });
  table.add("squeeze_unsqueeze", [](const Args& in) {
    const tg::Tensor& x = in["x"];
    return Outputs{{"squeezed", x.squeeze(1)}, {"all", x.squeeze()}, {"unsqueezed", x.unsqueeze(0)}};
  });
  table.add_unary("expand", [](const tg::Tensor& x) { return x.expand({3, 4}); });
  table.add_unary("expand_new_dim", [](const tg::Tensor& x) { return x.expand({2, 3, 4}); });
  table.add("cat_dim0", [](const Args& in) { return out(tg::cat({in["a"], in["b"]}, 0)); });
  table.add("cat_dim1", [](const Args& in) { return out(tg::cat({in["a"], in["b"], in["c"]}, 1)); });
  table.add("stack_dim0", [](const Args& in) { return out(tg::stack({in["a"], in["b"], in["c"]}, 0)); });
  table.add("stack_dim_last", [](const Args& in) { return out(tg::stack({in["a"], in["b"]}, -1)); });
  table.add_unary("narrow", [](const tg::Tensor& x) { return x.narrow(1, 1, 3); });
  table.add_unary("slice_step", [](const tg::Tensor& x) { return x.slice(0, 1, 6, 2); });
  table.add_unary("select", [](const tg::Tensor& x) { return x.select(1, 2); });
  table.add("index_select_dim0",
            [](const Args& in) { return out(tg::index_select(in["x"], 0, in["index"])); });
  table.add("index_select_dim1",
            [](const Args& in) { return out(tg::index_select(in["x"], 1, in["index"])); });
  table.add("gather_dim1", [](const Args& in) { return out(tg::gather(in["x"], 1, in["index"])); });
  table.add("gather_dim0", [](const Args& in) { return out(tg::gather(in["x"], 0, in["index"])); });
}

void add_reduction_rows(CaseTable& table) {
  table.add_unary("sum_all", [](const tg::Tensor& x) { return x.sum(); });
  table.add_unary("sum_dim", [](const tg::Tensor& x) { return x.sum({1}); });
  table.add_unary("sum_dims_keepdim", [](const tg::Tensor& x) { return x.sum({0, 2}, true); });
  table.add_unary("mean_all", [](const tg::Tensor& x) { return x.mean(); });
  table.add_unary("mean_dim", [](const tg::Tensor& x) { return x.mean({-1}); });
  table.add_unary("mean_dims_keepdim", [](const tg::Tensor& x) { return x.mean({0, 1}, true); });
  table.add_unary("max_all", [](const tg::Tensor& x) { return x.max(); });
  table.add_unary("max_all_ties", [](const tg::Tensor& x) { return x.max(); });
  table.add("max_dim", [](const Args& in) {
    auto [values, indices] = in["x"].max(1);
    return Outputs{{"values", values}, {"indices", indices}};
  });
  table.add("max_dim_keepdim", [](const Args& in) {
    auto [values, indices] = in["x"].max(0, true);
    return Outputs{{"values", values}, {"indices", indices}};
  });
  table.add("argmax", [](const Args& in) {
    return Outputs{{"all", in["x"].argmax()}, {"dim1", in["x"].argmax(1)}};
  });
  // Dims go through a named vector: a braced {1} would also match var(bool unbiased).
  const std::vector<std::int64_t> dim1{1}, dims02{0, 2};
  table.add_unary("var_all_unbiased", [](const tg::Tensor& x) { return x.var(); });
  table.add_unary("var_all_biased", [](const tg::Tensor& x) { return x.var(false); });
  table.add_unary("var_dim_unbiased", [dim1](const tg::Tensor& x) { return x.var(dim1); });
  table.add_unary("var_dims_biased_keepdim",
                  [dims02](const tg::Tensor& x) { return x.var(dims02, false, true); });
}

void add_activation_rows(CaseTable& table) {
  table.add_unary("relu", [](const tg::Tensor& x) { return tg::relu(x); });
  table.add_unary("leaky_relu", [](const tg::Tensor& x) { return tg::leaky_relu(x, 0.1); });
  table.add_unary("sigmoid", [](const tg::Tensor& x) { return tg::sigmoid(x); });
  table.add_unary("tanh", [](const tg::Tensor& x) { return tg::tanh(x); });
  table.add_unary("gelu", [](const tg::Tensor& x) { return tg::gelu(x); });
  table.add_unary("gelu_tanh", [](const tg::Tensor& x) { return tg::gelu(x, "tanh"); });
  table.add_unary("silu", [](const tg::Tensor& x) { return tg::silu(x); });
  table.add_unary("softmax_dim1", [](const tg::Tensor& x) { return tg::softmax(x, 1); });
  table.add_unary("softmax_dim0", [](const tg::Tensor& x) { return tg::softmax(x, 0); });
  table.add_unary("softmax_3d_middle", [](const tg::Tensor& x) { return tg::softmax(x, 1); });
  table.add_unary("softmax_large", [](const tg::Tensor& x) { return tg::softmax(x, -1); });
  table.add_unary("softmax_f32", [](const tg::Tensor& x) { return tg::softmax(x, 1); });
  table.add_unary("log_softmax_dim1", [](const tg::Tensor& x) { return tg::log_softmax(x, 1); });
  table.add_unary("log_softmax_dim0", [](const tg::Tensor& x) { return tg::log_softmax(x, 0); });
  table.add_unary("log_softmax_3d_last", [](const tg::Tensor& x) { return tg::log_softmax(x, -1); });
  table.add_unary("log_softmax_large", [](const tg::Tensor& x) { return tg::log_softmax(x, -1); });
  table.add_unary("log_softmax_f32", [](const tg::Tensor& x) { return tg::log_softmax(x, 1); });
}

void add_loss_rows(CaseTable& table) {
  for (const std::string suffix : {"mean", "sum", "none"}) {
    const tg::Reduction reduction = reduction_named(suffix);
    table.add("mse_loss_" + suffix, [reduction](const Args& in) {
      return out(tg::mse_loss(in["input"], in["target"], reduction));
    });
    for (const std::string prefix : {"cross_entropy_", "cross_entropy_large_"})
      table.add(prefix + suffix, [reduction](const Args& in) {
        return out(tg::cross_entropy(in["logits"], in["target"], reduction));
      });
    table.add("nll_loss_" + suffix, [reduction](const Args& in) {
      return out(tg::nll_loss(in["log_probs"], in["target"], reduction));
    });
    table.add("bce_with_logits_" + suffix, [reduction](const Args& in) {
      return out(tg::binary_cross_entropy_with_logits(in["logits"], in["target"], reduction));
    });
  }
  for (const char* name : {"cross_entropy_1d", "cross_entropy_f32"})
    table.add(name, [](const Args& in) { return out(tg::cross_entropy(in["logits"], in["target"])); });
}

void add_composite_rows(CaseTable& table) {
  table.add("mlp_6_5_4_3", [](const Args& in) {
    tg::Tensor h1 = tg::tanh(tg::linear(in["x"], in["w1"], in["b1"]));
    tg::Tensor h2 = tg::relu(tg::linear(h1, in["w2"], in["b2"]));
    return Outputs{{"loss", tg::cross_entropy(tg::linear(h2, in["w3"], in["b3"]), in["target"])}};
  });
}

// Ops fed transposed, permuted, sliced or expanded views, and an input used several times.
void add_view_rows(CaseTable& table) {
  table.add_unary("reuse_accumulates", [](const tg::Tensor& x) { return x * tg::exp(x) + x.sum({0}) - x; });
  table.add_unary("softmax_transposed", [](const tg::Tensor& x) { return tg::softmax(x.t(), 1); });
  table.add_unary("log_softmax_permuted", [](const tg::Tensor& x) {
    return tg::log_softmax(x.permute({2, 0, 1}), 1);
  });
  table.add_unary("sum_permuted", [](const tg::Tensor& x) { return x.permute({2, 0, 1}).sum({1}); });
  const std::vector<std::int64_t> dim1{1};
  table.add_unary("var_transposed", [dim1](const tg::Tensor& x) { return x.t().var(dim1); });
  table.add("max_dim_transposed", [](const Args& in) {
    auto [values, indices] = in["x"].t().max(1);
    return Outputs{{"values", values}, {"indices", indices}};
  });
  table.add("linear_transposed_weight",
            [](const Args& in) { return out(tg::linear(in["x"], in["w"].t(), in["b"])); });
  table.add("linear_sliced_input",
            [](const Args& in) { return out(tg::linear(in["x"].slice(1, 1, 5), in["w"], in["b"])); });
  table.add_binary("matmul_expanded", [](const tg::Tensor& a, const tg::Tensor& b) {
    return tg::matmul(a.expand({2, 3, 4}), b);
  });
  table.add_binary("bmm_transposed",
                   [](const tg::Tensor& a, const tg::Tensor& b) { return tg::bmm(a.transpose(1, 2), b); });
  table.add("elementwise_on_views", [](const Args& in) {
    const tg::Tensor& x = in["x"];
    const tg::Tensor& y = in["y"];
    return out(tg::tanh(x.narrow(1, 1, 4)) * y.t().slice(1, 1, 5) + tg::sigmoid(y.slice(0, 0, 8, 2).t()));
  });
  table.add("cat_views", [](const Args& in) {
    return out(tg::cat({in["a"].t(), in["b"].slice(0, 1, 3)}, 0));
  });
  table.add("gather_transposed", [](const Args& in) { return out(tg::gather(in["x"].t(), 1, in["index"])); });
  table.add("cross_entropy_sliced_logits", [](const Args& in) {
    return out(tg::cross_entropy(in["logits"].slice(0, 0, 6, 2).slice(1, 1, 6), in["target"]));
  });
  table.add("nll_of_log_softmax", [](const Args& in) {
    return out(tg::nll_loss(tg::log_softmax(in["x"], 1), in["target"], tg::kSum));
  });
}

const std::map<std::string, CaseFn>& case_table() {
  static const CaseTable table = [] {
    CaseTable t;
    add_arithmetic_rows(t);
    add_unary_rows(t);
    add_matmul_rows(t);
    add_shape_rows(t);
    add_reduction_rows(t);
    add_activation_rows(t);
    add_loss_rows(t);
    add_composite_rows(t);
    add_view_rows(t);
    return t;
  }();
  return table.rows();
}

// ---------------------------------------------------------------- loading the fixture file

struct LoadedFixtures {
  std::vector<FixtureCase> cases;
  std::string error;  // non-empty when the file could not be read or parsed
};

const LoadedFixtures& fixtures() {
  static const LoadedFixtures loaded = [] {
    LoadedFixtures result;
    try {
      result.cases = tapegrad_test::read_fixture_file(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_ops.txt");
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    return result;
  }();
  return loaded;
}

// Parameters are read at registration time; a broken file still yields one (failing) test so the
// problem is reported instead of the suite quietly running nothing.
constexpr const char* kUnreadable = "unreadable_fixture_file";

std::vector<std::string> fixture_case_names() {
  if (!fixtures().error.empty() || fixtures().cases.empty()) return {kUnreadable};
  std::vector<std::string> names;
  for (const FixtureCase& c : fixtures().cases) names.push_back(c.name);
  return names;
}

// ---------------------------------------------------------------- comparison

struct Tolerance {
  double rtol;
  double atol;
};

// float64 results differ from PyTorch's only by summation order and libm rounding; float32 ones
// also by fused/accumulated rounding in the kernels, hence the much looser bound.
Tolerance tolerance_for(tg::Dtype dtype) {
  if (dtype == tg::kFloat32) return {1e-5, 1e-5};
  return {1e-10, 1e-12};
}

std::string index_string(std::int64_t flat, const std::vector<std::int64_t>& sizes) {
  std::vector<std::int64_t> index(sizes.size());
  for (std::size_t d = sizes.size(); d-- > 0;) {
    index[d] = sizes[d] == 0 ? 0 : flat % sizes[d];
    flat = sizes[d] == 0 ? 0 : flat / sizes[d];
  }
  std::ostringstream out;
  out << "[";
  for (std::size_t d = 0; d < index.size(); ++d) out << (d ? ", " : "") << index[d];
  out << "]";
  return out.str();
}

bool close(double actual, double expected, Tolerance tol) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= tol.atol + tol.rtol * std::abs(expected);
}

/// Expects `actual` to have the fixture tensor's dtype, shape and values; `what` names it in failures.
void expect_matches(const std::string& what, const tg::Tensor& actual, const FixtureTensor& expected) {
  if (!actual.defined()) {
    ADD_FAILURE() << what << ": tapegrad gave an undefined tensor";
    return;
  }
  if (actual.dtype() != expected.dtype) {
    ADD_FAILURE() << what << ": dtype " << actual.dtype() << ", PyTorch has " << expected.dtype;
    return;
  }
  const std::vector<std::int64_t> sizes(actual.sizes().begin(), actual.sizes().end());
  if (sizes != expected.sizes) {
    // tg::to_string: Shape is a boost type, so ADL would not find tg's operator<< for it.
    ADD_FAILURE() << what << ": shape " << tg::to_string(actual.sizes()) << ", PyTorch has "
                  << tg::to_string(expected.sizes);
    return;
  }
  constexpr int kMaxReported = 5;
  int mismatches = 0;
  std::ostringstream report;
  report.precision(17);
  if (expected.dtype == tg::kInt64) {
    const std::vector<std::int64_t> values = actual.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] == expected.int_values[i]) continue;
      if (++mismatches <= kMaxReported)
        report << "\n  at " << index_string(static_cast<std::int64_t>(i), sizes) << ": tapegrad " << values[i]
               << ", PyTorch " << expected.int_values[i];
    }
  } else {
    const Tolerance tol = tolerance_for(expected.dtype);
    const std::vector<double> values = actual.to_vector<double>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double want = expected.values[i];
      if (close(values[i], want, tol)) continue;
      if (++mismatches <= kMaxReported)
        report << "\n  at " << index_string(static_cast<std::int64_t>(i), sizes) << ": tapegrad " << values[i]
               << ", PyTorch " << want << " (diff " << std::abs(values[i] - want) << ", allowed "
               << tol.atol + tol.rtol * std::abs(want) << ")";
    }
  }
  if (mismatches > 0)
    ADD_FAILURE() << what << ": " << mismatches << " of "
                  << expected.values.size() + expected.int_values.size() << " elements differ"
                  << report.str();
}

// ---------------------------------------------------------------- the tests

class TorchFixture : public testing::TestWithParam<std::string> {};

TEST_P(TorchFixture, MatchesPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  ASSERT_NE(GetParam(), kUnreadable) << "the fixture file holds no cases";
  const auto found = std::find_if(fixtures().cases.begin(), fixtures().cases.end(),
                                  [&](const FixtureCase& c) { return c.name == GetParam(); });
  ASSERT_TRUE(found != fixtures().cases.end());
  const FixtureCase& fixture = *found;
  SCOPED_TRACE("fixture case " + fixture.name + " (torch_ops.txt line " + std::to_string(fixture.line) + ")");
  const auto row = case_table().find(fixture.name);
  ASSERT_TRUE(row != case_table().end()) << "no row in the table of torch_fixture_test.cpp";

  // Inputs with a recorded gradient are the ones PyTorch differentiated; only they require grad.
  std::map<std::string, tg::Tensor> inputs;
  for (const FixtureTensor* input : fixture.with_role(FixtureRole::Input)) {
    tg::Tensor tensor = input->to_tensor();
    if (fixture.find(FixtureRole::Grad, input->label) != nullptr) tensor.requires_grad_(true);
    inputs.emplace(input->label, tensor);
  }
  for (const FixtureTensor* grad : fixture.with_role(FixtureRole::Grad))
    ASSERT_TRUE(inputs.count(grad->label)) << "grad '" << grad->label << "' has no matching input";

  Outputs outputs;
  try {
    outputs = row->second(Args(inputs));
  } catch (const std::exception& e) {
    FAIL() << "forward threw: " << e.what();
  }

  // Forward: the table row and the fixture must produce the same set of outputs.
  std::set<std::string> expected_labels;
  for (const FixtureTensor* output : fixture.with_role(FixtureRole::Output)) {
    expected_labels.insert(output->label);
    const auto actual = outputs.find(output->label);
    if (actual == outputs.end()) {
      ADD_FAILURE() << "output '" << output->label
                    << "' is in the fixture but the table row does not return it";
      continue;
    }
    expect_matches("output '" + output->label + "'", actual->second, *output);
  }
  for (const auto& [label, tensor] : outputs)
    EXPECT_TRUE(expected_labels.count(label))
        << "the table row returns output '" << label << "' which the fixture does not have";

  // Backward: sum over outputs of <output, upstream>, exactly as make_fixtures.py did.
  tg::tensor_list roots, upstreams;
  for (const FixtureTensor* upstream : fixture.with_role(FixtureRole::Upstream)) {
    const auto actual = outputs.find(upstream->label);
    ASSERT_TRUE(actual != outputs.end()) << "upstream '" << upstream->label << "' has no matching output";
    ASSERT_TRUE(actual->second.requires_grad()) << "output '" << upstream->label << "' does not require grad";
    roots.push_back(actual->second);
    upstreams.push_back(upstream->to_tensor());
  }
  if (roots.empty()) return;
  try {
    tg::autograd::backward(roots, upstreams);
  } catch (const std::exception& e) {
    FAIL() << "backward threw: " << e.what();
  }
  for (const FixtureTensor* grad : fixture.with_role(FixtureRole::Grad))
    expect_matches("grad of input '" + grad->label + "'", inputs.at(grad->label).grad(), *grad);
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchFixture, testing::ValuesIn(fixture_case_names()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// Coverage guard: the file and the table must list the same cases, in both directions.
TEST(TorchFixtureCoverage, FileAndTableListTheSameCases) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  ASSERT_FALSE(fixtures().cases.empty()) << "torch_ops.txt holds no cases";
  std::set<std::string> in_file;
  for (const FixtureCase& c : fixtures().cases) {
    in_file.insert(c.name);
    EXPECT_TRUE(case_table().count(c.name)) << "fixture case '" << c.name << "' has no table row";
  }
  for (const auto& [name, fn] : case_table())
    EXPECT_TRUE(in_file.count(name))
        << "table row '" << name << "' has no fixture case; regenerate torch_ops.txt with make_fixtures.py";
}

}  // namespace
