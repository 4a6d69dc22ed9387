#include <blis.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>
#include <tapegrad/autograd/kernels/dot_gemm.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/autograd/kernels/xsmm_gemm.hpp>

namespace tg::kernels {
namespace {

// Note [BLIS kernel choice]
// BLIS 0.9.0 picks its kernel set ("sub-configuration") once, at its first call, from the
// environment variable BLIS_ARCH_TYPE (an arch_t id, read with strtol) or else from cpuid. Its
// cpuid table predates Zen4/Zen5: on Zen5 it falls back to `generic`, 15 % of peak, while `skx`
// (AVX-512) reaches 75-86 %. On Zen4 (AMD family 25) it already picks `zen3`, which measured
// better there than `skx`. So before BLIS's first call (the first GEMM, or set_num_threads) we set
// BLIS_ARCH_TYPE ourselves from the CPU's features:
//   AMD family 25 (Zen3, Zen4)        -> zen3
//   AVX-512 F/DQ/BW/VL (Zen5, Intel)  -> skx
//   AVX2 + FMA                        -> zen3 on AMD, haswell otherwise
//   anything else                     -> BLIS's own choice
// A BLIS_ARCH_TYPE set by the user is never replaced. 0.9.0 reads only numbers (a name such as
// "zen3" reads as 0, i.e. skx), so a name that BLIS knows is rewritten to its number, keeping the
// user's choice. The numbers, measurements and thread/sup policy are in bench/notes/gemm_choices.md.

struct Cpu {
  bool amd = false;
  bool intel = false;
  unsigned family = 0;
  bool avx512 = false;    // F, DQ, BW and VL (Isa::avx512): what BLIS's skx kernels and its own skx test need
  bool avx2_fma = false;  // Isa::avx2: what the haswell/zen kernels need
};

Cpu detect_cpu() {
  Cpu cpu;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    cpu.family = (eax >> 8) & 0xf;
    if (cpu.family == 0xf) cpu.family += (eax >> 20) & 0xff;
  }
  cpu.amd = __builtin_cpu_is("amd");
  cpu.intel = __builtin_cpu_is("intel");
#endif
  // The kernels' instruction-set level (cpu_isa.hpp) has the features BLIS's kernel sets need, and a level
  // lowered with TG_CPU_ISA keeps BLIS below it too. BLIS's set is chosen once per process, at its first
  // call: later changes of the level (tests) do not reach it.
  const Isa isa = active_isa();
  cpu.avx512 = isa >= Isa::avx512;
  cpu.avx2_fma = isa >= Isa::avx2;
  return cpu;
}

std::string describe(const Cpu& cpu) {
  const char* vendor = cpu.amd ? "AMD" : cpu.intel ? "Intel" : "x86";
  return std::string(vendor) + " family " + std::to_string(cpu.family);
}

// Only ids whose configuration this BLIS was built with: any other id makes BLIS abort.
constexpr bool built_with(arch_t id) {
  switch (id) {
#ifdef BLIS_CONFIG_SKX
    case BLIS_ARCH_SKX:
      return true;
#endif
#ifdef BLIS_CONFIG_ZEN3
    case BLIS_ARCH_ZEN3:
      return true;
#endif
#ifdef BLIS_CONFIG_HASWELL
    case BLIS_ARCH_HASWELL:
      return true;
#endif
    default:
      return false;
  }
}

struct Choice {
  int id = -1;  // -1: let BLIS decide
  std::string reason;
};

Choice choose_for(const Cpu& cpu) {
  const std::string where = describe(cpu);
  if (cpu.amd && cpu.family == 25 && cpu.avx2_fma) return {BLIS_ARCH_ZEN3, where};
  if (cpu.avx512) return {BLIS_ARCH_SKX, "AVX-512F, " + where};
  if (cpu.avx2_fma) return {cpu.amd ? BLIS_ARCH_ZEN3 : BLIS_ARCH_HASWELL, "AVX2+FMA, " + where};
  if (active_isa() < detected_isa())
    return {BLIS_ARCH_GENERIC, "TG_CPU_ISA=" + std::string(isa_name(active_isa()))};
  return {-1, "chosen by BLIS, no AVX2 on " + where};
}

bool is_number(const char* text) {
  char* end = nullptr;
  std::strtol(text, &end, 10);
  return end != text && *end == '\0';
}

// The BLIS id of an arch name ("zen3"), or -1.
int arch_id_of(const char* name) {
  for (int id = 0; id < BLIS_NUM_ARCHS; ++id)
    if (std::strcmp(bli_arch_string(static_cast<arch_t>(id)), name) == 0) return id;
  return -1;
}

struct KernelSet {
  std::string name;
  bool has_sup = false;  // the set has a small-matrix ("sup") path
};

KernelSet& kernel_set() {
  static KernelSet set;
  return set;
}

// Runs once per process, before any other BLIS call. See Note [BLIS kernel choice].
void choose_kernels() {
  active_isa();  // the instruction-set level is chosen (and logged) first: the kernel set depends on it
  std::string reason;
  int wanted = -1;
  const char* user = std::getenv("BLIS_ARCH_TYPE");
  if (user != nullptr && *user != '\0') {
    const std::string value = user;
    reason = "BLIS_ARCH_TYPE=" + value + " from the environment";
    if (!is_number(user)) {
      if (const int id = arch_id_of(user); id >= 0)
        setenv("BLIS_ARCH_TYPE", std::to_string(id).c_str(), 1);
      else
        std::fprintf(stderr,
                     "tapegrad: BLIS_ARCH_TYPE=%s is neither a BLIS arch id nor a name; BLIS reads it as 0\n",
                     user);
    }
  } else {
    const Choice choice = choose_for(detect_cpu());
    reason = choice.reason;
    if (choice.id >= 0 && built_with(static_cast<arch_t>(choice.id))) {
      wanted = choice.id;
      setenv("BLIS_ARCH_TYPE", std::to_string(choice.id).c_str(), 1);
    } else {
      unsetenv("BLIS_ARCH_TYPE");  // an empty value would read as 0
    }
  }
  bli_init();
  KernelSet& set = kernel_set();
  const arch_t id = bli_arch_query_id();
  set.name = bli_arch_string(id);
  if (wanted >= 0 && wanted != static_cast<int>(id))  // something called BLIS before tapegrad did
    reason += "; wanted " + std::string(bli_arch_string(static_cast<arch_t>(wanted))) +
              " but BLIS had already chosen";
  cntx_t* context = bli_gks_query_cntx();
  set.has_sup = bli_cntx_get_l3_sup_thresh_dt(BLIS_FLOAT, BLIS_MT, context) > 0 ||
                bli_cntx_get_l3_sup_thresh_dt(BLIS_DOUBLE, BLIS_MT, context) > 0;
  if (verbose()) std::fprintf(stderr, "tapegrad: BLIS kernels %s (%s)\n", set.name.c_str(), reason.c_str());
}

void ensure_kernels_chosen() {
  static std::once_flag once;
  std::call_once(once, choose_kernels);
}

// ---- per-call policy (measurements: bench/notes/gemm_choices.md)

// Up to this many multiply-adds (16³) a plain loop beats BLIS, whose fixed cost per call is ~2.6 µs
// with skx and ~0.8 µs with zen3 (a 16³ loop takes 0.7-1.2 µs, a 4³ one 0.05-0.08 µs).
constexpr double kTinyGemmMacs = 16.0 * 16.0 * 16.0;

// Below this many flops (2·m·n·k) a GEMM runs on one thread. On a quiet VM two threads pay from ~80³,
// but waking an idle worker, or one that shares its core with another process, costs up to milliseconds
// there; from 128³ the second thread wins 1.5x even so.
constexpr double kParallelGemmFlops = 2.0 * 128 * 128 * 128;

std::atomic<int> max_gemm_threads{0};  // 0: not set by set_gemm_threads

int default_gemm_threads() {
  static const int threads = [] {
    if (const char* blis = std::getenv("BLIS_NUM_THREADS"); blis != nullptr && std::atoi(blis) > 0)
      return std::atoi(blis);
    return num_threads();
  }();
  return threads;
}

int gemm_threads(double flops) {
  if (flops < kParallelGemmFlops) return 1;
  const int threads = max_gemm_threads.load(std::memory_order_relaxed);
  return threads > 0 ? threads : default_gemm_threads();
}

// Note [GEMM threads]
// BLIS's own threading (OpenMP) waits at barriers inside every call for every team thread; on a machine
// whose cores are busy with other processes one descheduled thread stalls the whole GEMM for a time
// slice. So a multi-threaded GEMM is split into blocks of C, each a one-thread GEMM (libxsmm, the dot
// kernel or BLIS), claimed through the thread pool (Note [thread pool wait policy]): whoever is running
// does the work. The split runs along N when m < n (each block then packs all of A again, the smaller
// operand) and along M otherwise. Block counts and the measured cost of the repacking against BLIS's
// 2 internal threads: bench/notes/contention.md. TG_GEMM_SPLIT=blis restores BLIS's own threads (for
// measurements); TG_GEMM_SPLIT=<k> uses k blocks per thread.
struct GemmSplit {
  bool blis_threads = false;
  std::int64_t blocks_per_thread = 2;
};

const GemmSplit& gemm_split() {
  static const GemmSplit split = [] {
    GemmSplit chosen;
    const char* value = std::getenv("TG_GEMM_SPLIT");
    if (value == nullptr) return chosen;
    if (std::strcmp(value, "blis") == 0) chosen.blis_threads = true;
    if (const int blocks = std::atoi(value); blocks > 0) chosen.blocks_per_thread = blocks;
    return chosen;
  }();
  return split;
}

// Block edges fall on multiples of this many rows or columns (a multiple of every BLIS micro-tile edge
// used here: 6, 8, 12, 16, 24), and no block is narrower.
constexpr std::int64_t kGemmBlockAlign = 48;

template <class T>
MatrixView block_of(const MatrixView& view, std::int64_t row, std::int64_t rows, std::int64_t col,
                    std::int64_t cols) {
  MatrixView part = view;
  part.data = static_cast<const T*>(view.data) + row * view.row_stride + col * view.col_stride;
  part.rows = rows;
  part.cols = cols;
  return part;
}

// Kernel sets with a small-matrix ("sup") path (zen3, haswell, zen2, zen; not skx or generic) use it
// when a size is below their thresholds (zen3 float: M < 512, N < 200 or K < 240). It wins clearly on
// small or skinny problems (N = 10: 2-6x) but not on medium ones with every size in the hundreds
// (0-30 % slower), nor when only K is tiny under a large M x N (1.6x slower).
constexpr double kSupMaxFlops = 2.0 * 128 * 128 * 128;  // sup for any shape below this (cubes up to 128³)

bool use_sup(std::int64_t m, std::int64_t n, std::int64_t k, double flops) {
  if (!kernel_set().has_sup) return false;
  const std::int64_t smaller = std::min(m, n);
  if (k < 32 && smaller >= 128) return false;
  return smaller < 128 || flops < kSupMaxFlops;
}

template <class T>
void tiny_gemm(T alpha, const MatrixView& a, const MatrixView& b, T beta, const MatrixView& c) {
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  T* pc = const_cast<T*>(static_cast<const T*>(c.data));
  if (b.col_stride == 1 && c.col_stride == 1) {  // rows of B and C are contiguous: axpy over j vectorizes
    for (std::int64_t i = 0; i < c.rows; ++i) {
      T* c_row = pc + i * c.row_stride;
      for (std::int64_t j = 0; j < c.cols; ++j)
        c_row[j] = beta == T(0) ? T(0) : beta * c_row[j];  // beta 0 overwrites
      for (std::int64_t p = 0; p < a.cols; ++p) {
        const T scaled = alpha * pa[i * a.row_stride + p * a.col_stride];
        const T* b_row = pb + p * b.row_stride;
        for (std::int64_t j = 0; j < c.cols; ++j) c_row[j] += scaled * b_row[j];
      }
    }
    return;
  }
  for (std::int64_t i = 0; i < c.rows; ++i)  // dot products over p
    for (std::int64_t j = 0; j < c.cols; ++j) {
      T sum = 0;
      for (std::int64_t p = 0; p < a.cols; ++p)
        sum += pa[i * a.row_stride + p * a.col_stride] * pb[p * b.row_stride + j * b.col_stride];
      T& out = pc[i * c.row_stride + j * c.col_stride];
      out = beta == T(0) ? alpha * sum : alpha * sum + beta * out;  // beta 0 overwrites, as BLIS does
    }
}

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

// Note [libxsmm routing]
// libxsmm's JIT kernels (no packing, no threads) run small GEMMs at ~100 % of one core's peak, where BLIS
// skx pays ~3-4 µs per call and packs: 1.2-18x faster for NN and TN from 16³ to 256³ and 1.3-6.6x on the
// batch-64 MLP layers (bench/notes/libxsmm.md). Beyond ~2·256³ flops (float; 2·192³ double) BLIS's packed
// kernels catch up or win, and libxsmm 1.17 has no kernel for row-major C = A·Bᵀ at all. So a GEMM goes
// to libxsmm when it runs on one thread anyway and is below these sizes; BLIS takes everything else,
// including whatever libxsmm declines (xsmm_gemm returns false).
template <class T>
constexpr double kXsmmMaxFlops = std::is_same_v<T, float> ? 2.0 * 256 * 256 * 256 : 2.0 * 192 * 192 * 192;

// Note [dot-product GEMM routing]
// C = A * Bᵀ with k contiguous in both operands (Linear's forward) can go to dot_gemm.cpp's kernel, which
// reads the rows in place where BLIS packs them with a transposing gather. BLIS's packing costs about
// (m + n) k and pays off over m n k flops, so it loses when m or n is small; the kernel's loop tops out at
// ~82 % of peak (10 loads per 24 FMAs) where BLIS's packed kernel reaches 86-90 % once packing is
// amortized, and its per-tile lane-sums weigh more when k is short. Measured
// on Zen5, 1 thread (bench/notes/dot_gemm.md): 64x10x128 5.2x, 256x10x512 4.5x, 64x128x784 1.6x,
// 16³-64³ 1.1-2.3x, 256x512x512 and 256x512x784 1.03-1.04x; but 96³-384³ 0.78-0.85x, 512³-2048³ 0.9-0.97x.
constexpr std::int64_t kDotMaxSmallSide = 64;

bool use_dot_gemm(const MatrixView& a, const MatrixView& b, const MatrixView& c) {
  const std::int64_t smaller = std::min(c.rows, c.cols), k = a.cols;
  const bool wins = smaller <= kDotMaxSmallSide || (k >= 2 * smaller && k <= kDotGemmKBlock);
  return wins && dot_gemm_accepts(a, b);
}

// Note [oneDNN routing]
// On Zen4 (zen3 kernels) oneDNN's dnnl_sgemm ran step (c)'s GEMMs (MLP 1024-4096²-1024, batch 1024) at
// 91 % of the FP32 peak on one thread where BLIS reached 82 % and OpenBLAS 0.3.21 (libtorch's BLAS) 86-89 %,
// and step (b)'s large layers (256x512x512 ... 512x784x256) at 91 % vs BLIS's 85 %; with a second
// process on the other core, its 2-thread calls kept ~94 GFLOP/s where BLIS's fell to 41 (its threads
// wait for each other at every partition barrier). Measured in one process, interleaved:
// bench/notes/large_gemm.md. So float32 GEMMs that libxsmm does not take go to oneDNN from 2·256³ flops
// unless one side of C is small (the dot-product kernel's ground); float64 stays with BLIS (oneDNN has
// no dgemm), and so does whatever dnnl_gemm declines. On several threads the GEMM is first split into
// one-thread blocks of C (Note [GEMM threads]), so oneDNN runs on one thread per block and no OpenMP team
// waits at a barrier for a preempted partner.
constexpr double kDnnlMinFlops = 2.0 * 256 * 256 * 256;

template <class T>
bool use_dnnl_gemm(const MatrixView& c, double flops) {
  return std::is_same_v<T, float> && flops >= kDnnlMinFlops && std::min(c.rows, c.cols) > kDotMaxSmallSide &&
         dnnl_gemm_available();
}

// One GEMM call on `threads` threads (BLIS's own, or the dot kernel's split); views are normalized.
// `to_dnnl` is decided on the whole product (use_dnnl_gemm), so that the blocks of a split oneDNN GEMM,
// whose narrower sides would fall in the dot kernel's ground, stay with oneDNN.
template <class T>
void routed_gemm(double alpha, const MatrixView& na, const MatrixView& nb, double beta, const MatrixView& nc,
                 int threads, bool to_dnnl) {
  const MatrixView &a = na, &b = nb, &c = nc;
  T alpha_t = static_cast<T>(alpha), beta_t = static_cast<T>(beta);
  const double macs = static_cast<double>(c.rows) * static_cast<double>(c.cols) * static_cast<double>(a.cols);
  const double flops = 2.0 * macs;
  if (threads == 1 && flops <= kXsmmMaxFlops<T> && xsmm_gemm(dtype_of<T>(), alpha, na, nb, beta, nc)) return;
  if (to_dnnl && dnnl_gemm(dtype_of<T>(), alpha, na, nb, beta, nc, threads)) return;
  if (use_dot_gemm(na, nb, nc)) return dot_gemm(dtype_of<T>(), alpha, na, nb, beta, nc, threads);
  if (macs <= kTinyGemmMacs) return tiny_gemm<T>(alpha_t, a, b, beta_t, c);
  auto* pa = const_cast<T*>(static_cast<const T*>(na.data));
  auto* pb = const_cast<T*>(static_cast<const T*>(nb.data));
  auto* pc = const_cast<T*>(static_cast<const T*>(nc.data));
  rntm_t rntm;
  bli_rntm_init_from_global(&rntm);
  bli_rntm_set_num_threads(threads, &rntm);
  if (use_sup(c.rows, c.cols, a.cols, flops))
    bli_rntm_enable_l3_sup(&rntm);
  else
    bli_rntm_disable_l3_sup(&rntm);
  if constexpr (std::is_same_v<T, float>) {
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, c.rows, c.cols, a.cols, &alpha_t, pa, na.row_stride,
                 na.col_stride, pb, nb.row_stride, nb.col_stride, &beta_t, pc, nc.row_stride, nc.col_stride,
                 nullptr, &rntm);
  } else {
    bli_dgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, c.rows, c.cols, a.cols, &alpha_t, pa, na.row_stride,
                 na.col_stride, pb, nb.row_stride, nb.col_stride, &beta_t, pc, nc.row_stride, nc.col_stride,
                 nullptr, &rntm);
  }
}

