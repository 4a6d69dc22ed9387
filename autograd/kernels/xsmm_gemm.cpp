#include <libxsmm.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>
#include <tapegrad/autograd/kernels/xsmm_gemm.hpp>

namespace tg::kernels {
namespace {

// Note [libxsmm as column-major]
// libxsmm computes column-major C = op(A) * op(B). tapegrad's views are indexed row-major, and a row-major
// [r, c] buffer with leading dimension ld is the column-major [c, r] buffer with the same ld, i.e. its
// transpose. So row-major C = A * B is column-major Cᵀ = Bᵀ * Aᵀ: the kernel's first operand is B's
// buffer, its second A's, with (m, n) swapped. A view stored row-major (unit column stride) then needs no
// transpose flag; one stored column-major needs TRANS_A (for B) or TRANS_B (for A). A column-major C is
// handled by transposing the whole problem first (Cᵀ = Bᵀ * Aᵀ). libxsmm 1.17 returns no kernel for
// TRANS_A: a row-major C = A * Bᵀ (Linear's forward) stays with BLIS.

struct Key {
  int m, n, k, lda, ldb, ldc, flags;
  Dtype dtype;
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  std::size_t operator()(const Key& key) const {
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over the fields
    for (const int field :
         {key.m, key.n, key.k, key.lda, key.ldb, key.ldc, key.flags, static_cast<int>(key.dtype)}) {
      hash ^= static_cast<std::uint32_t>(field);
      hash *= 1099511628211ull;
    }
    return static_cast<std::size_t>(hash);
  }
};

// Kernels (or nullptr: libxsmm has none) per key and thread: the lookup takes no lock. libxsmm keeps the
// generated code in its own registry for the whole process, so clearing this cache only costs a re-query.
constexpr std::size_t kMaxCachedKernels = 1024;

void* kernel_for(const Key& key) {
  thread_local std::unordered_map<Key, void*, KeyHash> cache;
  if (const auto found = cache.find(key); found != cache.end()) return found->second;
  if (cache.size() >= kMaxCachedKernels) cache.clear();
  const int prefetch = LIBXSMM_GEMM_PREFETCH_NONE;  // kernels are called with three arguments
  void* kernel = nullptr;
  if (key.dtype == kFloat32) {
    const float alpha = 1, beta = (key.flags & LIBXSMM_GEMM_FLAG_BETA_0) != 0 ? 0 : 1;
    kernel = reinterpret_cast<void*>(libxsmm_smmdispatch(key.m, key.n, key.k, &key.lda, &key.ldb, &key.ldc,
                                                         &alpha, &beta, &key.flags, &prefetch));
  } else {
    const double alpha = 1, beta = (key.flags & LIBXSMM_GEMM_FLAG_BETA_0) != 0 ? 0 : 1;
    kernel = reinterpret_cast<void*>(libxsmm_dmmdispatch(key.m, key.n, key.k, &key.lda, &key.ldb, &key.ldc,
                                                         &alpha, &beta, &key.flags, &prefetch));
  }
  cache.emplace(key, kernel);
  return kernel;
}

bool fits_int(std::int64_t value) { return value >= 0 && value <= INT_MAX; }

MatrixView transposed(const MatrixView& v) { return {v.data, v.cols, v.rows, v.col_stride, v.row_stride}; }

// Row-major reading of a view: rows are ld apart and elements of a row adjacent (any stride works for a
// single column).
bool row_major(const MatrixView& v) { return v.col_stride == 1 || v.cols == 1; }

// The leading dimension of a view read row-major (or column-major); a single row (column) has no
// meaningful one, so any value libxsmm accepts will do.
std::int64_t leading_dimension(const MatrixView& v, bool read_row_major) {
  if (read_row_major) return v.rows == 1 ? std::max(v.row_stride, v.cols) : v.row_stride;
  return v.cols == 1 ? std::max(v.col_stride, v.rows) : v.col_stride;
}

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{env_not_disabled("TG_LIBXSMM")};
  return flag;
}

// libxsmm generates code for the CPU it finds; a level lowered with TG_CPU_ISA (cpu_isa.hpp) must hold for
// its kernels too. Decided at the first GEMM: JIT kernels already made are cached by shape.
void limit_to_active_isa() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (active_isa() == Isa::avx2) libxsmm_set_target_arch("hsw");
  });
}

