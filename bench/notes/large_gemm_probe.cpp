// Step (c)'s GEMMs (MLP 1024-4096-4096-1024, batch 1024; row-major like tapegrad) on every large-GEMM
// candidate, interleaved in one process so that all of them see the same load: BLIS with its autodetected
// kernel set (zen3 on Zen4) and with skx, BLIS with other cache blocksizes and with the 2-thread split
// forced onto the jc or the ic loop, OpenBLAS 0.3.21 (OpenMP build) with three core types, oneDNN 2.6.3's
// dnnl_sgemm and its matmul primitive (one cached primitive per shape), and the FP32 FMA peak.
// Evidence for bench/notes/large_gemm.md, not part of the build:
//   g++ -std=c++20 -O2 -I/usr/include/x86_64-linux-gnu/blis-openmp bench/notes/large_gemm_probe.cpp \
//       /usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4 -ldnnl -ldl -fopenmp -o /tmp/large_gemm_probe
//   /tmp/large_gemm_probe <threads> <repetitions> [c|b]   (step (c)'s shapes by default, or step (b)'s)
// Several instances of one library live side by side because BLIS and OpenBLAS choose their kernels once
// per loaded copy (BLIS from BLIS_ARCH_TYPE at bli_init, OpenBLAS from OPENBLAS_CORETYPE when it loads):
// the probe copies the .so to /tmp under another name and dlopens it with RTLD_DEEPBIND after setting the
// variable. The linked libblis is the autodetected instance.
#include <blis.h>
#include <dlfcn.h>
#include <immintrin.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Shape {
  const char* what;
  dim_t m, n, k;
  char layout;  // 'X': C = A·Bᵀ (forward), 'N': C = A·B (input grad), 'T': C = Aᵀ·B (weight grad)
};

// Per layer (batch M=1024, out N, in K): forward M×N×K NT, input grad M×K×N NN, weight grad N×K×M TN.
// The first layer has no input grad (the data needs none).
const std::vector<Shape> kStepC = {
    {"L1 fwd", 1024, 4096, 1024, 'X'}, {"L1 dW", 4096, 1024, 1024, 'T'}, {"L2 fwd", 1024, 4096, 4096, 'X'},
    {"L2 dX", 1024, 4096, 4096, 'N'},  {"L2 dW", 4096, 4096, 1024, 'T'}, {"L3 fwd", 1024, 1024, 4096, 'X'},
    {"L3 dX", 1024, 4096, 1024, 'N'},  {"L3 dW", 1024, 4096, 1024, 'T'},
};
// Step (b) (784-512-512-10, batch 256), the two large layers; the N = 10 layer is libxsmm/dot_gemm land.
const std::vector<Shape> kStepB = {
    {"L1 fwd", 256, 512, 784, 'X'}, {"L1 dW", 512, 784, 256, 'T'}, {"L2 fwd", 256, 512, 512, 'X'},
    {"L2 dX", 256, 512, 512, 'N'},  {"L2 dW", 512, 512, 256, 'T'},
};

struct Operands {
  const float* a;
  const float* b;
  float* c;
  inc_t rsa, csa, rsb, csb;  // BLIS strides
  bool ta, tb;               // row-major transposes for (c)blas-style calls
  dim_t lda, ldb;
};

Operands operands_for(const Shape& s, const float* a, const float* b, float* c) {
  Operands o{a, b, c, s.k, 1, s.n, 1, false, false, s.k, s.n};
  if (s.layout == 'T') o = {a, b, c, 1, s.m, s.n, 1, true, false, s.m, s.n};  // A stored [k, m]
  if (s.layout == 'X') o = {a, b, c, s.k, 1, 1, s.k, false, true, s.k, s.k};  // B stored [n, k]
  return o;
}

// ---- BLIS instances
struct Blis {
  decltype(&bli_init) init;
  decltype(&bli_gks_query_cntx) query_cntx;
  decltype(&bli_rntm_init_from_global) rntm_init_from_global;
  decltype(&bli_sgemm_ex) sgemm_ex;
  decltype(&bli_arch_string) arch_string;
  decltype(&bli_arch_query_id) arch_query_id;
};

template <class F>
F symbol(void* handle, const char* name) {
  void* p = dlsym(handle, name);
  if (p == nullptr) {
    std::fprintf(stderr, "missing %s: %s\n", name, dlerror());
    std::exit(1);
  }
  return reinterpret_cast<F>(p);
}

