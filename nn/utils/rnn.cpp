#include <algorithm>
#include <numeric>

#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/utils/rnn.hpp>

namespace tg::nn::utils::rnn {

namespace {

std::vector<std::int64_t> to_vector(const Tensor& values) {
  const Tensor longs = values.to(kInt64).contiguous();
  const std::int64_t* data = longs.data_ptr<std::int64_t>();
  return {data, data + longs.numel()};
}

Tensor int64_tensor(const std::vector<std::int64_t>& values) {
  return tensor(values, {static_cast<std::int64_t>(values.size())});
}

// The sizes of x with its first dims [a, b, ...] replaced by `leading`.
Shape with_leading(const Tensor& x, std::int64_t dropped, std::initializer_list<std::int64_t> leading) {
  Shape sizes(leading.begin(), leading.end());
  for (std::int64_t d = dropped; d < x.dim(); ++d) sizes.push_back(x.size(d));
  return sizes;
}

}  // namespace

PackedSequence::PackedSequence(Tensor data, Tensor batch_sizes, Tensor sorted_indices,
                               Tensor unsorted_indices)
    : data_(std::move(data)),
      batch_sizes_(std::move(batch_sizes)),
      sorted_indices_(std::move(sorted_indices)),
      unsorted_indices_(std::move(unsorted_indices)) {
  if (sorted_indices_.defined() && !unsorted_indices_.defined())
    unsorted_indices_ = invert_permutation(sorted_indices_);
}

PackedSequence PackedSequence::to(Dtype dtype) const {
  return PackedSequence(data_.to(dtype), batch_sizes_, sorted_indices_, unsorted_indices_);
}

Tensor invert_permutation(const Tensor& permutation) {
  if (!permutation.defined()) return {};
  const std::vector<std::int64_t> order = to_vector(permutation);
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    check(order[i] >= 0 && order[i] < static_cast<std::int64_t>(order.size()), "invert_permutation", "index ",
          order[i], " at position ", i, " is not a position of a permutation of ", order.size());
    inverse[static_cast<std::size_t>(order[i])] = static_cast<std::int64_t>(i);
  }
  return int64_tensor(inverse);
}

PackedSequence pack_padded_sequence(Tensor input, Tensor lengths, bool batch_first, bool enforce_sorted) {
  tg::detail::check_defined("pack_padded_sequence", "input", input);
  tg::detail::check_defined("pack_padded_sequence", "lengths", lengths);
  check(input.dim() >= 2, "pack_padded_sequence", "input must have at least 2 dims [T, B, *], got ",
        input.sizes());
  check(lengths.dim() == 1, "pack_padded_sequence", "lengths must be 1-D, got ", lengths.sizes());
  if (batch_first) input = input.transpose(0, 1);
  const std::int64_t steps = input.size(0), batch = input.size(1);
  const std::vector<std::int64_t> length = to_vector(lengths);
  check(static_cast<std::int64_t>(length.size()) == batch, "pack_padded_sequence",
        "Expected `len(lengths)` to be equal to batch_size, but got ", length.size(), " (batch_size=", batch,
        ")");
  std::vector<std::int64_t> order(length.size());
  std::iota(order.begin(), order.end(), 0);
  Tensor sorted_indices;
  if (enforce_sorted) {
    check(
        std::is_sorted(length.rbegin(), length.rend()), "pack_padded_sequence",
        "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
        "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
        "you do not need ONNX exportability.");
  } else {
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return length[static_cast<std::size_t>(a)] > length[static_cast<std::size_t>(b)];
    });
    sorted_indices = int64_tensor(order);
  }
  for (std::int64_t l : length)
    check(l > 0 && l <= steps, "pack_padded_sequence",
          "Length of all samples has to be greater than 0 and at most the padded length ", steps,
          ", but found ", l);
  const std::int64_t longest = length[static_cast<std::size_t>(order[0])];
  std::vector<std::int64_t> batch_sizes, rows;
  for (std::int64_t t = 0; t < longest; ++t) {
    std::int64_t running = 0;
    for (std::int64_t sequence : order) {
      if (length[static_cast<std::size_t>(sequence)] <= t) break;
      rows.push_back(t * batch + sequence);
      ++running;
    }
    batch_sizes.push_back(running);
  }
  // One gather over the [T·B, *] rows: its backward is one scatter, however many steps.
  Tensor data = index_select(input.reshape(with_leading(input, 2, {steps * batch})), 0, int64_tensor(rows));
  return PackedSequence(data, int64_tensor(batch_sizes), sorted_indices);
}

