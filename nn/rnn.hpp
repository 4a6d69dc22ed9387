#pragma once
// Recurrent layers RNN (tanh/relu), LSTM (with projections) and GRU, and their one-step cells, as libtorch
// 1.13's: options, forward signatures and return types, unbatched inputs, and PyTorch's parameter names
// (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_hr_l0, with a _reverse suffix for the
// backward direction) so state dicts load by name. Per layer and direction, the input projections of all
// time steps are one GEMM; each step is then one hidden GEMM and one fused cell op (autograd/ops/recurrent).
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/options/rnn.hpp>
#include <tapegrad/nn/utils/rnn.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

namespace detail {

/// The layers' shared parts: parameters, init, checks, printing and the recurrence itself (defined in
/// nn/rnn.cpp for RNNImpl, LSTMImpl and GRUImpl).
template <class Derived>
class RNNImplBase : public Cloneable<Derived> {
 public:
  explicit RNNImplBase(const RNNOptionsBase& options_base);

  /// Registers the parameters (PyTorch's names and order) and initializes them.
  void reset() override;
  /// PyTorch's default: every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;
  /// A no-op: the parameters are used where they are (libtorch packs them for cuDNN).
  void flatten_parameters() {}
  /// Every parameter in PyTorch's order (layer by layer, forward direction first).
  std::vector<Tensor> all_weights() const;

  RNNOptionsBase options_base;

 protected:
  std::int64_t gate_count() const;
  std::int64_t directions() const { return options_base.bidirectional() ? 2 : 1; }
  std::int64_t output_size() const {
    return options_base.proj_size() > 0 ? options_base.proj_size() : options_base.hidden_size();
  }
  /// "LSTM", "GRU" or "RNN": the prefix of error messages (printing adds "torch::nn::").
  std::string layer_name() const;

  /// The recurrence over packed rows: data [N, input_size] with steps of batch_sizes (non-increasing);
  /// h0 (and c0 for LSTM) [layers · directions, batch_sizes[0], *]. Returns (output [N, directions ·
  /// output_size], h_n, c_n).
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& data, const std::vector<std::int64_t>& batch_sizes,
                                         const Tensor& h0, const Tensor& c0);
  /// forward() for [T, B, *] / [B, T, *] / unbatched [T, *] input: checks, zero states, layout.
  std::tuple<Tensor, Tensor, Tensor> run_padded(const Tensor& input, Tensor h0, Tensor c0);
  /// forward_with_packed_input(): checks, zero states, and the batch permutation of unsorted batches.
  std::tuple<utils::rnn::PackedSequence, Tensor, Tensor> run_packed(const utils::rnn::PackedSequence& input,
                                                                    Tensor h0, Tensor c0);
  void check_hidden(const Tensor& hidden, const Shape& expected, const std::string& label) const;

  std::vector<Tensor> flat_weights_;
  std::vector<std::string> flat_weights_names_;
};

}  // namespace detail

class RNNImpl : public detail::RNNImplBase<RNNImpl> {
 public:
  RNNImpl(std::int64_t input_size, std::int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options);

  /// input [T, B, input_size] ([B, T, input_size] with batch_first, or unbatched [T, input_size]);
  /// hx [layers · directions, B, hidden_size] (zeros when undefined). Returns (output, h_n).
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});

  RNNOptions options;
};
TG_MODULE(RNN);

class LSTMImpl : public detail::RNNImplBase<LSTMImpl> {
 public:
  LSTMImpl(std::int64_t input_size, std::int64_t hidden_size)
      : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options);

  /// Returns (output, (h_n, c_n)); h has proj_size features when proj_size > 0.
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(
      const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});

  LSTMOptions options;
};
TG_MODULE(LSTM);

class GRUImpl : public detail::RNNImplBase<GRUImpl> {
 public:
  GRUImpl(std::int64_t input_size, std::int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options);

  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(
      const utils::rnn::PackedSequence& packed_input, Tensor hx = {});

  GRUOptions options;
};
TG_MODULE(GRU);

namespace detail {

/// The cells' shared parts: weight_ih [gates · hidden, input], weight_hh [gates · hidden, hidden],
/// bias_ih and bias_hh [gates · hidden] (undefined without bias).
template <class Derived>
class RNNCellImplBase : public Cloneable<Derived> {
 public:
  explicit RNNCellImplBase(const RNNCellOptionsBase& options_base);

  void reset() override;
  /// PyTorch's default: every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  void pretty_print(std::ostream& out) const override;

  RNNCellOptionsBase options_base;
  Tensor weight_ih;
  Tensor weight_hh;
  Tensor bias_ih;
  Tensor bias_hh;

 protected:
  virtual std::string module_name() const = 0;
  virtual std::string get_nonlinearity_str() const { return ""; }
  /// 1-D input becomes a batch of one (`unbatched` tells forward to drop that dim again).
  Tensor batched_input(const Tensor& input, bool& unbatched) const;
  /// hx as a batch (zeros when undefined), checked against input.
  Tensor batched_hidden(const Tensor& hx, const Tensor& input, bool unbatched) const;
};

}  // namespace detail

class RNNCellImpl : public detail::RNNCellImplBase<RNNCellImpl> {
 public:
  RNNCellImpl(std::int64_t input_size, std::int64_t hidden_size)
      : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options);

  /// input [B, input_size] or [input_size]; hx [B, hidden_size] or [hidden_size] (zeros when undefined).
  Tensor forward(const Tensor& input, Tensor hx = {});

  RNNCellOptions options;

 protected:
  std::string module_name() const override { return "torch::nn::RNNCell"; }
  std::string get_nonlinearity_str() const override;
};
TG_MODULE(RNNCell);

class LSTMCellImpl : public detail::RNNCellImplBase<LSTMCellImpl> {
 public:
  LSTMCellImpl(std::int64_t input_size, std::int64_t hidden_size)
      : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options);

  /// Returns (h', c').
  std::tuple<Tensor, Tensor> forward(const Tensor& input,
                                     std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});

  LSTMCellOptions options;

 protected:
  std::string module_name() const override { return "torch::nn::LSTMCell"; }
};
TG_MODULE(LSTMCell);

class GRUCellImpl : public detail::RNNCellImplBase<GRUCellImpl> {
 public:
  GRUCellImpl(std::int64_t input_size, std::int64_t hidden_size)
      : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options);

  Tensor forward(const Tensor& input, Tensor hx = {});

  GRUCellOptions options;

 protected:
  std::string module_name() const override { return "torch::nn::GRUCell"; }
};
TG_MODULE(GRUCell);

}  // namespace tg::nn

#pragma GCC visibility pop
