#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include <tapegrad/autograd/engine/node.hpp>
#include <tapegrad/autograd/engine/saved_tensor.hpp>
#include <tapegrad/autograd/kernels/dispatch.hpp>
#include <tapegrad/autograd/kernels/parallel_for.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/reduction.hpp>
#include <tapegrad/autograd/ops/rows_along_dim.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/sort.hpp>

namespace tg {
using autograd::Node;
using autograd::record;
using autograd::SavedTensor;
using detail::RowsAlongDim;

namespace {

template <class T>
bool is_nan(T value) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(value);
  return false;
}

// a < b with NaN above every number and NaNs equivalent to each other: a strict weak order, as
// std::stable_sort needs (plain < is not one once NaN is present).
template <class T>
bool less_nan_last(T a, T b) {
  return !is_nan(a) && (is_nan(b) || a < b);
}

// perm[i] = position in `row` of the i-th smallest (or largest) element; ties keep their order.
template <class T>
void sort_row(const T* row, std::int64_t length, bool descending, std::int64_t* perm) {
  std::iota(perm, perm + length, std::int64_t{0});
  if (descending)
    std::stable_sort(perm, perm + length,
                     [row](std::int64_t a, std::int64_t b) { return less_nan_last(row[b], row[a]); });
  else
    std::stable_sort(perm, perm + length,
                     [row](std::int64_t a, std::int64_t b) { return less_nan_last(row[a], row[b]); });
}

template <class T>
std::int64_t count_nans(const T* row, std::int64_t length) {
  if constexpr (!std::is_floating_point_v<T>) return 0;
  return std::count_if(row, row + length, [](T v) { return is_nan(v); });
}

bool parallel_rows(const RowsAlongDim& rows) {
  return rows.outer > 1 && rows.outer * rows.length >= kernels::kParallelThreshold;
}

// The first of the `count` consecutive sorted positions kept from a row, given its length and NaNs.
using FirstKept = std::function<std::int64_t(std::int64_t length, std::int64_t nans)>;

// Sorts every row and keeps `count` consecutive entries of it: (values, int64 indices), rows-shaped.
std::tuple<Tensor, Tensor> sorted_entries(const RowsAlongDim& rows, bool descending, std::int64_t count,
                                          const FirstKept& first_kept) {
  const Shape sizes = detail::rows_result_sizes(rows, count);
  Tensor values = detail::make_contiguous(sizes, rows.data.dtype());
  Tensor indices = detail::make_contiguous(sizes, kInt64);
  kernels::dispatch(rows.data.dtype(), [&]<class T>() {
    const T* in = rows.data.data_ptr<T>();
    T* picked_values = values.data_ptr<T>();
    std::int64_t* picked_indices = indices.data_ptr<std::int64_t>();
    kernels::parallel_for_scalar(rows.outer, parallel_rows(rows), [&](std::int64_t i) {
      const T* row = in + i * rows.length;
      std::vector<std::int64_t> perm(static_cast<std::size_t>(rows.length));
      sort_row(row, rows.length, descending, perm.data());
      const std::int64_t first = first_kept(rows.length, count_nans(row, rows.length));
      for (std::int64_t j = 0; j < count; ++j) {
        const std::int64_t source = perm[static_cast<std::size_t>(first + j)];
        picked_indices[i * count + j] = source;
        picked_values[i * count + j] = row[source];
      }
    });
  });
  return {values, indices};
}

std::int64_t keep_from_start(std::int64_t, std::int64_t) { return 0; }

void check_not_bool(std::string_view op, const Tensor& x) {
  check(x.dtype() != kBool, op, "not implemented for bool tensors (got one of shape ", x.sizes(), ")");
}

void check_reduced_dim_not_empty(std::string_view op, const Tensor& x, const RowsAlongDim& rows) {
  check(rows.length > 0, op, "Expected reduction dim ", rows.dim, " to have non-zero size (input shape ",
        x.sizes(), ")");
}

}  // namespace

// ---- Values picked from each slice at `indices`: the gradient goes back to those positions (a
// scatter-add, gather_backward), which is linear in g and so differentiable again.
struct PickedValuesBackward : Node {
  SavedTensor indices;
  std::int64_t dim = 0;
  bool keepdim = true;
  void release_saved() override { indices.reset(); }
  tensor_list apply(tensor_list&& g) override {
    Tensor index = indices.unpack(*this);
    Tensor grad = g[0];
    const Shape& input_sizes = input_meta()[0].sizes;
    if (!keepdim && !input_sizes.empty()) {
      grad = grad.unsqueeze(dim);
      index = index.unsqueeze(dim);
    }
    return {gather_backward(grad, dim, index, input_sizes)};
  }
};

