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

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/threads.hpp>

namespace tg::kernels {
namespace {

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

// Runs one GEMM and compares every element with a long-double loop; returns the failures as text.
template <class T>
std::string check_one(std::int64_t m, std::int64_t n, std::int64_t k, const Layouts& layouts, double alpha,
                      double beta, std::mt19937& rng) {
  Matrix<T> a = random_matrix<T>(m, k, layouts.a_transposed, layouts.pad, rng);
  Matrix<T> b = random_matrix<T>(k, n, layouts.b_transposed, layouts.pad, rng);
  Matrix<T> c = random_matrix<T>(m, n, layouts.c_transposed, layouts.pad, rng);
  const std::vector<T> c_before = c.data;
  const MatrixView c_old{c_before.data(), m, n, c.view.row_stride, c.view.col_stride};
  gemm(std::is_same_v<T, float> ? kFloat32 : kFloat64, alpha, a.view, b.view, beta, c.view);
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
        failures += check_one<float>(s.m, s.n, s.k, l, 1.0, 0.0, rng);
        failures += check_one<double>(s.m, s.n, s.k, l, 1.0, 0.0, rng);
      }
    for (const Shape& s : {shapes[4], shapes[9], shapes[13]}) {
      failures += check_one<float>(s.m, s.n, s.k, layouts[1], -1.5, 0.5, rng);
      failures += check_one<double>(s.m, s.n, s.k, layouts[2], 0.25, 1.0, rng);
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
      "^tapegrad: BLIS kernels [a-z0-9]+ \\([^)\n]+\\)\nkernel set: [a-z0-9]+\n$");
  EXPECT_EXIT(report_kernel_set("generic", "1"), ::testing::ExitedWithCode(0),
              "tapegrad: BLIS kernels generic \\(BLIS_ARCH_TYPE=generic from the environment\\)");
}

TEST_F(BlisKernels, QuietWithoutVerbose) {
  EXPECT_EXIT(report_kernel_set(nullptr, nullptr), ::testing::ExitedWithCode(0), "^kernel set: [a-z0-9]+\n$");
}

// Every kernel set the policy may choose, including the ones with a sup path (zen3, haswell), must give
// the naive loop's results on every path: plain loop, sup, packed, one and two threads. The set this
// process runs is checked in-process below.
TEST_F(BlisKernels, ResultsMatchANaiveLoopUnderEveryKernelSet) {
  EXPECT_EXIT(run_sweep_under("generic"), ::testing::ExitedWithCode(0), "kernel set: generic\n$");
  if (cpu.avx2_fma) {
    EXPECT_EXIT(run_sweep_under("zen3"), ::testing::ExitedWithCode(0), "kernel set: zen3\n$");
    EXPECT_EXIT(run_sweep_under("haswell"), ::testing::ExitedWithCode(0), "kernel set: haswell\n$");
  }
  if (cpu.avx512 && expected_kernel_set(cpu) != "skx") {
    EXPECT_EXIT(run_sweep_under("skx"), ::testing::ExitedWithCode(0), "kernel set: skx\n$");
  }
}

// The same sweep in this process, whichever set it runs.
TEST(BlisGemm, ResultsMatchANaiveLoop) {
  const int threads = tg::get_num_threads();
  EXPECT_EQ(check_sweep(), "");
  tg::set_num_threads(threads);
}

TEST(BlisGemm, KernelSetIsNamed) {
  const std::string set = gemm_kernel_set();
  EXPECT_FALSE(set.empty());
  EXPECT_EQ(set, gemm_kernel_set());
}

}  // namespace
}  // namespace tg::kernels
