#pragma once
// softmax and log_softmax along a dim, computed with the row maximum subtracted (no overflow).
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

#pragma GCC visibility push(hidden)  // library internals, not exported
namespace detail {
/// Row-wise softmax / log_softmax of a tensor along `dim`, without recording anything.
Tensor softmax_values(const Tensor& x, std::int64_t dim, bool log);
}  // namespace detail
#pragma GCC visibility pop

}  // namespace tg

#pragma GCC visibility pop