// See Note [GEMM threads].
template <class T>
void split_gemm(double alpha, const MatrixView& a, const MatrixView& b, double beta, const MatrixView& c,
                int threads, bool to_dnnl) {
  const bool along_n = c.rows < c.cols;
  const std::int64_t extent = along_n ? c.cols : c.rows;
  const std::int64_t blocks =
      std::clamp<std::int64_t>(extent / kGemmBlockAlign, 1, threads * gemm_split().blocks_per_thread);
  const auto edge = [&](std::int64_t block) {
    return block == blocks ? extent : chunk_begin(extent, blocks, block) / kGemmBlockAlign * kGemmBlockAlign;
  };
  parallel_chunks(blocks, [&](std::int64_t block) {
    const std::int64_t begin = edge(block), size = edge(block + 1) - begin;
    if (along_n)
      routed_gemm<T>(alpha, a, block_of<T>(b, 0, b.rows, begin, size), beta,
                     block_of<T>(c, 0, c.rows, begin, size), 1, to_dnnl);
    else
      routed_gemm<T>(alpha, block_of<T>(a, begin, size, 0, a.cols), b, beta,
                     block_of<T>(c, begin, size, 0, c.cols), 1, to_dnnl);
  });
}

template <class T>
void typed_gemm(double alpha, const MatrixView& a, const MatrixView& b, double beta, const MatrixView& c) {
  const double flops =
      2.0 * static_cast<double>(c.rows) * static_cast<double>(c.cols) * static_cast<double>(a.cols);
  const int threads = gemm_threads(flops);
  const MatrixView na = normalized(a), nb = normalized(b), nc = normalized(c);
  // The dot kernel splits its own work through the pool; everything else is split here. oneDNN comes
  // before the dot kernel in routed_gemm, so its GEMMs are split too: a multi-threaded dnnl_sgemm would
  // leave an OpenMP team spinning on the core the pool needs next (step (b) at 2 threads ran slower
  // than at 1 until this held).
  const bool to_dnnl = use_dnnl_gemm<T>(nc, flops);
  const bool dot_kernel_splits = use_dot_gemm(na, nb, nc) && !to_dnnl;
  if (threads > 1 && !gemm_split().blis_threads && !dot_kernel_splits)
    return split_gemm<T>(alpha, na, nb, beta, nc, threads, to_dnnl);
  routed_gemm<T>(alpha, na, nb, beta, nc, threads, to_dnnl);
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
  ensure_kernels_chosen();
  if (dtype == kFloat32)
    typed_gemm<float>(alpha, a, b, beta, c);
  else
    typed_gemm<double>(alpha, a, b, beta, c);
}

void set_gemm_threads(int threads) {
  ensure_kernels_chosen();
  max_gemm_threads.store(threads, std::memory_order_relaxed);
  bli_thread_set_num_threads(threads);
}

std::string gemm_kernel_set() {
  ensure_kernels_chosen();
  return kernel_set().name;
}

}  // namespace tg::kernels
