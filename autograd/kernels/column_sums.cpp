
#include <algorithm>

#include <tapegrad/autograd/kernels/column_sums.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/kernels/scratch.hpp>

namespace tg::kernels {
namespace {

// Per-thread accumulator rows of up to this many doubles (512 KiB) stay in L2.
constexpr std::int64_t kMaxAccumulatorColumns = 65536;

// `copy` may be null. out_row[j] = row[j] in the loop that reads row[j] anyway.
template <class T>
void add_row(const T* row, T* copy_row, double* total, std::int64_t begin, std::int64_t end) {
  if (copy_row == nullptr) {
#pragma omp simd
    for (std::int64_t j = begin; j < end; ++j) total[j - begin] += static_cast<double>(row[j]);
  } else {
#pragma omp simd
    for (std::int64_t j = begin; j < end; ++j) {
      total[j - begin] += static_cast<double>(row[j]);
      copy_row[j] = row[j];
    }
  }
}

// Row chunks of a column sum: about kParallelThreshold / 2 elements each, at most kMaxSumChunks.
constexpr std::int64_t kMaxSumChunks = 64;

std::int64_t sum_chunks(std::int64_t rows, std::int64_t columns) {
  if (rows * columns < kParallelThreshold || rows < 2) return 1;
  return std::clamp<std::int64_t>(std::min(rows, rows * columns / (kParallelThreshold / 2)), 1,
                                  kMaxSumChunks);
}

template <class T>
void sum_columns(const T* in, std::int64_t rows, std::int64_t columns, T* result, T* copy) {
  const auto copy_row = [&](std::int64_t i) { return copy == nullptr ? nullptr : copy + i * columns; };
  if (columns > kMaxAccumulatorColumns) {  // very wide rows: each thread owns blocks of whole columns
    constexpr std::int64_t kBlock = 256;
    const std::int64_t blocks = (columns + kBlock - 1) / kBlock;
    parallel_for(blocks, rows * columns >= kParallelThreshold && blocks > 1, [&](std::int64_t block) {
      const std::int64_t begin = block * kBlock, end = std::min(columns, begin + kBlock);
      double total[kBlock] = {};
      for (std::int64_t i = 0; i < rows; ++i) add_row(in + i * columns, copy_row(i), total, begin, end);
      for (std::int64_t j = begin; j < end; ++j) result[j] = static_cast<T>(total[j - begin]);
    });
    return;
  }
  // Each chunk adds a contiguous range of whole rows into its own accumulator row, so memory is read
  // once, front to back (blocks of columns read every row once per block, 1/4 of each 4 KiB row at a
  // time, which defeats the prefetcher); the accumulator rows are added at the end, in chunk order.
  // The chunks depend on the sizes only, so the bits do not depend on the thread count.
  const std::int64_t chunks = sum_chunks(rows, columns);
  const Scratch<double> partial(chunks * columns);
  parallel_chunks(chunks, [&](std::int64_t chunk) {
    double* total = partial.data() + chunk * columns;
    std::fill_n(total, columns, 0.0);  // by the thread that adds into it
    const std::int64_t begin = chunk_begin(rows, chunks, chunk), end = chunk_begin(rows, chunks, chunk + 1);
    isa_run([&] {
      for (std::int64_t i = begin; i < end; ++i) add_row(in + i * columns, copy_row(i), total, 0, columns);
    });
  });
  // Chunk 0's row collects the others in chunk order (each column adds the same partials in the same
  // order as a column-by-column loop would), a row at a time so the loop vectorizes.
  double* first = partial.data();
  isa_run([=] {
    for (std::int64_t chunk = 1; chunk < chunks; ++chunk) {
      const double* row = first + chunk * columns;
      for (std::int64_t j = 0; j < columns; ++j) first[j] += row[j];
    }
    for (std::int64_t j = 0; j < columns; ++j) result[j] = static_cast<T>(first[j]);
  });
}

}  // namespace

void column_sums(const Tensor& in, std::int64_t rows, std::int64_t columns, const Tensor& result,
                 const Tensor& copy) {
  dispatch_floating("sum", in.dtype(), [&]<class T>() {
    sum_columns(static_cast<const T*>(in.raw_data()), rows, columns, result.data_ptr<T>(),
                copy.defined() ? copy.data_ptr<T>() : nullptr);
  });
}

}  // namespace tg::kernels
