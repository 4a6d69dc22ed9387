// tapegrad's dot-product kernel alone on shapes from L1-resident (6x4x784: one tile) to L3-sized, 64-byte
// aligned operands: the kernel's ceiling (bench/notes/dot_gemm.md, limits.md). Not part of the build:
//   g++ -std=c++20 -O2 -Ibuild/release/include bench/notes/dot_gemm_probe.cpp -Lbuild/release -ltapegrad \
//       -Wl,-rpath,$PWD/build/release -o probe
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <tapegrad/autograd/kernels/dot_gemm.hpp>
using namespace tg::kernels;
int main() {
  struct S {
    long m, n, k;
  } shapes[] = {{6, 4, 784},    {6, 8, 784},    {6, 32, 784},    {6, 128, 784}, {64, 4, 784},
                {64, 128, 784}, {12, 128, 784}, {256, 512, 784}, {6, 4, 128},   {6, 4, 2048}};
  for (auto s : shapes) {
    auto al = [](long n) {
      float* p = (float*)aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
      for (long i = 0; i < n; ++i) p[i] = 0.5f;
      return p;
    };
    float *a = al(s.m * s.k), *b = al(s.n * s.k), *c = al(s.m * s.n);
    MatrixView av{a, s.m, s.k, s.k, 1}, bv{b, s.k, s.n, 1, s.k}, cv{c, s.m, s.n, s.n, 1};
    double flops = 2.0 * s.m * s.n * s.k;
    int calls = std::max(1, int(2e7 / flops));
    std::vector<double> t;
    for (int r = 0; r < 15; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < calls; ++i) dot_gemm(tg::kFloat32, 1.0, av, bv, 0.0, cv, 1);
      t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls);
    }
    std::sort(t.begin(), t.end());
    std::printf("%4ld x %4ld x %5ld: %8.3f us  %6.1f GFLOP/s\n", s.m, s.n, s.k, t[7] * 1e6,
                flops / t[7] * 1e-9);
  }
}
