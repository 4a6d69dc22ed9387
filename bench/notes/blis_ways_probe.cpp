// Raw BLIS (skx kernels) on 2 threads: automatic split vs both threads on the jc loop vs on the ic loop,
// alternating, for the training-step shapes (X: C = A·Bᵀ, T: C = Aᵀ·B, N: C = A·B). Evidence for
// bench/notes/limits.md, not part of the build; build as blis_blocksizes_probe.cpp, run with
// OMP_NUM_THREADS=2.
#include <blis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
struct Shape {
  dim_t m, n, k;
  char lay;
};
int main() {
  setenv("BLIS_ARCH_TYPE", "0", 1);
  bli_init();
  Shape shapes[] = {{256, 512, 512, 'N'},    {512, 512, 256, 'T'},    {512, 784, 256, 'T'},
                    {256, 512, 784, 'X'},    {256, 512, 512, 'X'},    {1024, 4096, 1024, 'X'},
                    {1024, 1024, 4096, 'N'}, {4096, 1024, 1024, 'T'}, {1024, 4096, 4096, 'N'},
                    {4096, 4096, 1024, 'T'}, {64, 128, 784, 'X'},     {128, 784, 64, 'T'}};
  for (auto s : shapes) {
    std::vector<float> A(s.m * s.k, 0.5f), B(s.k * s.n, 0.25f), C(s.m * s.n);
    inc_t rsa = s.k, csa = 1, rsb = s.n, csb = 1;
    if (s.lay == 'T') {
      rsa = 1;
      csa = s.m;
    }
    if (s.lay == 'X') {
      rsb = 1;
      csb = s.k;
    }
    double flops = 2.0 * s.m * s.n * s.k;
    int calls = std::max(1, int(4e8 / flops));
    const int ways[3][5] = {{0, 0, 0, 0, 0}, {2, 1, 1, 1, 1}, {1, 1, 2, 1, 1}};
    std::vector<double> t[3];
    for (int rep = 0; rep < 7; ++rep)
      for (int w = 0; w < 3; ++w) {
        rntm_t rntm;
        bli_rntm_init_from_global(&rntm);
        if (w == 0)
          bli_rntm_set_num_threads(2, &rntm);
        else
          bli_rntm_set_ways(ways[w][0], ways[w][1], ways[w][2], ways[w][3], ways[w][4], &rntm);
        bli_rntm_disable_l3_sup(&rntm);
        float one = 1, zero = 0;
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < calls; ++i)
          bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, s.m, s.n, s.k, &one, A.data(), rsa, csa,
                       B.data(), rsb, csb, &zero, C.data(), s.n, 1, NULL, &rntm);
        t[w].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls);
      }
    for (auto& v : t) std::sort(v.begin(), v.end());
    std::printf("%5ld x %5ld x %5ld %c: auto %6.1f  jc2 %6.1f  ic2 %6.1f GFLOP/s\n", s.m, s.n, s.k, s.lay,
                flops / t[0][3] * 1e-9, flops / t[1][3] * 1e-9, flops / t[2][3] * 1e-9);
  }
}
