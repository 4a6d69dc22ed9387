// Raw BLIS (skx kernels) with other cache blocksizes: copies BLIS's context, sets MC/KC/NC for float, and
// times NN, NT and TN at one shape (median of 5). Evidence for bench/notes/limits.md, not part of the build:
//   g++ -std=c++20 -O2 -I/usr/include/x86_64-linux-gnu/blis-openmp blis_blocksizes_probe.cpp \
//       /usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4 -fopenmp -o probe
//   OMP_NUM_THREADS=1 ./probe 1024 4096 1024  0 0 0  480 512 0  384 512 0  480 256 0  (MC KC NC triples, 0 =
//   default)
#include <blis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
static double timeit(cntx_t* cntx, dim_t m, dim_t n, dim_t k, float* a, inc_t rsa, inc_t csa, float* b,
                     inc_t rsb, inc_t csb, float* c) {
  float one = 1, zero = 0;
  rntm_t rntm;
  bli_rntm_init_from_global(&rntm);
  bli_rntm_set_num_threads(1, &rntm);
  bli_rntm_disable_l3_sup(&rntm);
  std::vector<double> t;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    bli_sgemm_ex(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, m, n, k, &one, a, rsa, csa, b, rsb, csb, &zero, c, n,
                 1, cntx, &rntm);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return 2.0 * m * n * k / t[2] * 1e-9;
}
int main(int argc, char** argv) {
  setenv("BLIS_ARCH_TYPE", "0", 1);
  bli_init();
  cntx_t base = *bli_gks_query_cntx();
  auto get = [&](bszid_t id) { return bli_cntx_get_blksz_def_dt(BLIS_FLOAT, id, &base); };
  std::printf("skx float MC %ld KC %ld NC %ld MR %ld NR %ld\n", (long)get(BLIS_MC), (long)get(BLIS_KC),
              (long)get(BLIS_NC), (long)get(BLIS_MR), (long)get(BLIS_NR));
  dim_t m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  std::vector<float> A(m * k, 0.5f), B(k * n, 0.25f), C(m * n);
  for (int i = 4; i + 2 < argc + 1 && i + 2 <= argc; i += 3) {
    cntx_t cntx = base;
    long mc = atol(argv[i]), kc = atol(argv[i + 1]), nc = atol(argv[i + 2]);
    if (mc) {
      blksz_t* b = bli_cntx_get_blksz(BLIS_MC, &cntx);
      bli_blksz_set_def(mc, BLIS_FLOAT, b);
      bli_blksz_set_max(mc, BLIS_FLOAT, b);
    }
    if (kc) {
      blksz_t* b = bli_cntx_get_blksz(BLIS_KC, &cntx);
      bli_blksz_set_def(kc, BLIS_FLOAT, b);
      bli_blksz_set_max(kc, BLIS_FLOAT, b);
    }
    if (nc) {
      blksz_t* b = bli_cntx_get_blksz(BLIS_NC, &cntx);
      bli_blksz_set_def(nc, BLIS_FLOAT, b);
      bli_blksz_set_max(nc, BLIS_FLOAT, b);
    }
    double nn = timeit(&cntx, m, n, k, A.data(), k, 1, B.data(), n, 1, C.data());
    double nt = timeit(&cntx, m, n, k, A.data(), k, 1, B.data(), 1, k, C.data());
    double tn = timeit(&cntx, m, n, k, A.data(), 1, m, B.data(), n, 1, C.data());
    std::printf("MC %4ld KC %4ld NC %5ld: NN %6.1f NT %6.1f TN %6.1f GFLOP/s\n", mc, kc, nc, nn, nt, tn);
  }
}
