#pragma once
// Column sums of contiguous [rows, columns] data (sums over leading dims: bias gradients, batch sums),
// optionally copying the data in the same pass (the input's gradient of a broadcast add).
#include <cstdint>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::kernels {

/// result[j] = sum over i of in[i, j] for contiguous `in` viewed as [rows, columns] and contiguous
/// `result` with `columns` elements (same dtype), accumulated in double. When `copy` is defined
/// (contiguous, in's dtype, rows * columns elements), it also receives in's values, in the same read.
/// The sums do not depend on whether a copy is made (same order of additions).
void column_sums(const Tensor& in, std::int64_t rows, std::int64_t columns, const Tensor& result,
                 const Tensor& copy = Tensor());

}  // namespace tg::kernels
