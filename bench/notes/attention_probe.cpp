// One scaled_dot_product_attention call (fused or the naive composition), for callgrind's instruction
// counts (bench/notes/attention.md). Not part of the build:
//   g++ -std=c++20 -O2 -Ibuild/release/include bench/notes/attention_probe.cpp -Lbuild/release -ltapegrad
//       -Wl,-rpath,$PWD/build/release -o build/release/attention_probe
//   TG_NUM_THREADS=1 valgrind --tool=callgrind --collect-atstart=no --toggle-collect='run_once*'
//       build/release/attention_probe fused 256 0 1
// Arguments: fused|naive, L, causal (0/1), backward (0/1). 8 heads, E = 64, float32.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <tapegrad/tapegrad.hpp>

namespace {

tg::Tensor naive_attention(const tg::Tensor& q, const tg::Tensor& k, const tg::Tensor& v, bool causal) {
  tg::Tensor scores = tg::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(q.size(-1))));
  if (causal) {
    const tg::Tensor hidden = tg::logical_not(tg::tril(tg::ones({q.size(-2), k.size(-2)}, tg::kBool)));
    scores = tg::masked_fill(scores, hidden, -std::numeric_limits<double>::infinity());
  }
  return tg::matmul(tg::softmax(scores, -1), v);
}

[[gnu::noinline]] double run_once(bool fused, const tg::Tensor& q, const tg::Tensor& k, const tg::Tensor& v,
                                  bool causal, bool backward) {
  const tg::Tensor out =
      fused ? tg::scaled_dot_product_attention(q, k, v, {}, 0.0, causal) : naive_attention(q, k, v, causal);
  if (backward) {
    const auto grads = tg::autograd::grad({out}, {q, k, v}, {tg::ones_like(out)});
    return grads[0].sum().item<double>();
  }
  return out.sum().item<double>();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return std::fprintf(stderr, "usage: attention_probe fused|naive L causal backward\n"), 2;
  const bool fused = std::strcmp(argv[1], "fused") == 0;
  const std::int64_t L = std::atoll(argv[2]);
  const bool causal = std::atoi(argv[3]) != 0, backward = std::atoi(argv[4]) != 0;
  tg::manual_seed(0);
  const tg::Tensor q = tg::randn({1, 8, L, 64}).requires_grad_(backward);
  const tg::Tensor k = tg::randn({1, 8, L, 64}).requires_grad_(backward);
  const tg::Tensor v = tg::randn({1, 8, L, 64}).requires_grad_(backward);
  run_once(fused, q, k, v, causal, backward);  // warm-up: JIT kernels, pool, allocator
  std::printf("%g\n", run_once(fused, q, k, v, causal, backward));
  return 0;
}