void log_first_use() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (verbose())
      std::fprintf(stderr, "tapegrad: small one-thread GEMMs use libxsmm %s JIT kernels\n",
                   LIBXSMM_CONFIG_VERSION);
  });
}

}  // namespace

bool gemm_libxsmm_enabled() { return enabled_flag().load(std::memory_order_relaxed); }

void set_gemm_libxsmm(bool enabled) { enabled_flag().store(enabled, std::memory_order_relaxed); }

bool xsmm_gemm(Dtype dtype, double alpha, const MatrixView& a_in, const MatrixView& b_in, double beta,
               const MatrixView& c_in) {
  if (!gemm_libxsmm_enabled() || alpha != 1.0 || (beta != 0.0 && beta != 1.0)) return false;
  if (dtype != kFloat32 && dtype != kFloat64) return false;
  if (active_isa() == Isa::baseline) return false;  // its code generators start at SSE4.2
  limit_to_active_isa();
  MatrixView a = a_in, b = b_in, c = c_in;
  // Column-major C, or a single row or column read either way when that avoids a transposed B: compute
  // Cᵀ = Bᵀ * Aᵀ, whose C is row-major.
  const bool c_column_major = c.row_stride == 1 || c.rows == 1;
  if (!row_major(c) || (c_column_major && !row_major(b))) {
    a = transposed(b_in);
    b = transposed(a_in);
    c = transposed(c_in);
  }
  // Column-major problem (Note [libxsmm as column-major]): [n, m] = [n, k] * [k, m].
  const std::int64_t m = c.cols, n = c.rows, k = a.cols;
  const bool b_row_major = row_major(b), a_row_major = row_major(a);
  const std::int64_t lda = leading_dimension(b, b_row_major);  // first operand: B's buffer
  const std::int64_t ldb = leading_dimension(a, a_row_major);  // second operand: A's buffer
  const std::int64_t ldc = leading_dimension(c, true);
  if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(lda) || !fits_int(ldb) || !fits_int(ldc))
    return false;
  // Leading dimensions as libxsmm checks them (rows of the stored column-major matrix).
  if (lda < (b_row_major ? m : k) || ldb < (a_row_major ? k : n) || ldc < m || lda < 1 || ldb < 1)
    return false;
  int flags = beta == 0.0 ? LIBXSMM_GEMM_FLAG_BETA_0 : 0;
  if (!b_row_major) flags |= LIBXSMM_GEMM_FLAG_TRANS_A;
  if (!a_row_major) flags |= LIBXSMM_GEMM_FLAG_TRANS_B;
  const Key key{static_cast<int>(m),
                static_cast<int>(n),
                static_cast<int>(k),
                static_cast<int>(lda),
                static_cast<int>(ldb),
                static_cast<int>(ldc),
                flags,
                dtype};
  void* kernel = kernel_for(key);
  if (kernel == nullptr) return false;
  log_first_use();
  if (dtype == kFloat32) {
    reinterpret_cast<libxsmm_smmfunction>(kernel)(static_cast<const float*>(b.data),
                                                  static_cast<const float*>(a.data),
                                                  const_cast<float*>(static_cast<const float*>(c.data)));
  } else {
    reinterpret_cast<libxsmm_dmmfunction>(kernel)(static_cast<const double*>(b.data),
                                                  static_cast<const double*>(a.data),
                                                  const_cast<double*>(static_cast<const double*>(c.data)));
  }
  return true;
}

}  // namespace tg::kernels
