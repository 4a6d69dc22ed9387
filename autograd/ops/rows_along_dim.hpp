#pragma once
// Internal to the scan and sort families: a tensor seen as contiguous rows along one dim, so that
// kernels walk each slice as a plain array, and the way back to the input's layout.
#include <cstdint>
#include <string_view>

#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::detail {

struct RowsAlongDim {
  Tensor data;  // contiguous, `dim` moved last, no autograd history
  std::int64_t outer = 1;
  std::int64_t length = 1;
  std::int64_t dim = 0;  // wrapped; 0 for a 0-d tensor (seen as one element of rank 1)
  bool zero_d = false;
};

inline RowsAlongDim rows_along_dim(std::string_view op, const Tensor& x, std::int64_t dim) {
  RowsAlongDim rows;
  rows.dim = wrap_dim(op, dim, x.dim());
  rows.zero_d = x.dim() == 0;
  const Tensor base = rows.zero_d ? x.detach().reshape({1}) : x.detach();
  rows.data = movedim(base, rows.dim, -1).contiguous();
  rows.length = rows.data.sizes().back();
  rows.outer = 1;
  for (std::size_t d = 0; d + 1 < rows.data.sizes().size(); ++d) rows.outer *= rows.data.sizes()[d];
  return rows;
}

/// `result` has the rows' layout (only the last size may differ): moves that dim back to `rows.dim`,
/// dropping it unless `keepdim`, and gives a 0-d input a 0-d result.
inline Tensor restore_dim(const RowsAlongDim& rows, const Tensor& result, bool keepdim = true) {
  Tensor out = movedim(result, -1, rows.dim).contiguous();
  if (rows.zero_d) return out.reshape({});
  return keepdim ? out : out.squeeze(rows.dim);
}

/// Sizes of a rows-shaped result with `last` entries per row.
inline Shape rows_result_sizes(const RowsAlongDim& rows, std::int64_t last) {
  Shape sizes = rows.data.sizes();
  sizes.back() = last;
  return sizes;
}

}  // namespace tg::detail
