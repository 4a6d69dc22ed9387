// The BLIS kernel set tapegrad chooses at start-up, and GEMM results under every kernel set, thread
// count and sup/packed path the per-call policy can pick.
//
// The kernel set is fixed once per process at BLIS's first call, so every test that depends on the
// environment runs its statement in a fresh process: a "threadsafe" death test re-executes this
// binary, runs only the current test, and the statement there reaches BLIS first.
#include <gtest/gtest.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dnnl_gemm.hpp>
#include <tapegrad/autograd/kernels/dot_gemm.hpp>
#include <tapegrad/autograd/kernels/thread_pool.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>
#include <tapegrad/autograd/kernels/xsmm_gemm.hpp>

namespace tg::kernels {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool kThreadSanitizer = true;
#else
constexpr bool kThreadSanitizer = false;
#endif
#else
constexpr bool kThreadSanitizer = false;
#endif

// ThreadSanitizer makes the long-double reference loops ~20x slower, so the tsan preset checks the large
// shapes in one layout only (the threading they exist to cover is the same in every layout); release
// and asan keep the full sweep. This keeps every test well under a minute under TSan.
constexpr bool kReducedSweep = kThreadSanitizer;

struct CpuFeatures {
  bool amd = false;
  unsigned family = 0;
  bool avx2_fma = false;
  bool avx512 = false;
};

CpuFeatures cpu_features() {
  CpuFeatures cpu;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
    cpu.family = (eax >> 8) & 0xf;
    if (cpu.family == 0xf) cpu.family += (eax >> 20) & 0xff;
  }
  cpu.amd = __builtin_cpu_is("amd");
  cpu.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  cpu.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
  return cpu;
}

// The documented policy (Note [BLIS kernel choice] in blis_gemm.cpp); empty: BLIS decides.
std::string expected_kernel_set(const CpuFeatures& cpu) {
  if (cpu.amd && cpu.family == 25 && cpu.avx2_fma) return "zen3";
  if (cpu.avx512) return "skx";
  if (cpu.avx2_fma) return cpu.amd ? "zen3" : "haswell";
  return "";
}

void set_env(const char* name, const char* value) {
  if (value == nullptr)
    unsetenv(name);
  else
    setenv(name, value, 1);
}

// ---- a naive reference and a sweep of shapes, layouts, alpha/beta and thread counts

struct Layouts {
  bool a_transposed, b_transposed, c_transposed;
  std::int64_t pad;  // extra leading-dimension elements, so views are not packed tightly
};

template <class T>
struct Matrix {
  std::vector<T> data;
  MatrixView view;
};

template <class T>
Matrix<T> random_matrix(std::int64_t rows, std::int64_t cols, bool transposed, std::int64_t pad,
                        std::mt19937& rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Matrix<T> m;
  const std::int64_t lead = (transposed ? rows : cols) + pad;
  m.data.resize(static_cast<std::size_t>(lead * (transposed ? cols : rows)));
  for (T& value : m.data) value = static_cast<T>(uniform(rng));
  m.view = transposed ? MatrixView{m.data.data(), rows, cols, 1, lead}
                      : MatrixView{m.data.data(), rows, cols, lead, 1};
  return m;
}

template <class T>
T at(const MatrixView& v, std::int64_t i, std::int64_t j) {
  return static_cast<const T*>(v.data)[i * v.row_stride + j * v.col_stride];
}

using GemmFunction = void (*)(Dtype, double, const MatrixView&, const MatrixView&, double, const MatrixView&);

// Runs one GEMM (tapegrad's gemm unless told) and compares every element with a long-double loop;
// returns the failures as text.
template <class T>
std::string check_one(std::int64_t m, std::int64_t n, std::int64_t k, const Layouts& layouts, double alpha,
                      double beta, std::mt19937& rng, GemmFunction run = gemm) {
  Matrix<T> a = random_matrix<T>(m, k, layouts.a_transposed, layouts.pad, rng);
  Matrix<T> b = random_matrix<T>(k, n, layouts.b_transposed, layouts.pad, rng);
  Matrix<T> c = random_matrix<T>(m, n, layouts.c_transposed, layouts.pad, rng);
  const std::vector<T> c_before = c.data;
  const MatrixView c_old{c_before.data(), m, n, c.view.row_stride, c.view.col_stride};
  run(std::is_same_v<T, float> ? kFloat32 : kFloat64, alpha, a.view, b.view, beta, c.view);
  const double epsilon = std::is_same_v<T, float> ? 1.2e-7 : 2.3e-16;
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      using Wide = std::conditional_t<std::is_same_v<T, float>, double, long double>;
      Wide sum = 0, magnitude = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        const Wide term = static_cast<Wide>(at<T>(a.view, i, p)) * at<T>(b.view, p, j);
        sum += term;
        magnitude += std::fabs(term);
      }
      const Wide expected = alpha * sum + (beta == 0.0 ? Wide(0) : beta * at<T>(c_old, i, j));
      const double bound = 4.0 * epsilon * static_cast<double>(k + 2) *
                               static_cast<double>(std::fabs(alpha) * magnitude +
                                                   std::fabs(beta) * std::fabs(at<T>(c_old, i, j))) +
                           1e-30;
      const double error = std::fabs(static_cast<double>(at<T>(c.view, i, j) - expected));
      if (!(error <= bound)) {
        char text[256];
        std::snprintf(text, sizeof text,
                      "[%lld,%lld,%lld] A%c B%c C%c pad %lld: C(%lld,%lld) off by %g (bound %g)\n",
                      static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k),
                      layouts.a_transposed ? 'T' : 'N', layouts.b_transposed ? 'T' : 'N',
                      layouts.c_transposed ? 'T' : 'N', static_cast<long long>(layouts.pad),
                      static_cast<long long>(i), static_cast<long long>(j), error, bound);
        return text;
      }
    }
  return "";
}

