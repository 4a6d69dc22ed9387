#include <blis.h>

#include <algorithm>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>

namespace tg::kernels {
namespace {

// BLIS validates strides and aborts the process on a violation; size-1 dims have meaningless
// strides (often 0 after expand), so give them values BLIS accepts. See gemm_accepts.
MatrixView normalized(MatrixView view) {
  if (view.rows <= 1 && view.cols <= 1) {
    view.row_stride = 1;
    view.col_stride = 1;
  } else if (view.rows <= 1) {
    if (view.col_stride == 1)
      view.row_stride = view.cols;
    else
      view.row_stride = 1;
  } else if (view.cols <= 1) {
    if (view.row_stride == 1)
      view.col_stride = view.rows;
    else
      view.col_stride = 1;
  }
  return view;
}

template <class T>
void typed_gemm(double alpha, const MatrixView& a, const MatrixView& b, double beta, const MatrixView& c) {
  T alpha_t = static_cast<T>(alpha), beta_t = static_cast<T>(beta);
  const MatrixView na = normalized(a), nb = normalized(b), nc = normalized(c);
  auto* pa = const_cast<T*>(static_cast<const T*>(na.data));
  auto* pb = const_cast<T*>(static_cast<const T*>(nb.data));
  auto* pc = const_cast<T*>(static_cast<const T*>(nc.data));
  if constexpr (std::is_same_v<T, float>) {
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, c.rows, c.cols, a.cols, &alpha_t, pa, na.row_stride,
              na.col_stride, pb, nb.row_stride, nb.col_stride, &beta_t, pc, nc.row_stride, nc.col_stride);
  } else {
    bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, c.rows, c.cols, a.cols, &alpha_t, pa, na.row_stride,
              na.col_stride, pb, nb.row_stride, nb.col_stride, &beta_t, pc, nc.row_stride, nc.col_stride);
  }
}

template <class T>
void scale(const MatrixView& c, double beta) {
  T* pc = const_cast<T*>(static_cast<const T*>(c.data));
  for (std::int64_t i = 0; i < c.rows; ++i)
    for (std::int64_t j = 0; j < c.cols; ++j) {
      T& value = pc[i * c.row_stride + j * c.col_stride];
      value = beta == 0.0 ? T(0) : static_cast<T>(value * beta);
    }
}

}  // namespace

bool gemm_accepts(const MatrixView& view) {
  const MatrixView v = normalized(view);
  return (v.col_stride == 1 && v.row_stride >= std::max<std::int64_t>(v.cols, 1)) ||
         (v.row_stride == 1 && v.col_stride >= std::max<std::int64_t>(v.rows, 1));
}

void gemm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
          const MatrixView& c) {
  check(a.rows == c.rows && b.cols == c.cols && a.cols == b.rows, "gemm", "inconsistent sizes");
  if (c.rows == 0 || c.cols == 0) return;
  if (a.cols == 0) {  // an empty sum: C = beta * C
    dtype == kFloat32 ? scale<float>(c, beta) : scale<double>(c, beta);
    return;
  }
  if (dtype == kFloat32)
    typed_gemm<float>(alpha, a, b, beta, c);
  else
    typed_gemm<double>(alpha, a, b, beta, c);
}

void set_gemm_threads(int threads) { bli_thread_set_num_threads(threads); }

}  // namespace tg::kernels
