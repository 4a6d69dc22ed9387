// Uses the installed package: one header, one target. Prints "consumer ok" when the gradient is right.
#include <cmath>
#include <iostream>

#include <tapegrad/tapegrad.hpp>

int main() {
  tg::set_num_threads(1);  // the public home of the thread count (autograd/parallel.hpp)
  tg::Tensor w = tg::tensor({1.0, 2.0, 3.0}, {3}, tg::dtype(tg::kFloat64).requires_grad(true));
  tg::Tensor loss = (w * w).sum();  // d/dw = 2w
  loss.backward();
  const tg::Tensor big = tg::zeros({4096});  // too large for a Storage's inline buffer: uses the allocator
  const auto grad = w.grad().to_vector<double>();
  const bool ok = std::abs(grad[0] - 2) < 1e-12 && std::abs(grad[1] - 4) < 1e-12 &&
                  std::abs(grad[2] - 6) < 1e-12 && tg::get_num_threads() == 1 &&
                  tg::allocator_stats().allocations > 0;
  std::cout << (ok ? "consumer ok" : "consumer FAILED") << " " << w.grad() << "\n";
  return ok ? 0 : 1;
}