std::tuple<Tensor, Tensor> pad_packed_sequence(const PackedSequence& sequence, bool batch_first,
                                               double padding_value,
                                               std::optional<std::int64_t> total_length) {
  const Tensor& data = sequence.data();
  tg::detail::check_defined("pad_packed_sequence", "sequence.data()", data);
  const std::vector<std::int64_t> batch_sizes = to_vector(sequence.batch_sizes());
  check(!batch_sizes.empty(), "pad_packed_sequence", "the sequence has no time steps");
  const auto longest = static_cast<std::int64_t>(batch_sizes.size());
  const std::int64_t batch = batch_sizes[0];
  std::int64_t steps = longest;
  if (total_length) {
    check(*total_length >= longest, "pad_packed_sequence",
          "Expected total_length to be at least the length of the longest sequence in input, but got "
          "total_length=",
          *total_length, " and max sequence length being ", longest);
    steps = *total_length;
  }
  std::vector<std::int64_t> position(static_cast<std::size_t>(batch));  // sorted position of each sequence
  std::iota(position.begin(), position.end(), 0);
  if (sequence.unsorted_indices().defined()) position = to_vector(sequence.unsorted_indices());
  std::vector<std::int64_t> offsets(batch_sizes.size(), 0);
  for (std::size_t t = 1; t < batch_sizes.size(); ++t) offsets[t] = offsets[t - 1] + batch_sizes[t - 1];
  const std::int64_t padding_row = data.size(0);
  std::vector<std::int64_t> rows, lengths(static_cast<std::size_t>(batch), 0);
  for (std::int64_t t = 0; t < steps; ++t)
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::int64_t sorted = position[static_cast<std::size_t>(b)];
      const bool running = t < longest && sorted < batch_sizes[static_cast<std::size_t>(t)];
      rows.push_back(running ? offsets[static_cast<std::size_t>(t)] + sorted : padding_row);
      if (running) ++lengths[static_cast<std::size_t>(b)];
    }
  const Tensor padding = full(with_leading(data, 1, {1}), padding_value, TensorOptions().dtype(data.dtype()));
  Tensor padded = index_select(cat({data, padding}, 0), 0, int64_tensor(rows))
                      .reshape(with_leading(data, 1, {steps, batch}));
  if (batch_first) padded = padded.transpose(0, 1);
  return {padded, int64_tensor(lengths)};
}

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  check(!sequences.empty(), "pad_sequence", "received an empty list of sequences");
  std::int64_t longest = 0;
  for (const Tensor& s : sequences) {
    tg::detail::check_defined("pad_sequence", "sequences", s);
    check(s.dim() >= 1 && with_leading(s, 1, {}) == with_leading(sequences[0], 1, {}), "pad_sequence",
          "every sequence must have the trailing sizes of the first, ", sequences[0].sizes(), ", got ",
          s.sizes());
    longest = std::max(longest, s.size(0));
  }
  tensor_list padded;
  for (const Tensor& s : sequences) {
    if (s.size(0) == longest) {
      padded.push_back(s);
      continue;
    }
    const Tensor fill =
        full(with_leading(s, 1, {longest - s.size(0)}), padding_value, TensorOptions().dtype(s.dtype()));
    padded.push_back(cat({s, fill}, 0));
  }
  return stack(padded, batch_first ? 0 : 1);
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  std::vector<std::int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.dim() >= 1 ? s.size(0) : 0);
  return pack_padded_sequence(pad_sequence(sequences), int64_tensor(lengths), false, enforce_sorted);
}

}  // namespace tg::nn::utils::rnn
