#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/kernels/fast_math.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/swiglu.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace {

// d/da = g b s (1 + a (1 - s)) and d/db = g a s with s = sigmoid(a), in one pass over same-sized
// contiguous a, b and g.
struct FusedGrads {
  Tensor da, db;
};

FusedGrads fused_grads(const Tensor& grad, const Tensor& a, const Tensor& b, bool want_a, bool want_b) {
  const Tensor g = grad.contiguous(), x = a.detach().contiguous(), y = b.detach().contiguous();
  FusedGrads result{detail::make_contiguous(a.sizes(), a.dtype()),
                    detail::make_contiguous(b.sizes(), b.dtype())};
  kernels::dispatch_floating("silu_mul_backward", a.dtype(), [&]<class T>() {
    const T* pg = g.data_ptr<T>();
    const T* pa = x.data_ptr<T>();
    const T* pb = y.data_ptr<T>();
    T* da = result.da.data_ptr<T>();
    T* db = result.db.data_ptr<T>();
    kernels::parallel_for(a.numel(), a.numel() >= kernels::kParallelThreshold, [=](std::int64_t i) {
      const T s = kernels::fast::sigmoid(pa[i]);
      const T gs = pg[i] * s;
      da[i] = gs * pb[i] * (T(1) + pa[i] * (T(1) - s));
      db[i] = gs * pa[i];
    });
  });
  if (!want_a) result.da = Tensor();
  if (!want_b) result.db = Tensor();
  return result;
}

struct SiluMulBackward final : Node {
  SavedTensor a, b;
  std::string_view name() const override { return "SiluMulBackward"; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor x = a.unpack(*this), y = b.unpack(*this);
    const Tensor& g = grads[0];
    if (!GradMode::is_enabled() && x.sizes() == y.sizes() && g.sizes() == x.sizes()) {
      FusedGrads fused = fused_grads(g, x, y, needs_input_grad(0), needs_input_grad(1));
      return {fused.da, fused.db};
    }
    // Broadcast inputs, or create_graph: the same formulas from differentiable ops.
    const Tensor s = sigmoid(x);
    tensor_list result(2);
    if (needs_input_grad(0)) result[0] = sum_to(g * y * s * (x * (1.0 - s) + 1.0), x.sizes());
    if (needs_input_grad(1)) result[1] = sum_to(g * x * s, y.sizes());
    return result;
  }
};

}  // namespace

Tensor silu_mul(const Tensor& a, const Tensor& b) {
  detail::check_floating("silu_mul", "a", a);
  detail::check_floating("silu_mul", "b", b);
  Tensor out =
      kernels::zip("silu_mul", a, b, [](auto x, auto y) { return x * kernels::fast::sigmoid(x) * y; });
  if (auto* node = record<SiluMulBackward>({a, b}, {out})) {
    node->a = SavedTensor(a, false);
    node->b = SavedTensor(b, false);
  }
  return out;
}

}  // namespace tg