// Shapes on every path of the per-call policy: the plain loop (up to 16³ multiply-adds), sup and packed
// BLIS (sup only exists in zen3/haswell), one thread and two (from 2·128³ flops), and odd edges.
std::string check_sweep() {
  struct Shape {
    std::int64_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1},      {1, 7, 5},     {6, 1, 9},       {3, 4, 1},      {7, 5, 3},
                          {16, 16, 16},   {17, 16, 16},  {64, 10, 128},   {33, 65, 17},   {97, 101, 89},
                          {40, 130, 300}, {200, 160, 8}, {136, 144, 130}, {64, 200, 300}, {256, 10, 512}};
  const Layouts layouts[] = {{false, false, false, 0}, {false, true, false, 0}, {true, false, false, 0},
                             {true, true, true, 0},    {false, true, false, 3}, {true, false, true, 5}};
  std::mt19937 rng(1234);
  std::string failures;
  for (const int threads : {1, 2}) {
    tg::set_num_threads(threads);
    for (const Shape& s : shapes)
      for (const Layouts& l : layouts) {
        if (threads > 1 && 2 * s.m * s.n * s.k < 2 * 128 * 128 * 128) continue;  // runs on one thread anyway
        const bool large = s.m * s.n * s.k > 200'000;  // every layout on small shapes, three on large ones
        if (large && &l != &layouts[0] && &l != &layouts[1] && &l != &layouts[5]) continue;
        if (kReducedSweep && large && (threads == 1 || &l != &layouts[0])) continue;
        failures += check_one<float>(s.m, s.n, s.k, l, 1.0, 0.0, rng);
        failures += check_one<double>(s.m, s.n, s.k, l, 1.0, 0.0, rng);
      }
    // (large shapes here only outside TSan; see kReducedSweep)
    for (const Shape& s : kReducedSweep ? std::vector<Shape>{shapes[4], shapes[8]}
                                        : std::vector<Shape>{shapes[4], shapes[9], shapes[13]}) {
      failures += check_one<float>(s.m, s.n, s.k, layouts[1], -1.5, 0.5, rng);
      failures += check_one<double>(s.m, s.n, s.k, layouts[2], 0.25, 1.0, rng);
    }
    // beta = 1 (accumulating into a gradient) with alpha = 1: the libxsmm path's other kernel
    for (const Shape& s : kReducedSweep ? std::vector<Shape>{shapes[5], shapes[7], shapes[8]}
                                        : std::vector<Shape>{shapes[5], shapes[7], shapes[9], shapes[11]})
      for (const Layouts& l : layouts) {
        failures += check_one<float>(s.m, s.n, s.k, l, 1.0, 1.0, rng);
        failures += check_one<double>(s.m, s.n, s.k, l, 1.0, 1.0, rng);
      }
  }
  return failures;
}

// Child-process statements: set the environment, reach BLIS first, report on stderr, exit.
[[noreturn]] void report_kernel_set(const char* arch_type, const char* verbose) {
  set_env("BLIS_ARCH_TYPE", arch_type);
  set_env("TG_VERBOSE", verbose);
  std::fprintf(stderr, "kernel set: %s\n", gemm_kernel_set().c_str());
  std::exit(0);
}

[[noreturn]] void run_sweep_under(const char* arch_type) {
  set_env("BLIS_ARCH_TYPE", arch_type);
  const std::string failures = check_sweep();
  std::fprintf(stderr, "kernel set: %s\n%s", gemm_kernel_set().c_str(), failures.c_str());
  std::exit(failures.empty() ? 0 : 1);
}

class BlisKernels : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  CpuFeatures cpu = cpu_features();
};

