#pragma once
// Reader for the text fixtures under tests/fixtures (written by tests/fixtures/make_fixtures.py):
//
//   case <name>
//   <role> <label> <dtype> <rank> <dims...> <values...>
//   end
//
// with role input/output/upstream/grad. It uses only the standard library, so tests that
// compare against PyTorch never need Python or a JSON library.
#include <cstdint>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad_test {

enum class FixtureRole { Input, Output, Upstream, Grad };

struct FixtureTensor {
  FixtureRole role = FixtureRole::Input;
  std::string label;
  tg::Dtype dtype = tg::kFloat64;
  std::vector<std::int64_t> sizes;
  // Exactly one of these holds the values, in row-major order: int64 tensors use int_values,
  // floating ones use values (a float32 value widened to double is exact).
  std::vector<double> values;
  std::vector<std::int64_t> int_values;
  int line = 0;  // where the record starts, for error messages

  /// A new contiguous tg::Tensor with these values (no requires_grad).
  tg::Tensor to_tensor() const;
};

struct FixtureCase {
  std::string name;
  std::vector<FixtureTensor> tensors;
  int line = 0;

  /// The tensor with this role and label, or null.
  const FixtureTensor* find(FixtureRole role, const std::string& label) const;
  std::vector<const FixtureTensor*> with_role(FixtureRole role) const;
};

/// Parses a whole fixture file. Throws std::runtime_error naming the file and line on malformed
/// input (unknown role or dtype, wrong value count, duplicate case or label, missing `end`).
std::vector<FixtureCase> read_fixture_file(const std::string& path);

const char* role_name(FixtureRole role);

}  // namespace tapegrad_test
