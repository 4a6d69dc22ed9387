#pragma once
// softmax and log_softmax along a dim, computed with the row maximum subtracted (no overflow).
#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg {

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

namespace detail {
/// Row-wise softmax / log_softmax of a tensor along `dim`, without recording anything.
Tensor softmax_values(const Tensor& x, std::int64_t dim, bool log);
}  // namespace detail

}  // namespace tg