TEST_F(BlisKernels, ChoosesFromTheCpuAndNeverGenericWithAvx2) {
  const std::string expected = expected_kernel_set(cpu);
  if (expected.empty()) GTEST_SKIP() << "no AVX2+FMA: BLIS chooses by itself";
  EXPECT_EXIT(report_kernel_set(nullptr, nullptr), ::testing::ExitedWithCode(0),
              "kernel set: " + expected + "\n");
}

TEST_F(BlisKernels, SetNumThreadsBeforeTheFirstGemmStillChooses) {
  const std::string expected = expected_kernel_set(cpu);
  if (expected.empty()) GTEST_SKIP() << "no AVX2+FMA: BLIS chooses by itself";
  EXPECT_EXIT(
      {
        unsetenv("BLIS_ARCH_TYPE");
        tg::set_num_threads(1);  // reaches BLIS (bli_thread_set_num_threads) before any GEMM
        report_kernel_set(nullptr, nullptr);
      },
      ::testing::ExitedWithCode(0), "kernel set: " + expected + "\n");
}

TEST_F(BlisKernels, EmptyBlisArchTypeCountsAsUnset) {
  const std::string expected = expected_kernel_set(cpu);
  if (expected.empty()) GTEST_SKIP() << "no AVX2+FMA: BLIS chooses by itself";
  EXPECT_EXIT(report_kernel_set("", nullptr), ::testing::ExitedWithCode(0), "kernel set: " + expected + "\n");
}

TEST_F(BlisKernels, UserBlisArchTypeIdIsRespected) {
  EXPECT_EXIT(report_kernel_set("25", nullptr), ::testing::ExitedWithCode(0), "kernel set: generic\n");
  if (cpu.avx2_fma) {
    EXPECT_EXIT(report_kernel_set("3", nullptr), ::testing::ExitedWithCode(0), "kernel set: haswell\n");
  }
}

TEST_F(BlisKernels, UserBlisArchTypeNameIsRespected) {
  // BLIS 0.9.0 reads only numbers ("zen3" would read as 0, skx); tapegrad translates the name.
  EXPECT_EXIT(report_kernel_set("generic", nullptr), ::testing::ExitedWithCode(0), "kernel set: generic\n");
  if (cpu.avx2_fma) {
    EXPECT_EXIT(report_kernel_set("zen3", nullptr), ::testing::ExitedWithCode(0), "kernel set: zen3\n");
  }
}

TEST_F(BlisKernels, VerboseLogsTheChoiceOnce) {
  EXPECT_EXIT(
      {
        set_env("BLIS_ARCH_TYPE", nullptr);
        set_env("TG_VERBOSE", "1");
        gemm_kernel_set();
        report_kernel_set(nullptr, "1");  // a second query logs nothing more
      },
      ::testing::ExitedWithCode(0),
      "^tapegrad: kernels use [a-z0-9]+ \\([^)\n]+\\)\ntapegrad: BLIS kernels [a-z0-9]+ \\([^)\n]+\\)\n"
      "kernel set: [a-z0-9]+\n$");
  EXPECT_EXIT(report_kernel_set("generic", "1"), ::testing::ExitedWithCode(0),
              "tapegrad: BLIS kernels generic \\(BLIS_ARCH_TYPE=generic from the environment\\)");
}

TEST_F(BlisKernels, QuietWithoutVerbose) {
  EXPECT_EXIT(report_kernel_set(nullptr, nullptr), ::testing::ExitedWithCode(0), "^kernel set: [a-z0-9]+\n$");
}

// Every kernel set the policy may choose, including the ones with a sup path (zen3, haswell), must give
// the naive loop's results on every path: plain loop, sup, packed, one and two threads. The set this
// process runs is checked in-process below.
// One test per kernel set, so each stays short (a child process runs the whole sweep).
TEST_F(BlisKernels, ResultsMatchANaiveLoopUnderTheGenericKernels) {
  EXPECT_EXIT(run_sweep_under("generic"), ::testing::ExitedWithCode(0), "kernel set: generic\n$");
}

TEST_F(BlisKernels, ResultsMatchANaiveLoopUnderZen3Kernels) {
  if (!cpu.avx2_fma) GTEST_SKIP() << "no AVX2+FMA: the zen3 kernels cannot run";
  EXPECT_EXIT(run_sweep_under("zen3"), ::testing::ExitedWithCode(0), "kernel set: zen3\n$");
}

TEST_F(BlisKernels, ResultsMatchANaiveLoopUnderHaswellKernels) {
  if (!cpu.avx2_fma) GTEST_SKIP() << "no AVX2+FMA: the haswell kernels cannot run";
  EXPECT_EXIT(run_sweep_under("haswell"), ::testing::ExitedWithCode(0), "kernel set: haswell\n$");
}