// One type per op so that the node's name is right from the moment it is recorded.
struct SortBackward final : PickedValuesBackward {
  std::string_view name() const override { return "SortBackward"; }
};
struct TopkBackward final : PickedValuesBackward {
  std::string_view name() const override { return "TopkBackward"; }
};
struct KthvalueBackward final : PickedValuesBackward {
  std::string_view name() const override { return "KthvalueBackward"; }
};
struct MedianBackward final : PickedValuesBackward {
  std::string_view name() const override { return "MedianBackward"; }
};
struct NanmedianBackward final : PickedValuesBackward {
  std::string_view name() const override { return "NanmedianBackward"; }
};
struct ModeBackward final : PickedValuesBackward {
  std::string_view name() const override { return "ModeBackward"; }
};

namespace {
// Puts rows-shaped (values, indices) back into x's layout and records the values' gradient.
template <class NodeT>
std::tuple<Tensor, Tensor> picked(const Tensor& x, const RowsAlongDim& rows,
                                  const std::tuple<Tensor, Tensor>& entries, bool keepdim) {
  Tensor values = detail::restore_dim(rows, std::get<0>(entries), keepdim);
  Tensor indices = detail::restore_dim(rows, std::get<1>(entries), keepdim);
  if (auto* node = record<NodeT>({x}, {values})) {
    node->indices = SavedTensor(indices, false);
    node->dim = rows.dim;
    node->keepdim = keepdim;
  }
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::check_defined("sort", "input", x);
  const RowsAlongDim rows = detail::rows_along_dim("sort", x, dim);
  return picked<SortBackward>(x, rows, sorted_entries(rows, descending, rows.length, keep_from_start), true);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> /*stable*/, std::int64_t dim,
                                bool descending) {
  return sort(x, dim, descending);
}

Tensor argsort(const Tensor& x, std::int64_t dim, bool descending) {
  detail::check_defined("argsort", "input", x);
  const RowsAlongDim rows = detail::rows_along_dim("argsort", x, dim);
  return detail::restore_dim(rows,
                             std::get<1>(sorted_entries(rows, descending, rows.length, keep_from_start)));
}

Tensor argsort(const Tensor& x, bool /*stable*/, std::int64_t dim, bool descending) {
  return argsort(x, dim, descending);
}

Tensor msort(const Tensor& x) { return std::get<0>(sort(x, 0, false)); }

std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest,
                                bool /*sorted*/) {
  detail::check_defined("topk", "input", x);
  check_not_bool("topk", x);
  const RowsAlongDim rows = detail::rows_along_dim("topk", x, dim);
  check(k >= 0 && k <= rows.length, "topk", "selected index k out of range: k = ", k, " but dim ", rows.dim,
        " of the input of shape ", x.sizes(), " has size ", rows.length);
  return picked<TopkBackward>(x, rows, sorted_entries(rows, largest, k, keep_from_start), true);
}

std::tuple<Tensor, Tensor> kthvalue(const Tensor& x, std::int64_t k, std::int64_t dim, bool keepdim) {
  detail::check_defined("kthvalue", "input", x);
  check_not_bool("kthvalue", x);
  const RowsAlongDim rows = detail::rows_along_dim("kthvalue", x, dim);
  check_reduced_dim_not_empty("kthvalue", x, rows);
  check(k >= 1 && k <= rows.length, "kthvalue", "selected number k out of range for dimension ", rows.dim,
        ": k = ", k, " but the input of shape ", x.sizes(), " has ", rows.length, " elements there");
  const auto kth = [k](std::int64_t, std::int64_t) { return k - 1; };
  return picked<KthvalueBackward>(x, rows, sorted_entries(rows, false, 1, kth), keepdim);
}

// ---- median: the lower median, position (n - 1) / 2 of the ascending order. NaN sorts last, so a
// slice with NaN starts its NaNs at n - nans: median reports the first of them, nanmedian skips them.
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::check_defined("median", "input", x);
  check_not_bool("median", x);
  const RowsAlongDim rows = detail::rows_along_dim("median", x, dim);
  check_reduced_dim_not_empty("median", x, rows);
  const auto middle = [](std::int64_t n, std::int64_t nans) { return nans > 0 ? n - nans : (n - 1) / 2; };
  return picked<MedianBackward>(x, rows, sorted_entries(rows, false, 1, middle), keepdim);
}

