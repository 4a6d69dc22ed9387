#include "support/fixture_reader.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace tapegrad_test {
namespace {

[[noreturn]] void fail(const std::string& path, int line, const std::string& message) {
  std::ostringstream out;
  out << path << ":" << line << ": " << message;
  throw std::runtime_error(out.str());
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) tokens.push_back(std::move(token));
  return tokens;
}

// strtod/strtoll rather than operator>> because they accept "inf" and "nan", and because they let
// us insist that the whole token is consumed.
double parse_double(const std::string& token, const std::string& path, int line) {
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(token.c_str(), &end);
  if (end == token.c_str() || *end != '\0') fail(path, line, "not a number: '" + token + "'");
  return value;
}

std::int64_t parse_int(const std::string& token, const std::string& path, int line) {
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(token.c_str(), &end, 10);
  if (end == token.c_str() || *end != '\0' || errno == ERANGE)
    fail(path, line, "not an integer: '" + token + "'");
  return static_cast<std::int64_t>(value);
}

bool parse_role(const std::string& token, FixtureRole& role) {
  if (token == "input") {
    role = FixtureRole::Input;
  } else if (token == "output") {
    role = FixtureRole::Output;
  } else if (token == "upstream") {
    role = FixtureRole::Upstream;
  } else if (token == "grad") {
    role = FixtureRole::Grad;
  } else {
    return false;
  }
  return true;
}

tg::Dtype parse_dtype(const std::string& token, const std::string& path, int line) {
  for (const tg::Dtype dtype : tg::kAllDtypes)
    if (token == tg::dtype_name(dtype)) return dtype;
  fail(path, line, "unknown dtype '" + token + "'");
}

FixtureTensor parse_tensor(FixtureRole role, const std::vector<std::string>& tokens, const std::string& path,
                           int line) {
  if (tokens.size() < 4)
    fail(path, line, "a tensor needs: <role> <label> <dtype> <rank> <dims...> <values...>");
  FixtureTensor tensor;
  tensor.role = role;
  tensor.label = tokens[1];
  tensor.dtype = parse_dtype(tokens[2], path, line);
  tensor.line = line;
  const std::int64_t rank = parse_int(tokens[3], path, line);
  if (rank < 0 || static_cast<std::size_t>(rank) > tokens.size() - 4)
    fail(path, line, "bad rank " + tokens[3]);
  std::int64_t numel = 1;
  for (std::int64_t d = 0; d < rank; ++d) {
    const std::int64_t size = parse_int(tokens[4 + d], path, line);
    if (size < 0) fail(path, line, "negative size " + tokens[4 + d]);
    tensor.sizes.push_back(size);
    numel *= size;
  }
  const std::size_t first_value = 4 + static_cast<std::size_t>(rank);
  const std::size_t count = tokens.size() - first_value;
  if (static_cast<std::int64_t>(count) != numel) {
    std::ostringstream message;
    message << "tensor '" << tensor.label << "' has " << count << " values but its shape holds " << numel;
    fail(path, line, message.str());
  }
  for (std::size_t i = first_value; i < tokens.size(); ++i) {
    if (!tg::is_floating_point(tensor.dtype))
      tensor.int_values.push_back(parse_int(tokens[i], path, line));
    else
      tensor.values.push_back(parse_double(tokens[i], path, line));
  }
  return tensor;
}

}  // namespace

const char* role_name(FixtureRole role) {
  switch (role) {
    case FixtureRole::Input:
      return "input";
    case FixtureRole::Output:
      return "output";
    case FixtureRole::Upstream:
      return "upstream";
    case FixtureRole::Grad:
      return "grad";
  }
  return "?";
}

tg::Tensor FixtureTensor::to_tensor() const {
  if (!tg::is_floating_point(dtype)) return tg::tensor(int_values, sizes, tg::kInt64).to(dtype);
  // Each double is narrowed to float for float32; the fixture holds float32 values, so this is exact.
  return tg::tensor(values, sizes, dtype);
}

const FixtureTensor* FixtureCase::find(FixtureRole role, const std::string& label) const {
  for (const FixtureTensor& tensor : tensors)
    if (tensor.role == role && tensor.label == label) return &tensor;
  return nullptr;
}

std::vector<const FixtureTensor*> FixtureCase::with_role(FixtureRole role) const {
  std::vector<const FixtureTensor*> found;
  for (const FixtureTensor& tensor : tensors)
    if (tensor.role == role) found.push_back(&tensor);
  return found;
}

std::vector<FixtureCase> read_fixture_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture file " + path);
  std::vector<FixtureCase> cases;
  std::set<std::string> names;
  bool in_case = false;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    const std::vector<std::string> tokens = split(line);
    if (tokens.empty() || tokens[0][0] == '#') continue;
    const std::string& keyword = tokens[0];
    if (keyword == "case") {
      if (in_case) fail(path, line_number, "'case' before the 'end' of case " + cases.back().name);
      if (tokens.size() != 2) fail(path, line_number, "expected: case <name>");
      // Case names become GoogleTest parameter names, which allow only letters, digits and '_'.
      for (const char ch : tokens[1])
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_')
          fail(path, line_number, "case name '" + tokens[1] + "' may hold only letters, digits and '_'");
      if (!names.insert(tokens[1]).second) fail(path, line_number, "duplicate case " + tokens[1]);
      cases.push_back(FixtureCase{tokens[1], {}, line_number});
      in_case = true;
    } else if (keyword == "end") {
      if (!in_case) fail(path, line_number, "'end' outside a case");
      in_case = false;
    } else {
      FixtureRole role;
      if (!parse_role(keyword, role)) fail(path, line_number, "unknown record '" + keyword + "'");
      if (!in_case) fail(path, line_number, "tensor outside a case");
      FixtureTensor tensor = parse_tensor(role, tokens, path, line_number);
      if (cases.back().find(role, tensor.label) != nullptr)
        fail(path, line_number, std::string("duplicate ") + role_name(role) + " '" + tensor.label + "'");
      cases.back().tensors.push_back(std::move(tensor));
    }
  }
  if (in_case) fail(path, line_number, "missing 'end' for case " + cases.back().name);
  return cases;
}

}  // namespace tapegrad_test