TEST_F(BlisKernels, ResultsMatchANaiveLoopUnderSkxKernels) {
  if (!cpu.avx512) GTEST_SKIP() << "no AVX-512: the skx kernels cannot run";
  if (expected_kernel_set(cpu) == "skx") GTEST_SKIP() << "skx is this process's set: BlisGemm.* cover it";
  EXPECT_EXIT(run_sweep_under("skx"), ::testing::ExitedWithCode(0), "kernel set: skx\n$");
}

// The same sweep in this process, whichever set it runs.
TEST(BlisGemm, ResultsMatchANaiveLoop) {
  const int threads = tg::get_num_threads();
  EXPECT_EQ(check_sweep(), "");
  tg::set_num_threads(threads);
}

// The same sweep with every GEMM on BLIS (libxsmm off), so both sides of the routing stay covered.
TEST(BlisGemm, ResultsMatchANaiveLoopWithoutLibxsmm) {
  const int threads = tg::get_num_threads();
  const bool libxsmm = gemm_libxsmm_enabled();
  set_gemm_libxsmm(false);
  EXPECT_FALSE(gemm_libxsmm_enabled());
  EXPECT_EQ(check_sweep(), "");
  set_gemm_libxsmm(libxsmm);
  tg::set_num_threads(threads);
}

// ... and with the dot-product kernel off, so that BLIS keeps covering the C = A·Bᵀ shapes it would take.
TEST(BlisGemm, ResultsMatchANaiveLoopWithoutTheDotKernel) {
  const int threads = tg::get_num_threads();
  const bool dot_kernel = gemm_dot_kernel_enabled();
  set_gemm_dot_kernel(false);
  EXPECT_FALSE(gemm_dot_kernel_enabled());
  EXPECT_EQ(check_sweep(), "");
  set_gemm_dot_kernel(dot_kernel);
  tg::set_num_threads(threads);
}

// ---- the dot-product kernel directly (Note [dot-product GEMM]): every tile edge, k tail and k block

int dot_threads = 1;

void run_dot(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
             const MatrixView& c) {
  ASSERT_TRUE(dot_gemm_accepts(a, b));
  dot_gemm(dtype, alpha, a, b, beta, c, dot_threads);
}

bool cpu_has_avx512f() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

TEST(DotGemm, IsOnExactlyWhenTheCpuHasAvx512) {
  const char* setting = std::getenv("TG_DOT_GEMM");
  if (setting != nullptr && std::string(setting) == "0") GTEST_SKIP() << "TG_DOT_GEMM=0";
  EXPECT_EQ(gemm_dot_kernel_enabled(), cpu_has_avx512f());
  set_gemm_dot_kernel(false);
  EXPECT_FALSE(gemm_dot_kernel_enabled());
  set_gemm_dot_kernel(true);
  EXPECT_EQ(gemm_dot_kernel_enabled(), cpu_has_avx512f());
}

TEST(DotGemm, AcceptsOnlyRowsContiguousInK) {
  if (!gemm_dot_kernel_enabled()) GTEST_SKIP() << "no AVX-512F, or TG_DOT_GEMM=0";
  std::mt19937 rng(5);
  const Matrix<float> a = random_matrix<float>(8, 12, false, 0, rng);
  const Matrix<float> a_t = random_matrix<float>(8, 12, true, 0, rng);
  const Matrix<float> b = random_matrix<float>(12, 5, false, 0, rng);
  const Matrix<float> b_t = random_matrix<float>(12, 5, true, 0, rng);  // B stored [n, k]
  EXPECT_TRUE(dot_gemm_accepts(a.view, b_t.view));
  EXPECT_FALSE(dot_gemm_accepts(a.view, b.view));
  EXPECT_FALSE(dot_gemm_accepts(a_t.view, b_t.view));
  EXPECT_FALSE(dot_gemm_accepts(a_t.view, b.view));
  set_gemm_dot_kernel(false);
  EXPECT_FALSE(dot_gemm_accepts(a.view, b_t.view));
  set_gemm_dot_kernel(true);
}

TEST(DotGemm, MatchesANaiveLoopOnEveryTileEdgeAndKTail) {
  if (!gemm_dot_kernel_enabled()) GTEST_SKIP() << "no AVX-512F, or TG_DOT_GEMM=0";
  std::mt19937 rng(11);
  dot_threads = 1;
  // m and n cover every tile height (1-6 rows) and width (1-4 columns) as full tiles and as edges; k
  // covers a single element, partial and whole vectors of both dtypes (16 floats, 8 doubles).
  for (const std::int64_t m : {1, 2, 3, 4, 5, 6, 7, 12, 13})
    for (const std::int64_t n : {1, 2, 3, 4, 5, 8, 9})
      for (const std::int64_t k : {1, 7, 8, 9, 15, 16, 17, 33, 64}) {
        const Layouts row_dots{false, true, false, (m + n + k) % 3};  // pads 0, 1 and 2
        SCOPED_TRACE(testing::Message() << m << "x" << n << "x" << k);
        EXPECT_EQ(check_one<float>(m, n, k, row_dots, 1.0, 0.0, rng, run_dot), "");
        EXPECT_EQ(check_one<double>(m, n, k, row_dots, 1.0, 0.0, rng, run_dot), "");
      }
}