std::tuple<Tensor, Tensor> nanmedian(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::check_defined("nanmedian", "input", x);
  check_not_bool("nanmedian", x);
  const RowsAlongDim rows = detail::rows_along_dim("nanmedian", x, dim);
  check_reduced_dim_not_empty("nanmedian", x, rows);
  const auto middle = [](std::int64_t n, std::int64_t nans) { return n == nans ? 0 : (n - nans - 1) / 2; };
  return picked<NanmedianBackward>(x, rows, sorted_entries(rows, false, 1, middle), keepdim);
}

namespace {
// Over all elements: the flattened tensor's median (reshape carries the gradient back); an empty
// floating tensor gives NaN, as in PyTorch.
Tensor median_of_all(std::string_view op, const Tensor& x, bool skip_nan) {
  detail::check_defined(op, "input", x);
  check_not_bool(op, x);
  if (x.numel() == 0) {
    check(x.is_floating_point(), op, "cannot take the median of an empty ", x.dtype(), " tensor");
    // sum() keeps the (empty) input on the tape, so backward still gives it its empty gradient.
    return sum(x) * std::numeric_limits<double>::quiet_NaN();
  }
  const Tensor flat = x.reshape({x.numel()});
  return std::get<0>(skip_nan ? nanmedian(flat, 0) : median(flat, 0));
}
}  // namespace

Tensor median(const Tensor& x) { return median_of_all("median", x, false); }
Tensor nanmedian(const Tensor& x) { return median_of_all("nanmedian", x, true); }

// ---- mode: runs of equal values in the ascending (stable) order; the longest run wins, the first
// (smallest value) among equally long ones, and its last element is the value's last occurrence.
std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim, bool keepdim) {
  detail::check_defined("mode", "input", x);
  const RowsAlongDim rows = detail::rows_along_dim("mode", x, dim);
  check_reduced_dim_not_empty("mode", x, rows);
  const Shape sizes = detail::rows_result_sizes(rows, 1);
  Tensor values = detail::make_contiguous(sizes, x.dtype());
  Tensor indices = detail::make_contiguous(sizes, kInt64);
  kernels::dispatch(x.dtype(), [&]<class T>() {
    const T* in = rows.data.data_ptr<T>();
    T* mode_values = values.data_ptr<T>();
    std::int64_t* mode_indices = indices.data_ptr<std::int64_t>();
    kernels::parallel_for_scalar(rows.outer, parallel_rows(rows), [&](std::int64_t i) {
      const T* row = in + i * rows.length;
      std::vector<std::int64_t> perm(static_cast<std::size_t>(rows.length));
      sort_row(row, rows.length, false, perm.data());
      std::int64_t best_end = 0, best_length = 0;
      for (std::int64_t start = 0; start < rows.length;) {
        std::int64_t end = start + 1;
        while (end < rows.length &&
               row[perm[static_cast<std::size_t>(end)]] == row[perm[static_cast<std::size_t>(start)]])
          ++end;
        if (end - start > best_length) {
          best_length = end - start;
          best_end = end;
        }
        start = end;
      }
      const std::int64_t last = perm[static_cast<std::size_t>(best_end - 1)];
      mode_indices[i] = last;
      mode_values[i] = row[last];
    });
  });
  return picked<ModeBackward>(x, rows, {values, indices}, keepdim);
}

std::tuple<Tensor, Tensor> Tensor::sort(std::int64_t dim, bool descending) const {
  return tg::sort(*this, dim, descending);
}
std::tuple<Tensor, Tensor> Tensor::sort(std::optional<bool> stable, std::int64_t dim, bool descending) const {
  return tg::sort(*this, stable, dim, descending);
}
Tensor Tensor::argsort(std::int64_t dim, bool descending) const {
  return tg::argsort(*this, dim, descending);
}
Tensor Tensor::argsort(bool stable, std::int64_t dim, bool descending) const {
  return tg::argsort(*this, stable, dim, descending);
}
Tensor Tensor::msort() const { return tg::msort(*this); }
std::tuple<Tensor, Tensor> Tensor::topk(std::int64_t k, std::int64_t dim, bool largest, bool sorted) const {
  return tg::topk(*this, k, dim, largest, sorted);
}
std::tuple<Tensor, Tensor> Tensor::kthvalue(std::int64_t k, std::int64_t dim, bool keepdim) const {
  return tg::kthvalue(*this, k, dim, keepdim);
}
Tensor Tensor::median() const { return tg::median(*this); }
std::tuple<Tensor, Tensor> Tensor::median(std::int64_t dim, bool keepdim) const {
  return tg::median(*this, dim, keepdim);
}
Tensor Tensor::nanmedian() const { return tg::nanmedian(*this); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(std::int64_t dim, bool keepdim) const {
  return tg::nanmedian(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::mode(std::int64_t dim, bool keepdim) const {
  return tg::mode(*this, dim, keepdim);
}

}  // namespace tg