void* load_copy(const char* original, const std::string& copy) {
  const std::string command = "cp -f " + std::string(original) + " " + copy;
  if (std::system(command.c_str()) != 0) std::exit(1);
  void* handle = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) {
    std::fprintf(stderr, "dlopen %s: %s\n", copy.c_str(), dlerror());
    std::exit(1);
  }
  return handle;
}

Blis linked_blis() {
  return {bli_init,     bli_gks_query_cntx, bli_rntm_init_from_global,
          bli_sgemm_ex, bli_arch_string,    bli_arch_query_id};
}

Blis blis_copy(const char* arch_id, const std::string& copy) {
  setenv("BLIS_ARCH_TYPE", arch_id, 1);
  void* h = load_copy("/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4", copy);
  Blis blis{symbol<decltype(Blis::init)>(h, "bli_init"),
            symbol<decltype(Blis::query_cntx)>(h, "bli_gks_query_cntx"),
            symbol<decltype(Blis::rntm_init_from_global)>(h, "bli_rntm_init_from_global"),
            symbol<decltype(Blis::sgemm_ex)>(h, "bli_sgemm_ex"),
            symbol<decltype(Blis::arch_string)>(h, "bli_arch_string"),
            symbol<decltype(Blis::arch_query_id)>(h, "bli_arch_query_id")};
  blis.init();
  unsetenv("BLIS_ARCH_TYPE");
  return blis;
}

cntx_t with_blocksizes(cntx_t base, long mc, long kc, long nc) {
  auto set = [&](bszid_t id, long value) {
    if (value == 0) return;
    blksz_t* b = bli_cntx_get_blksz(id, &base);
    bli_blksz_set_def(value, BLIS_FLOAT, b);
    bli_blksz_set_max(value, BLIS_FLOAT, b);
  };
  set(BLIS_MC, mc);
  set(BLIS_KC, kc);
  set(BLIS_NC, nc);
  return base;
}

void blis_call(const Blis& blis, cntx_t* cntx, int threads, const int* ways, const Shape& s,
               const Operands& o) {
  rntm_t rntm;
  blis.rntm_init_from_global(&rntm);
  if (ways != nullptr)
    bli_rntm_set_ways(ways[0], ways[1], ways[2], ways[3], ways[4], &rntm);
  else
    bli_rntm_set_num_threads(threads, &rntm);
  bli_rntm_disable_l3_sup(&rntm);
  float one = 1, zero = 0;
  blis.sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, s.m, s.n, s.k, &one, const_cast<float*>(o.a), o.rsa,
                o.csa, const_cast<float*>(o.b), o.rsb, o.csb, &zero, o.c, s.n, 1, cntx, &rntm);
}

// ---- OpenBLAS instances
using CblasSgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                            float*, int);
struct OpenBlas {
  CblasSgemm sgemm;
  void (*set_threads)(int);
  std::string core;
};

OpenBlas openblas_copy(const char* coretype) {
  setenv("OPENBLAS_CORETYPE", coretype, 1);
  void* h = load_copy("/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so",
                      std::string("/tmp/large_gemm_probe_openblas_") + coretype + ".so");
  unsetenv("OPENBLAS_CORETYPE");
  return {symbol<CblasSgemm>(h, "cblas_sgemm"), symbol<void (*)(int)>(h, "openblas_set_num_threads"),
          symbol<char* (*)()>(h, "openblas_get_corename")()};
}

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

// ---- oneDNN matmul, one primitive per shape
struct DnnlMatmul {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::map<const Shape*, dnnl::matmul> cache;

  void run(const Shape& s, const Operands& o) {
    using dnnl::memory;
    const memory::desc a_md({s.m, s.k}, memory::data_type::f32, memory::dims{o.rsa, o.csa});
    const memory::desc b_md({s.k, s.n}, memory::data_type::f32, memory::dims{o.rsb, o.csb});
    const memory::desc c_md({s.m, s.n}, memory::data_type::f32, memory::dims{s.n, 1});
    auto it = cache.find(&s);
    if (it == cache.end())
      it = cache.emplace(&s, dnnl::matmul(dnnl::matmul::primitive_desc({a_md, b_md, c_md}, engine))).first;
    memory a(a_md, engine, const_cast<float*>(o.a)), b(b_md, engine, const_cast<float*>(o.b)),
        c(c_md, engine, o.c);
    it->second.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
  }
};