TEST(DotGemm, MatchesANaiveLoopAcrossKBlocksAlphaBetaLayoutsAndThreads) {
  if (!gemm_dot_kernel_enabled()) GTEST_SKIP() << "no AVX-512F, or TG_DOT_GEMM=0";
  std::mt19937 rng(12);
  struct Case {
    std::int64_t m, n, k;
    double alpha, beta;
    bool c_transposed;
    int threads;
  };
  const std::int64_t block = kDotGemmKBlock;
  const Case cases[] = {
      {7, 5, block - 1, 1.0, 0.0, false, 1}, {7, 5, block, 1.0, 1.0, false, 1},
      {7, 5, block + 1, 1.0, 0.0, false, 1}, {13, 9, 2 * block + 49, -1.5, 0.5, false, 1},
      {9, 6, 300, 0.25, 1.0, true, 1},       {9, 6, 300, 1.0, 0.0, true, 1},
      {64, 10, 128, 1.0, 1.0, false, 2},     {13, 11, 40, 2.0, -1.0, true, 2},
      {5, 7, block + 3, 1.0, 1.0, false, 2}, {67, 130, 784, 1.0, 0.0, false, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.m << "x" << c.n << "x" << c.k << " alpha " << c.alpha << " beta "
                                    << c.beta << (c.c_transposed ? " C transposed" : "") << " threads "
                                    << c.threads);
    dot_threads = c.threads;
    const Layouts layouts{false, true, c.c_transposed, 2};
    EXPECT_EQ(check_one<float>(c.m, c.n, c.k, layouts, c.alpha, c.beta, rng, run_dot), "");
    EXPECT_EQ(check_one<double>(c.m, c.n, c.k, layouts, c.alpha, c.beta, rng, run_dot), "");
  }
  dot_threads = 1;
}

TEST(DotGemm, BetaZeroOverwritesNaNAndNaNInputsPropagate) {
  if (!gemm_dot_kernel_enabled()) GTEST_SKIP() << "no AVX-512F, or TG_DOT_GEMM=0";
  const std::int64_t m = 3, n = 5, k = 20;
  std::vector<float> a(m * k, 1.0f), b(n * k, 0.5f), c(m * n, std::nanf(""));
  const MatrixView a_view{a.data(), m, k, k, 1}, b_view{b.data(), k, n, 1, k}, c_view{c.data(), m, n, n, 1};
  dot_gemm(kFloat32, 1.0, a_view, b_view, 0.0, c_view, 1);
  for (const float value : c) EXPECT_EQ(value, 10.0f);
  a[k + 3] = std::nanf("");  // row 1 of C only
  b[2 * k + 19] = INFINITY;  // column 2 of C: +inf, except row 1
  dot_gemm(kFloat32, 1.0, a_view, b_view, 1.0, c_view, 1);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const float value = c[i * n + j];
      if (i == 1)
        EXPECT_TRUE(std::isnan(value)) << i << "," << j;
      else if (j == 2)
        EXPECT_EQ(value, INFINITY) << i << "," << j;
      else
        EXPECT_EQ(value, 20.0f) << i << "," << j;
    }
}

// ---- libxsmm directly: which layouts it takes, its results, and that it leaves the rest alone

bool xsmm_took = false;

// libxsmm when it takes the GEMM, else tapegrad's gemm, so that every result can be checked.
void run_xsmm(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
              const MatrixView& c) {
  xsmm_took = xsmm_gemm(dtype, alpha, a, b, beta, c);
  if (!xsmm_took) gemm(dtype, alpha, a, b, beta, c);
}

