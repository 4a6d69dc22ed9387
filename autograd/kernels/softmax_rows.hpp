#pragma once
// Row-wise kernels over contiguous [rows, n] data: softmax / log_softmax forward and backward, and
// cross-entropy with class targets. Each row (a few KiB) is read from memory once and then re-read from
// L1 for the max, the sum of exponentials and the write, so these run at memory bandwidth.
#include <cstdint>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

namespace tg::kernels {

/// out = softmax (or log_softmax) of each row of length `row_size`; input and out are contiguous with the
/// same shape and dtype and may be the same tensor.
void softmax_rows(const Tensor& input, const Tensor& out, std::int64_t row_size, bool log);

/// The gradient of softmax (dx = y (g - sum(g y))) or log_softmax (dx = g - exp(y) sum(g)) per row, from the
/// forward's output y; one pass per row.
Tensor softmax_rows_backward(const Tensor& grad, const Tensor& output, std::int64_t row_size, bool log);

/// Per row of logits [N, C]: the maximum and the sum of exp(x - max), which give log-sum-exp and softmax.
struct CrossEntropyRows {
  Tensor loss;     // [N]: logsumexp(x_i) - x_i[t_i]
  Tensor row_max;  // [N]
  Tensor exp_sum;  // [N]
};

/// One pass per row of contiguous logits [N, C] with targets t (each in [0, C), checked by the caller).
CrossEntropyRows cross_entropy_rows(const Tensor& logits, const std::vector<std::int64_t>& targets);

/// d loss_i / d x_ij = (softmax(x_i)_j - [j == t_i]) * scale_i (scales has 1 or N entries), in one pass
/// over the logits using the forward's row maxima and sums.
Tensor cross_entropy_rows_backward(const Tensor& logits, const CrossEntropyRows& forward,
                                   const std::vector<std::int64_t>& targets,
                                   const std::vector<double>& scales);

}  // namespace tg::kernels
