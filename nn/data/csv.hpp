#pragma once
// Numeric CSV files (plain or gzip-compressed) as tensors.
#include <cstdint>
#include <filesystem>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/data/dataset.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// How load_csv reads a file, chained as in libtorch: CsvOptions().header(true).label_column(0).
class CsvOptions {
 public:
  CsvOptions() = default;
  /// Skip the first line (column names) (default false).
  CsvOptions& header(bool value) {
    header_ = value;
    return *this;
  }
  /// The field separator (default ',').
  CsvOptions& delimiter(char value) {
    delimiter_ = value;
    return *this;
  }
  /// The 0-based column holding the integer class label; negative counts from the end (default -1: the
  /// last column). The other columns are the features.
  CsvOptions& label_column(std::int64_t value) {
    label_column_ = value;
    return *this;
  }
  /// The dtype of the features and of load_csv_tensor (float32 or float64; default float32).
  CsvOptions& dtype(Dtype value) {
    dtype_ = value;
    return *this;
  }
  bool header() const { return header_; }
  char delimiter() const { return delimiter_; }
  std::int64_t label_column() const { return label_column_; }
  Dtype dtype() const { return dtype_; }

 private:
  bool header_ = false;
  char delimiter_ = ',';
  std::int64_t label_column_ = -1;
  Dtype dtype_ = kFloat32;
};

/// A CSV file of numbers as a dataset: the label column becomes int64 targets [rows] and the other columns,
/// in file order, the features [rows, columns - 1] (float32 unless options say float64).
///
/// Every row must have the same number of fields. Fields are decimal numbers (surrounding spaces and tabs
/// are ignored, as is a trailing '\r'); labels must be integers ("7" or "7.0"). Blank lines are skipped.
/// Files starting with the gzip magic bytes (e.g. digits.csv.gz) are decompressed first.
/// Errors are tg::Errors located as file:line:column (1-based), e.g.
///   load_csv: data.csv:3:7: field 2 is not a number: "abc"
///   load_csv: data.csv:4:6: row has 2 fields, expected 3 (as in line 1)
TensorDataset load_csv(const std::filesystem::path& path, const CsvOptions& options = {});

/// Every column of a numeric CSV file as one tensor [rows, columns] (options.label_column() is ignored).
Tensor load_csv_tensor(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace tg::data

#pragma GCC visibility pop