TEST(XsmmGemm, TakesEveryLayoutButRowMajorABTransposedAndMatchesANaiveLoop) {
  if (!gemm_libxsmm_enabled()) GTEST_SKIP() << "built without libxsmm, or TG_LIBXSMM=0";
  struct Shape {
    std::int64_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1},    {1, 7, 5},     {6, 1, 9},     {16, 16, 16},  {17, 16, 16},
                          {33, 65, 17}, {64, 10, 128}, {64, 128, 10}, {10, 128, 64}, {97, 101, 89}};
  std::mt19937 rng(99);
  int taken = 0;
  for (const Shape& s : shapes)
    for (const bool a_t : {false, true})
      for (const bool b_t : {false, true})
        for (const bool c_t : {false, true})
          for (const std::int64_t pad : {0, 3})
            for (const double beta : {0.0, 1.0}) {
              const Layouts l{a_t, b_t, c_t, pad};
              SCOPED_TRACE(testing::Message() << s.m << "x" << s.n << "x" << s.k << " A" << a_t << " B" << b_t
                                              << " C" << c_t << " pad " << pad << " beta " << beta);
              // A row-major C reads B's buffer as the kernel's first operand: fine unless B is stored
              // transposed (no TRANS_A kernel in 1.17). A column-major C becomes Cᵀ = Bᵀ·Aᵀ, where Aᵀ
              // plays that role. Single rows and columns read either way, so they are left open.
              const bool must_take = (!b_t && !c_t) || (a_t && c_t);
              const bool must_decline = b_t && !c_t && s.m > 1 && s.n > 1 && s.k + pad > 1;
              for (const bool is_float : {true, false}) {
                EXPECT_EQ(is_float ? check_one<float>(s.m, s.n, s.k, l, 1.0, beta, rng, run_xsmm)
                                   : check_one<double>(s.m, s.n, s.k, l, 1.0, beta, rng, run_xsmm),
                          "");
                if (must_take) {
                  EXPECT_TRUE(xsmm_took);
                }
                if (must_decline) {
                  EXPECT_FALSE(xsmm_took);
                }
                taken += xsmm_took ? 1 : 0;
              }
            }
  EXPECT_GT(taken, 300);
}

TEST(XsmmGemm, DeclinesOtherAlphaBetaAndWhenTurnedOffLeavingCUntouched) {
  std::mt19937 rng(7);
  Matrix<double> a = random_matrix<double>(8, 12, false, 0, rng);
  Matrix<double> b = random_matrix<double>(12, 5, false, 0, rng);
  Matrix<double> c = random_matrix<double>(8, 5, false, 0, rng);
  const std::vector<double> before = c.data;
  EXPECT_FALSE(xsmm_gemm(kFloat64, 2.0, a.view, b.view, 0.0, c.view));
  EXPECT_FALSE(xsmm_gemm(kFloat64, 1.0, a.view, b.view, 0.5, c.view));
  EXPECT_FALSE(xsmm_gemm(kFloat64, -1.0, a.view, b.view, 1.0, c.view));
  Matrix<double> b_stored_transposed = random_matrix<double>(12, 5, true, 0, rng);  // C = A·Bᵀ, row-major C
  EXPECT_FALSE(xsmm_gemm(kFloat64, 1.0, a.view, b_stored_transposed.view, 0.0, c.view));
  const bool enabled = gemm_libxsmm_enabled();
  set_gemm_libxsmm(false);
  EXPECT_FALSE(xsmm_gemm(kFloat64, 1.0, a.view, b.view, 0.0, c.view));
  set_gemm_libxsmm(enabled);
  EXPECT_EQ(c.data, before);
  EXPECT_EQ(xsmm_gemm(kFloat64, 1.0, a.view, b.view, 0.0, c.view), enabled);
}

[[noreturn]] void small_gemms_then_exit() {
  set_env("TG_VERBOSE", "1");
  std::mt19937 rng(3);
  for (int i = 0; i < 2; ++i) {
    Matrix<float> a = random_matrix<float>(16, 16, false, 0, rng);
    Matrix<float> c = random_matrix<float>(16, 16, false, 0, rng);
    gemm(kFloat32, 1.0, a.view, a.view, 0.0, c.view);
  }
  std::fprintf(stderr, "done\n");
  std::exit(0);
}

TEST_F(BlisKernels, VerboseLogsThatSmallGemmsUseLibxsmmOnce) {
  if (!gemm_libxsmm_enabled()) GTEST_SKIP() << "built without libxsmm, or TG_LIBXSMM=0";
  EXPECT_EXIT(small_gemms_then_exit(), ::testing::ExitedWithCode(0),
              "^tapegrad: kernels use [^\n]+\ntapegrad: BLIS kernels [^\n]+\ntapegrad: small one-thread "
              "GEMMs use libxsmm [0-9.]+ JIT "
              "kernels\ndone\n$");
}

// ---- oneDNN directly (Note [dnnl_sgemm as row-major]) and through gemm's routing (Note [oneDNN routing])

int dnnl_threads = 1;
bool dnnl_took = false;

// oneDNN's code starts at SSE4.1, so at the baseline level (TG_CPU_ISA=baseline) dnnl_gemm declines.
bool dnnl_runs() { return dnnl_gemm_available(); }

