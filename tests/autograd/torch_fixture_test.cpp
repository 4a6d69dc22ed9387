// Compares tapegrad's forward values and gradients with PyTorch's, recorded in
// tests/fixtures/torch_ops.txt by tests/fixtures/make_fixtures.py (the test itself needs no Python).
//
// Each op registry row (tests/support/op_cases/<family>.cpp) lists the fixture cases its fn computes
// (OpCase::fixtures): the case's inputs, in file order, are fn's inputs and its one output `out` is
// fn's result. The test runs fn on them, feeds the recorded upstream gradient into backward and
// compares the output and, for differentiable rows, every input gradient the file records. A case
// in the file that no row lists (or lists twice), or a listed case missing from the file, fails, so
// coverage cannot silently shrink when either side changes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/fixture_reader.hpp"
#include "support/op_cases.hpp"

namespace {

using tapegrad_test::FixtureCase;
using tapegrad_test::FixtureRole;
using tapegrad_test::FixtureTensor;
using tg::testing::op_cases;
using tg::testing::OpCase;

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

const FixtureCase* find_fixture(const std::string& name) {
  const auto found = std::find_if(fixtures().cases.begin(), fixtures().cases.end(),
                                  [&](const FixtureCase& c) { return c.name == name; });
  return found == fixtures().cases.end() ? nullptr : &*found;
}

/// One fixture case of one registry row.
struct RowFixture {
  const OpCase* op;
  std::string key;
};

void PrintTo(const RowFixture& p, std::ostream* out) { *out << (p.op ? p.op->name : "-") << "/" << p.key; }

std::vector<RowFixture> row_fixtures() {
  if (!fixtures().error.empty() || fixtures().cases.empty()) return {{nullptr, kUnreadable}};
  // A key listed twice runs once (test names must be unique); the coverage test reports it.
  std::vector<RowFixture> params;
  std::set<std::string> seen;
  for (const OpCase& op : op_cases())
    for (const std::string& key : op.fixtures)
      if (seen.insert(key).second) params.push_back({&op, key});
  return params;
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
  if (!tg::is_floating_point(expected.dtype)) {  // integers and bools: exact
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

class TorchFixture : public testing::TestWithParam<RowFixture> {};

TEST_P(TorchFixture, MatchesPyTorch) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  ASSERT_NE(GetParam().key, kUnreadable) << "the fixture file holds no cases";
  const OpCase& op = *GetParam().op;
  const FixtureCase* found = find_fixture(GetParam().key);
  ASSERT_NE(found, nullptr) << "row " << op.name << " lists fixture '" << GetParam().key
                            << "' which torch_ops.txt does not have; regenerate it with make_fixtures.py";
  const FixtureCase& fixture = *found;
  SCOPED_TRACE("row " + op.name + ", fixture case " + fixture.name + " (torch_ops.txt line " +
               std::to_string(fixture.line) + ")");

  const std::vector<const FixtureTensor*> outputs = fixture.with_role(FixtureRole::Output);
  ASSERT_EQ(outputs.size(), 1u) << "a fixture case must have exactly one output";
  ASSERT_EQ(outputs[0]->label, "out");
  const FixtureTensor* upstream = fixture.find(FixtureRole::Upstream, "out");
  const std::vector<const FixtureTensor*> grads = fixture.with_role(FixtureRole::Grad);
  if (!op.differentiable) {
    ASSERT_TRUE(grads.empty()) << "row " << op.name
                               << " is not differentiable but the fixture records gradients";
  }

  // Inputs with a recorded gradient are the ones PyTorch differentiated; only they require grad.
  tg::tensor_list inputs;
  std::map<std::string, std::size_t> position;
  for (const FixtureTensor* input : fixture.with_role(FixtureRole::Input)) {
    tg::Tensor tensor = input->to_tensor();
    if (fixture.find(FixtureRole::Grad, input->label) != nullptr) tensor.requires_grad_(true);
    position[input->label] = inputs.size();
    inputs.push_back(tensor);
  }
  for (const FixtureTensor* grad : grads)
    ASSERT_TRUE(position.count(grad->label)) << "grad '" << grad->label << "' has no matching input";

  tg::Tensor out;
  try {
    out = op.fn(inputs);
  } catch (const std::exception& e) {
    FAIL() << "forward threw: " << e.what();
  }
  expect_matches("output", out, *outputs[0]);
  if (!op.differentiable || grads.empty()) return;

  ASSERT_NE(upstream, nullptr) << "the fixture records gradients but no upstream for 'out'";
  ASSERT_TRUE(out.requires_grad()) << "the output does not require grad";
  try {
    out.backward(upstream->to_tensor());
  } catch (const std::exception& e) {
    FAIL() << "backward threw: " << e.what();
  }
  for (const FixtureTensor* grad : grads)
    expect_matches("grad of input '" + grad->label + "'", inputs[position.at(grad->label)].grad(), *grad);
}

INSTANTIATE_TEST_SUITE_P(Torch, TorchFixture, testing::ValuesIn(row_fixtures()),
                         [](const testing::TestParamInfo<RowFixture>& info) { return info.param.key; });

// Coverage guard, both directions: every case of the file belongs to exactly one row, and every case
// a row lists is in the file.
TEST(TorchFixtureCoverage, EveryCaseBelongsToExactlyOneRow) {
  ASSERT_TRUE(fixtures().error.empty()) << fixtures().error;
  ASSERT_FALSE(fixtures().cases.empty()) << "torch_ops.txt holds no cases";
  std::map<std::string, std::vector<std::string>> rows_of;
  for (const OpCase& op : op_cases())
    for (const std::string& key : op.fixtures) rows_of[key].push_back(op.name);
  std::set<std::string> in_file;
  for (const FixtureCase& c : fixtures().cases) {
    in_file.insert(c.name);
    const auto rows = rows_of.find(c.name);
    if (rows == rows_of.end()) {
      ADD_FAILURE() << "fixture case '" << c.name << "' belongs to no row: list it in a row's .fixtures";
      continue;
    }
    if (rows->second.size() != 1) {
      std::string names;
      for (const std::string& name : rows->second) names += " " + name;
      ADD_FAILURE() << "fixture case '" << c.name << "' is listed by several rows:" << names;
    }
  }
  for (const auto& [key, rows] : rows_of)
    EXPECT_TRUE(in_file.count(key))
        << "row " << rows.front() << " lists fixture '" << key
        << "' which torch_ops.txt does not have; regenerate it with make_fixtures.py";
}

}  // namespace
