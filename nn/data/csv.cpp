#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/data/csv.hpp>
#include <tapegrad/nn/data/read_file.hpp>

namespace tg::data {

namespace {

// A field of one line: its text without surrounding blanks and the 1-based column where it starts.
struct Field {
  std::string_view text;
  std::int64_t column = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

void split(std::string_view line, char delimiter, std::vector<Field>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(delimiter, start);
    std::string_view raw =
        line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    std::size_t leading = 0;
    while (leading < raw.size() && is_blank(raw[leading])) ++leading;
    fields.push_back({trim(raw), static_cast<std::int64_t>(start + std::min(leading, raw.size())) + 1});
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars rejects a leading '+'
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> parse_label(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  std::int64_t label = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), label);
  if (!digits.empty() && error == std::errc() && end == digits.data() + digits.size()) return label;
  // Also accept integral decimals such as "7.0" (files written from floating point arrays).
  const std::optional<double> value = parse_number(text);
  if (value && std::isfinite(*value) && std::trunc(*value) == *value && std::abs(*value) < 9.0e15)
    return static_cast<std::int64_t>(*value);
  return std::nullopt;
}

// The numbers of a CSV file, row-major, with the label column (when wanted) taken out.
struct Table {
  std::int64_t rows = 0;
  std::int64_t columns = 0;  // of `values`, without the label column
  std::vector<double> values;
  std::vector<std::int64_t> labels;
};

Table parse(const std::string& text, const std::filesystem::path& path, const CsvOptions& options,
            bool with_labels, std::string_view op) {
  check(options.dtype() == kFloat32 || options.dtype() == kFloat64, op,
        "dtype must be float32 or float64, got ", options.dtype());
  const std::string name = path.string();
  Table table;
  std::int64_t fields_per_row = -1;  // set by the first data row
  std::int64_t first_row_line = 0;
  std::int64_t label = -1;  // resolved label column
  std::vector<Field> fields;
  std::int64_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if ((line_number == 1 && options.header()) || trim(line).empty()) continue;

    split(line, options.delimiter(), fields);
    const auto count = static_cast<std::int64_t>(fields.size());
    if (fields_per_row < 0) {
      fields_per_row = count;
      first_row_line = line_number;
      if (with_labels) {
        label = options.label_column() < 0 ? options.label_column() + count : options.label_column();
        check(count >= 2, op, name, ":", line_number, ":1: rows have ", count,
              " field(s); a dataset needs at least one feature column and a label column");
        check(label >= 0 && label < count, op, name, ": label_column ", options.label_column(),
              " is out of range for rows of ", count, " fields");
      }
      table.columns = with_labels ? count - 1 : count;
    }
    if (count != fields_per_row) {
      const std::int64_t column = count > fields_per_row
                                      ? fields[static_cast<std::size_t>(fields_per_row)].column
                                      : static_cast<std::int64_t>(line.size()) + 1;
      check(false, op, name, ":", line_number, ":", column, ": row has ", count, " fields, expected ",
            fields_per_row, " (as in line ", first_row_line, ")");
    }
    for (std::int64_t i = 0; i < count; ++i) {
      const Field& field = fields[static_cast<std::size_t>(i)];
      check(!field.text.empty(), op, name, ":", line_number, ":", field.column, ": field ", i + 1,
            " is empty");
      if (i == label) {
        const std::optional<std::int64_t> value = parse_label(field.text);
        check(value.has_value(), op, name, ":", line_number, ":", field.column, ": label (field ", i + 1,
              ") is not an integer: \"", field.text, "\"");
        table.labels.push_back(*value);
      } else {
        const std::optional<double> value = parse_number(field.text);
        check(value.has_value(), op, name, ":", line_number, ":", field.column, ": field ", i + 1,
              " is not a number: \"", field.text, "\"");
        table.values.push_back(*value);
      }
    }
    ++table.rows;
  }
  check(table.rows > 0, op, name, ": no data rows", options.header() ? " after the header" : "");
  return table;
}

Tensor to_tensor(const std::vector<double>& values, std::int64_t rows, std::int64_t columns, Dtype dtype) {
  Tensor out = empty({rows, columns}, dtype);
  if (dtype == kFloat64) {
    std::copy(values.begin(), values.end(), out.data_ptr<double>());
  } else {
    float* data = out.data_ptr<float>();
    for (std::size_t i = 0; i < values.size(); ++i) data[i] = static_cast<float>(values[i]);
  }
  return out;
}

}  // namespace

TensorDataset load_csv(const std::filesystem::path& path, const CsvOptions& options) {
  const Table table = parse(detail::read_file(path, "load_csv"), path, options, true, "load_csv");
  return TensorDataset(to_tensor(table.values, table.rows, table.columns, options.dtype()),
                       tensor(table.labels));
}

Tensor load_csv_tensor(const std::filesystem::path& path, const CsvOptions& options) {
  const Table table =
      parse(detail::read_file(path, "load_csv_tensor"), path, options, false, "load_csv_tensor");
  return to_tensor(table.values, table.rows, table.columns, options.dtype());
}

}  // namespace tg::data