// oneDNN when it takes the GEMM, else tapegrad's gemm, so that every result can be checked.
void run_dnnl(Dtype dtype, double alpha, const MatrixView& a, const MatrixView& b, double beta,
              const MatrixView& c) {
  dnnl_took = dnnl_gemm(dtype, alpha, a, b, beta, c, dnnl_threads);
  if (!dnnl_took) gemm(dtype, alpha, a, b, beta, c);
}

TEST(DnnlGemm, TakesEveryFloatLayoutAndMatchesANaiveLoop) {
  if (!dnnl_runs()) GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
  struct Shape {
    std::int64_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1},    {1, 7, 5},     {6, 1, 9},     {3, 4, 1},
                          {17, 16, 33}, {97, 101, 89}, {70, 130, 257}};
  struct AlphaBeta {
    double alpha, beta;
  };
  const AlphaBeta scalings[] = {{1.0, 0.0}, {1.0, 1.0}, {-1.5, 0.5}, {0.25, -2.0}};
  std::mt19937 rng(41);
  for (const int threads : {1, 2}) {
    dnnl_threads = threads;
    for (const Shape& s : shapes)
      for (const bool a_t : {false, true})
        for (const bool b_t : {false, true})
          for (const bool c_t : {false, true})
            for (const std::int64_t pad : {0, 3})
              for (const AlphaBeta& ab : scalings) {
                if (threads == 2 && (pad == 3 || ab.beta != 0.0))
                  continue;  // threads split C: one layout set
                const Layouts l{a_t, b_t, c_t, pad};
                SCOPED_TRACE(testing::Message() << s.m << "x" << s.n << "x" << s.k << " A" << a_t << " B"
                                                << b_t << " C" << c_t << " pad " << pad << " alpha "
                                                << ab.alpha << " beta " << ab.beta << " threads " << threads);
                EXPECT_EQ(check_one<float>(s.m, s.n, s.k, l, ab.alpha, ab.beta, rng, run_dnnl), "");
                EXPECT_TRUE(dnnl_took);
              }
  }
  dnnl_threads = 1;
}

TEST(DnnlGemm, BetaZeroOverwritesNaNAndEmptyProblemsAreDeclined) {
  if (!dnnl_runs()) GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
  std::mt19937 rng(5);
  Matrix<float> a = random_matrix<float>(9, 7, false, 0, rng);
  Matrix<float> b = random_matrix<float>(7, 11, true, 0, rng);
  Matrix<float> c = random_matrix<float>(9, 11, false, 0, rng);
  std::fill(c.data.begin(), c.data.end(), std::nanf(""));
  ASSERT_TRUE(dnnl_gemm(kFloat32, 1.0, a.view, b.view, 0.0, c.view, 1));
  for (float value : c.data) EXPECT_TRUE(std::isfinite(value));
  // K = 0 (oneDNN 2.6 would leave C unscaled) and empty C are declined, leaving C untouched.
  std::fill(c.data.begin(), c.data.end(), 2.0f);
  const MatrixView a_empty{a.data.data(), 9, 0, 1, 1}, b_empty{b.data.data(), 0, 11, 11, 1};
  EXPECT_FALSE(dnnl_gemm(kFloat32, 1.0, a_empty, b_empty, 0.5, c.view, 1));
  const MatrixView c_empty{c.data.data(), 0, 11, 11, 1}, a_no_rows{a.data.data(), 0, 7, 7, 1};
  EXPECT_FALSE(dnnl_gemm(kFloat32, 1.0, a_no_rows, b.view, 0.5, c_empty, 1));
  for (float value : c.data) EXPECT_EQ(value, 2.0f);
}

int threads_of_this_process() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++count;
  }
  return count;
}

// Linear's forward shape of step (b) (X·Wᵀ, 256x512x784) is in both oneDNN's and the dot kernel's ground.
// On two threads it must run as one-thread oneDNN blocks through the pool: a two-thread dnnl_sgemm would
// start an OpenMP team whose spinning thread takes the core the pool needs (step (b) at 2 threads was
// slower than at 1). The process then has no new threads beyond the pool's.
TEST(DnnlGemm, SplitsMultiThreadedWorkIntoOneThreadCallsWithoutAnOpenMpTeam) {
  if (!dnnl_runs()) GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
  if (kThreadSanitizer)
    GTEST_SKIP() << "ThreadSanitizer starts threads of its own at times: counts say nothing";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const int threads_before = threads_of_this_process();  // main, plus a sanitizer's own thread
        tg::set_num_threads(2);
        std::mt19937 rng(3);
        Matrix<float> x = random_matrix<float>(256, 784, false, 0, rng);
        Matrix<float> w_t = random_matrix<float>(784, 512, true, 0, rng);
        Matrix<float> y = random_matrix<float>(256, 512, false, 0, rng);
        for (int repeat = 0; repeat < 3; ++repeat) gemm(kFloat32, 1.0, x.view, w_t.view, 0.0, y.view);
        std::fprintf(stderr, "new threads: %d, pool workers: %d\n",
                     threads_of_this_process() - threads_before, pool_worker_count());
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "new threads: 1, pool workers: 1\n");
}

