#include <tapegrad/autograd/ops/pointwise.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>

namespace tg::detail {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;

// ---- keep_where: d/dvalues = the same mask (a constant), summed back over broadcast dims.
struct KeepWhereBackward final : Node {
  SavedTensor mask;
  std::string_view name() const override { return "KeepWhereBackward"; }
  void release_saved() override { mask.reset(); }
  tensor_list apply(tensor_list&& g) override {
    return {sum_to(keep_where(g[0], mask.unpack(*this)), input_meta()[0].sizes)};
  }
};

Tensor keep_where(const Tensor& values, const Tensor& mask) {
  Tensor out =
      kernels::zip("keep_where", values, mask, [](auto v, auto m) { return m != 0 ? v : decltype(v)(0); });
  if (auto* node = record<KeepWhereBackward>({values}, {out})) node->mask = SavedTensor(mask, false);
  return out;
}

}  // namespace tg::detail