// ---- FP32 FMA peak: 16 independent 512-bit chains per thread
__attribute__((target("avx512f"), noinline)) float fma_chains(long iterations) {
  __m512 acc[16];
  for (int c = 0; c < 16; ++c) acc[c] = _mm512_set1_ps(0.01f * c);
  const __m512 a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-4f);
  for (long i = 0; i < iterations; ++i)
#pragma GCC unroll 16
    for (int c = 0; c < 16; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  for (int c = 1; c < 16; ++c) acc[0] = _mm512_add_ps(acc[0], acc[c]);
  return _mm512_reduce_add_ps(acc[0]);
}

double peak_gflops(int threads) {
  const long iterations = 20'000'000;
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    volatile float sink = 0;
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    sink = sink + fma_chains(iterations);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, threads * iterations * 16.0 * 16 * 2 / s * 1e-9);
  }
  return best;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

struct Candidate {
  std::string name;
  std::function<void(const Shape&, const Operands&)> run;
};

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int repetitions = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::vector<Shape>& kShapes = argc > 3 && argv[3][0] == 'b' ? kStepB : kStepC;
  std::printf("load at start: %s\n", loadavg().c_str());

  unsetenv("BLIS_ARCH_TYPE");
  Blis autodetected = linked_blis();
  autodetected.init();
  Blis skx = blis_copy("0", "/tmp/large_gemm_probe_blis_skx.so");
  cntx_t auto_cntx = *autodetected.query_cntx(), skx_cntx = *skx.query_cntx();
  const std::string auto_name = autodetected.arch_string(autodetected.arch_query_id());
  auto describe = [](const char* name, cntx_t c) {
    auto get = [&](bszid_t id) { return (long)bli_cntx_get_blksz_def_dt(BLIS_FLOAT, id, &c); };
    std::printf("BLIS %s float MR %ld NR %ld MC %ld KC %ld NC %ld\n", name, get(BLIS_MR), get(BLIS_NR),
                get(BLIS_MC), get(BLIS_KC), get(BLIS_NC));
  };
  describe(auto_name.c_str(), auto_cntx);
  describe(skx.arch_string(skx.arch_query_id()), skx_cntx);
  // Zen4: 32 KiB L1d, 1 MiB L2 per core, 32 MiB L3 (VM: as reported by lscpu). zen3's float default
  // packs a 168×256 block of A (168 KiB) for a 1 MiB L2; these try larger L2 / L3 blocks.
  static cntx_t zen3_mc240_kc512 = with_blocksizes(auto_cntx, 240, 512, 0);
  static cntx_t zen3_mc144_kc384 = with_blocksizes(auto_cntx, 144, 384, 0);
  static cntx_t zen3_kc512_nc8160 = with_blocksizes(auto_cntx, 0, 512, 8160);
  static cntx_t skx_mc240_kc512 = with_blocksizes(skx_cntx, 256, 512, 0);

  std::vector<OpenBlas> openblas;
  for (const char* core : {"SkylakeX", "Zen", "Haswell"}) openblas.push_back(openblas_copy(core));
  for (auto& ob : openblas) ob.set_threads(threads);
  omp_set_num_threads(threads);
  DnnlMatmul matmul;

  static const int jc2[5] = {2, 1, 1, 1, 1}, ic2[5] = {1, 1, 2, 1, 1};
  std::vector<Candidate> candidates;
  auto blis_candidate = [&](std::string name, Blis blis, cntx_t* cntx, const int* ways) {
    candidates.push_back({std::move(name), [blis, cntx, ways, threads](const Shape& s, const Operands& o) {
                            blis_call(blis, cntx, threads, ways, s, o);
                          }});
  };
  blis_candidate("blis " + auto_name, autodetected, nullptr, nullptr);
  blis_candidate("blis " + auto_name + " MC240 KC512", autodetected, &zen3_mc240_kc512, nullptr);
  blis_candidate("blis " + auto_name + " MC144 KC384", autodetected, &zen3_mc144_kc384, nullptr);
  blis_candidate("blis " + auto_name + " KC512 NC8160", autodetected, &zen3_kc512_nc8160, nullptr);
  if (threads == 2) {
    blis_candidate("blis " + auto_name + " jc2", autodetected, nullptr, jc2);
    blis_candidate("blis " + auto_name + " ic2", autodetected, nullptr, ic2);
  }
  blis_candidate("blis skx", skx, nullptr, nullptr);
  blis_candidate("blis skx MC256 KC512", skx, &skx_mc240_kc512, nullptr);
  for (const auto& ob : openblas)
    candidates.push_back({"openblas " + ob.core, [ob](const Shape& s, const Operands& o) {
                            ob.sgemm(kRowMajor, o.ta ? kTrans : kNoTrans, o.tb ? kTrans : kNoTrans, s.m, s.n,
                                     s.k, 1.0f, o.a, o.lda, o.b, o.ldb, 0.0f, o.c, s.n);
                          }});
  candidates.push_back({"dnnl_sgemm", [](const Shape& s, const Operands& o) {
                          dnnl_sgemm(o.ta ? 'T' : 'N', o.tb ? 'T' : 'N', s.m, s.n, s.k, 1.0f, o.a, o.lda, o.b,
                                     o.ldb, 0.0f, o.c, s.n);
                        }});
  candidates.push_back({"dnnl matmul", [&matmul](const Shape& s, const Operands& o) { matmul.run(s, o); }});

  const std::size_t most = 4096 * 4096;
  std::vector<float> a(most), b(most), c(most), reference(most);
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> uniform(-1, 1);
  for (auto* v : {&a, &b})
    for (float& x : *v) x = uniform(rng);

  // Warm-up and check: every candidate's C against BLIS's (relative max difference).
  for (const Shape& s : kShapes) {
    const Operands o = operands_for(s, a.data(), b.data(), c.data());
    candidates[0].run(s, o);
    std::copy(c.begin(), c.begin() + s.m * s.n, reference.begin());
    for (std::size_t i = 1; i < candidates.size(); ++i) {
      std::fill(c.begin(), c.begin() + s.m * s.n, 7.0f);
      candidates[i].run(s, o);
      double worst = 0;
      for (dim_t e = 0; e < s.m * s.n; ++e)
        worst =
            std::max(worst, std::fabs(double(c[e]) - reference[e]) / (1 + std::fabs(double(reference[e]))));
      if (worst > 1e-3) std::printf("MISMATCH %s on %s: %g\n", candidates[i].name.c_str(), s.what, worst);
    }
  }
  std::printf("checked; load after warm-up: %s\n", loadavg().c_str());

  // seconds[candidate][shape], repetitions interleaved: rep -> shape -> candidate.
  std::vector<std::vector<std::vector<double>>> seconds(candidates.size(),
                                                        std::vector<std::vector<double>>(std::size(kShapes)));
  for (int rep = 0; rep < repetitions; ++rep)
    for (std::size_t si = 0; si < std::size(kShapes); ++si) {
      const Operands o = operands_for(kShapes[si], a.data(), b.data(), c.data());
      for (std::size_t ci = 0; ci < candidates.size(); ++ci) {
        const Shape& s = kShapes[si];
        const int calls = std::max(1, int(2e8 / (2.0 * s.m * s.n * s.k)));  // >= ~2 ms per sample
        const auto t0 = std::chrono::steady_clock::now();
        for (int call = 0; call < calls; ++call) candidates[ci].run(s, o);
        seconds[ci][si].push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls);
      }
    }
  const double peak = peak_gflops(threads);
  std::printf("load at end: %s\nFP32 FMA peak, %d thread(s): %.1f GFLOP/s\n", loadavg().c_str(), threads,
              peak);

  std::printf("\n%-26s", "GFLOP/s (median)");
  for (const Shape& s : kShapes) std::printf(" | %-6s %c", s.what, s.layout);
  std::printf(" | step (c) GEMMs: ms, GFLOP/s, %% peak\n");
  for (std::size_t ci = 0; ci < candidates.size(); ++ci) {
    std::printf("%-26s", candidates[ci].name.c_str());
    double total_s = 0, total_flops = 0;
    for (std::size_t si = 0; si < std::size(kShapes); ++si) {
      auto v = seconds[ci][si];
      std::sort(v.begin(), v.end());
      const double median = v[v.size() / 2], flops = 2.0 * kShapes[si].m * kShapes[si].n * kShapes[si].k;
      total_s += median;
      total_flops += flops;
      std::printf(" | %8.1f", flops / median * 1e-9);
    }
    std::printf(" | %7.1f %6.1f %5.1f%%\n", total_s * 1e3, total_flops / total_s * 1e-9,
                100 * total_flops / total_s * 1e-9 / peak);
  }
}