TEST(DnnlGemm, DeclinesFloat64AndWhenTurnedOffLeavingCUntouched) {
  std::mt19937 rng(8);
  Matrix<double> a = random_matrix<double>(8, 12, false, 0, rng);
  Matrix<double> b = random_matrix<double>(12, 5, false, 0, rng);
  Matrix<double> c = random_matrix<double>(8, 5, false, 0, rng);
  const std::vector<double> before = c.data;
  EXPECT_FALSE(dnnl_gemm(kFloat64, 1.0, a.view, b.view, 0.0, c.view, 1));
  EXPECT_EQ(c.data, before);
  Matrix<float> af = random_matrix<float>(8, 12, false, 0, rng);
  Matrix<float> bf = random_matrix<float>(12, 5, false, 0, rng);
  Matrix<float> cf = random_matrix<float>(8, 5, false, 0, rng);
  const std::vector<float> before_f = cf.data;
  const bool enabled = gemm_dnnl_enabled();
  set_gemm_dnnl(false);
  EXPECT_FALSE(gemm_dnnl_enabled());
  EXPECT_FALSE(dnnl_gemm(kFloat32, 1.0, af.view, bf.view, 0.0, cf.view, 1));
  EXPECT_EQ(cf.data, before_f);
  set_gemm_dnnl(enabled);
  EXPECT_EQ(dnnl_gemm(kFloat32, 1.0, af.view, bf.view, 0.0, cf.view, 1), dnnl_runs());
}

// GEMMs large enough for the oneDNN route (from 2·256³ flops, both sides of C above 64), every layout,
// through gemm with oneDNN on and off, one and two threads; zero-size and K = 0 never reach a kernel.
TEST(BlisGemm, LargeFloatGemmsMatchANaiveLoopWithAndWithoutOneDnn) {
  const int threads = tg::get_num_threads();
  const bool dnnl = gemm_dnnl_enabled();
  std::mt19937 rng(77);
  for (const bool use_dnnl : {true, false}) {
    set_gemm_dnnl(use_dnnl && dnnl);
    for (const int t : {1, 2}) {
      tg::set_num_threads(t);
      for (const bool a_t : {false, true})
        for (const bool b_t : {false, true})
          for (const bool c_t : {false, true}) {
            if (kReducedSweep && (a_t || c_t)) continue;
            SCOPED_TRACE(testing::Message() << "oneDNN " << use_dnnl << " threads " << t);
            EXPECT_EQ(check_one<float>(257, 300, 261, {a_t, b_t, c_t, 3}, 1.0, 0.0, rng), "");
          }
      EXPECT_EQ(check_one<float>(300, 257, 263, {true, false, false, 0}, -0.5, 1.0, rng), "");
      EXPECT_EQ(check_one<float>(300, 0, 263, {false, true, false, 0}, 1.0, 0.0, rng), "");
      EXPECT_EQ(check_one<float>(300, 301, 0, {false, true, false, 0}, 1.0, 0.5, rng), "");
    }
  }
  set_gemm_dnnl(dnnl);
  tg::set_num_threads(threads);
}

[[noreturn]] void large_gemms_then_exit() {
  set_env("TG_VERBOSE", "1");
  tg::set_num_threads(1);  // on more threads the pool splits 300³ into blocks small enough for libxsmm
  std::mt19937 rng(3);
  for (int i = 0; i < 2; ++i) {
    Matrix<float> a = random_matrix<float>(300, 300, false, 0, rng);
    Matrix<float> c = random_matrix<float>(300, 300, false, 0, rng);
    gemm(kFloat32, 1.0, a.view, a.view, 0.0, c.view);
  }
  std::fprintf(stderr, "done\n");
  std::exit(0);
}

TEST_F(BlisKernels, VerboseLogsThatLargeFloatGemmsUseOneDnnOnce) {
  if (!dnnl_runs()) GTEST_SKIP() << "built without oneDNN, TG_DNNL=0, or the baseline instruction-set level";
  EXPECT_EXIT(
      large_gemms_then_exit(), ::testing::ExitedWithCode(0),
      "^tapegrad: BLIS kernels [^\n]+\ntapegrad: large float32 GEMMs use oneDNN [0-9.]+ \\(dnnl_sgemm\\)\n"
      "done\n$");
}

TEST(BlisGemm, KernelSetIsNamed) {
  const std::string set = gemm_kernel_set();
  EXPECT_FALSE(set.empty());
  EXPECT_EQ(set, gemm_kernel_set());
}

}  // namespace
}  // namespace tg::kernels
