#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/blis_gemm.hpp>
#include <tapegrad/autograd/kernels/elementwise.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/matmul.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/shape.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

namespace detail {
namespace {

kernels::MatrixView matrix_view(const Tensor& m) {
  return {m.raw_data(), m.size(0), m.size(1), m.stride(0), m.stride(1)};
}

// BLIS reads any view with one unit stride (a transposed view included) without a copy.
Tensor readable(const Tensor& m) {
  if (kernels::gemm_accepts(matrix_view(m))) return m;
  Tensor copy = make_contiguous(m.sizes(), m.dtype());
  kernels::copy(copy, m);
  return copy;
}

}  // namespace

void gemm_into(const Tensor& c, const Tensor& a, const Tensor& b, double beta) {
  const Tensor ra = readable(a), rb = readable(b);
  kernels::gemm(c.dtype(), 1.0, matrix_view(ra), matrix_view(rb), beta, matrix_view(c));
}

}  // namespace detail

namespace {

void check_operands(std::string_view op, const Tensor& a, const Tensor& b) {
  detail::check_floating(op, "self", a);
  detail::check_floating(op, "other", b);
  check(a.dtype() == b.dtype(), op, "dtypes ", a.dtype(), " and ", b.dtype(),
        " differ; convert one with .to(", a.dtype(), ")");
}

void check_inner(std::string_view op, const Tensor& a, const Tensor& b) {
  check(a.size(-1) == b.size(-2), op, "cannot multiply ", a.sizes(), " by ", b.sizes(), ": inner sizes ",
        a.size(-1), " and ", b.size(-2), " differ");
}

Tensor batch(const Tensor& m, std::int64_t index) {
  if (m.dim() == 2) return m;
  const std::int64_t i = m.size(0) == 1 ? 0 : index;
  return detail::make_view(m, {m.size(1), m.size(2)}, {m.stride(1), m.stride(2)},
                           m.storage_offset() + i * m.stride(0));
}

}  // namespace

// ---- matmul (2-D and batched): dA = G·Bᵀ, dB = Aᵀ·G, each summed back over broadcast batches.
struct MatmulBackward final : Node {
  SavedTensor a, b;
  std::string_view name_ = "MmBackward";
  std::string_view name() const override { return name_; }
  void release_saved() override {
    a.reset();
    b.reset();
  }
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(2);
    if (needs_input_grad(0))
      out[0] = sum_to(matmul(g[0], transpose(b.unpack(*this), -1, -2)), input_meta()[0].sizes);
    if (needs_input_grad(1))
      out[1] = sum_to(matmul(transpose(a.unpack(*this), -1, -2), g[0]), input_meta()[1].sizes);
    return out;
  }
};

namespace {

Tensor record_matmul(const Tensor& a, const Tensor& b, const Tensor& out, std::string_view name) {
  if (auto* node = record<MatmulBackward>({a, b}, {out})) {
    node->name_ = name;
    if (node->needs_input_grad(0)) node->b = SavedTensor(b, false);
    if (node->needs_input_grad(1)) node->a = SavedTensor(a, false);
  }
  return out;
}

Tensor matrix_product(std::string_view op, const Tensor& a, const Tensor& b) {
  check_inner(op, a, b);
  Tensor out = detail::make_contiguous({a.size(0), b.size(1)}, a.dtype());
  detail::gemm_into(out, a, b, 0.0);
  return record_matmul(a, b, out, "MmBackward");
}

Tensor batched_product(std::string_view op, const Tensor& a, const Tensor& b) {
  check_inner(op, a, b);
  const std::int64_t batch_a = a.dim() == 3 ? a.size(0) : 1, batch_b = b.dim() == 3 ? b.size(0) : 1;
  check(batch_a == batch_b || batch_a == 1 || batch_b == 1, op, "batch sizes of ", a.sizes(), " and ",
        b.sizes(), " do not broadcast (", batch_a, " vs ", batch_b, ")");
  const std::int64_t batches = batch_a == 1 ? batch_b : batch_a;  // broadcasting 1 against 0 gives 0
  Tensor out = detail::make_contiguous({batches, a.size(-2), b.size(-1)}, a.dtype());
  for (std::int64_t i = 0; i < batches; ++i) detail::gemm_into(batch(out, i), batch(a, i), batch(b, i), 0.0);
  return record_matmul(a, b, out, "BmmBackward");
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands("mm", a, b);
  check(a.dim() == 2 && b.dim() == 2, "mm", "expects two 2-D tensors, got ", a.sizes(), " and ", b.sizes());
  return matrix_product("mm", a, b);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands("bmm", a, b);
  check(a.dim() == 3 && b.dim() == 3, "bmm", "expects two 3-D tensors, got ", a.sizes(), " and ", b.sizes());
  check(a.size(0) == b.size(0), "bmm", "batch sizes of ", a.sizes(), " and ", b.sizes(), " differ");
  return batched_product("bmm", a, b);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_operands("matmul", a, b);
  const std::int64_t ra = a.dim(), rb = b.dim();
  check(ra >= 1 && rb >= 1 && ra <= 3 && rb <= 3, "matmul", "supports tensors of rank 1 to 3, got ",
        a.sizes(), " and ", b.sizes());
  if (ra == 1 && rb == 1) {
    check(a.size(0) == b.size(0), "matmul", "cannot multiply ", a.sizes(), " by ", b.sizes(),
          ": inner sizes ", a.size(0), " and ", b.size(0), " differ");
    return sum(a * b);
  }
  if (ra == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (rb == 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (ra == 2 && rb == 2) return matrix_product("matmul", a, b);
  return batched_product("matmul", a, b);
}

Tensor Tensor::matmul(const Tensor& other) const { return tg::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return tg::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return tg::bmm(*this, other); }

}  // namespace tg
