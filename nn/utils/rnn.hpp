#pragma once
// Variable-length batches for the recurrent layers (libtorch's torch::nn::utils::rnn): a PackedSequence
// holds the time steps of sequences sorted by decreasing length, each step with only the sequences that
// are still running, so an RNN never computes on padding.
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn::utils::rnn {

/// data [sum of batch_sizes, *]: step 0's rows for every sequence, then step 1's for those longer than
/// 1, ... batch_sizes (int64, [max length]) counts the rows of each step (non-increasing).
/// sorted_indices[i] is the original batch position of the i-th longest sequence (undefined when the
/// batch was already sorted) and unsorted_indices is its inverse.
class PackedSequence {
 public:
  PackedSequence() = default;
  explicit PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices = {},
                          Tensor unsorted_indices = {});

  const Tensor& data() const { return data_; }
  const Tensor& batch_sizes() const { return batch_sizes_; }
  const Tensor& sorted_indices() const { return sorted_indices_; }
  const Tensor& unsorted_indices() const { return unsorted_indices_; }

  /// A copy with data converted (batch_sizes and the indices stay int64).
  PackedSequence to(Dtype dtype) const;
  bool is_cuda() const { return false; }
  bool is_pinned() const { return false; }

 private:
  Tensor data_, batch_sizes_, sorted_indices_, unsorted_indices_;
};

/// The permutation that undoes `permutation` (int64, 1-D).
Tensor invert_permutation(const Tensor& permutation);

/// Packs input [T, B, *] ([B, T, *] with batch_first) whose sequence b is lengths[b] long (int64, 1-D, on
/// CPU). enforce_sorted: lengths must be non-increasing; otherwise the batch is sorted first and the
/// permutation recorded (RNN outputs come back in the original order).
PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first = false,
                                    bool enforce_sorted = true);

/// The inverse of pack_padded_sequence: (padded [T, B, *] or [B, T, *], lengths int64 [B]) in the original
/// batch order, with T = total_length when given (at least the longest length).
std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                               double padding_value = 0.0,
                                               std::optional<std::int64_t> total_length = std::nullopt);

/// Stacks sequences [L_i, *] into [max L, B, *] ([B, max L, *] with batch_first), padding the short ones.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false,
                    double padding_value = 0.0);

/// pack_padded_sequence(pad_sequence(sequences), their lengths, false, enforce_sorted).
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

}  // namespace tg::nn::utils::rnn

#pragma GCC visibility pop
