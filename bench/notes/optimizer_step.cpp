// One optimizer step on a single 64 MiB float32 parameter ([4096, 4096]) with a gradient: median and best
// of 15 steps after one warm-up step, and GB/s of the minimal traffic (SGD with momentum reads p, g, buf
// and writes p, buf: 20 B/element; Adam reads p, g, m, v and writes p, m, v: 28). Used for
// bench/notes/elementwise.md; build against a tapegrad build tree:
//   g++ -O2 -std=c++20 -march=native bench/notes/optimizer_step.cpp -Ibuild/rel/include -Lbuild/rel
//   -ltapegrad \
//       -Wl,-rpath,$PWD/build/rel -o build/rel/optimizer_step && build/rel/optimizer_step 1
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace {

using tg::optim::Optimizer;

struct Kind {
  const char* name;
  double bytes_per_element;
  std::function<std::unique_ptr<Optimizer>(const tg::Tensor&)> make;
};

std::vector<Kind> kinds() {
  using namespace tg::optim;
  return {
      {"sgd_momentum", 20,
       [](const tg::Tensor& p) {
         return std::make_unique<SGD>(tg::tensor_list{p}, SGDOptions(0.01).momentum(0.9));
       }},
      {"sgd_nesterov_wd", 20,
       [](const tg::Tensor& p) {
         return std::make_unique<SGD>(tg::tensor_list{p},
                                      SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(1e-4));
       }},
      {"adam", 28,
       [](const tg::Tensor& p) { return std::make_unique<Adam>(tg::tensor_list{p}, AdamOptions(1e-3)); }},
      {"adamw", 28,
       [](const tg::Tensor& p) { return std::make_unique<AdamW>(tg::tensor_list{p}, AdamWOptions(1e-3)); }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  tg::set_num_threads(threads);
  tg::manual_seed(0);
  constexpr std::int64_t kSide = 4096;
  const double elements = static_cast<double>(kSide * kSide);
  for (const Kind& kind : kinds()) {
    const tg::Tensor param = tg::randn({kSide, kSide}).requires_grad_();
    param.mutable_grad() = tg::randn({kSide, kSide});
    const auto optimizer = kind.make(param);
    optimizer->step();  // creates the state
    std::vector<double> seconds;
    for (int repetition = 0; repetition < 15; ++repetition) {
      const auto start = std::chrono::steady_clock::now();
      optimizer->step();
      seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];
    std::printf("%-16s threads %d  median %7.2f ms  best %7.2f ms  %5.1f GB/s\n", kind.name, threads,
                median * 1e3, seconds.front() * 1e3, kind.bytes_per_element * elements / median * 1e-9);
  }
  return 0;
}
