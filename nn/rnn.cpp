#include <cmath>
#include <ostream>

#include <tapegrad/autograd/ops/activation.hpp>
#include <tapegrad/autograd/ops/arithmetic.hpp>
#include <tapegrad/autograd/ops/index.hpp>
#include <tapegrad/autograd/ops/linear.hpp>
#include <tapegrad/autograd/ops/recurrent.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/ops/split.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/nn/functional/dropout.hpp>
#include <tapegrad/nn/init.hpp>
#include <tapegrad/nn/rnn.hpp>

namespace tg::nn {

namespace {

enum class CellKind { Tanh, Relu, Lstm, Gru };

struct DirectionWeights {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
};

struct DirectionResult {
  Tensor output, h, c;
};

std::vector<std::int64_t> to_vector(const Tensor& values) {
  const Tensor longs = values.to(kInt64).contiguous();
  const std::int64_t* data = longs.data_ptr<std::int64_t>();
  return {data, data + longs.numel()};
}

// One direction of one layer over packed rows (see RNNImplBase::run). The input projections of every
// step are one GEMM, split into per-step views by one node (its backward is one concatenation). Forward
// in time the batch shrinks as sequences end: their final states are split off and kept. Backward in time
// the batch grows: a sequence's initial state joins when its last step comes up.
DirectionResult run_direction(CellKind kind, const DirectionWeights& w, const Tensor& data,
                              const std::vector<std::int64_t>& batch_sizes, Tensor h, Tensor c,
                              bool reverse) {
  const Tensor input_gates = linear(data, w.w_ih, w.b_ih);
  const tensor_list step_gates =
      batch_sizes.size() == 1 ? tensor_list{input_gates} : split_with_sizes(input_gates, batch_sizes, 0);
  // Every step multiplies its few rows by W_hh: from a contiguous W_hhᵀ, made once here, that product is
  // ~1.6x faster (linear_pretransposed); the gradient still goes to W_hh.
  const Tensor w_hh_t = batch_sizes.size() >= 4 ? w.w_hh.detach().t().contiguous() : Tensor();
  const auto step = [&](const Tensor& gates) {
    const Tensor hidden_gates =
        w_hh_t.defined() ? linear_pretransposed(h, w.w_hh, w_hh_t, w.b_hh) : linear(h, w.w_hh, w.b_hh);
    switch (kind) {
      case CellKind::Lstm: {
        auto [hy, cy] = lstm_cell_fused(gates, hidden_gates, c);
        h = w.w_hr.defined() ? linear(hy, w.w_hr) : hy;
        c = cy;
        break;
      }
      case CellKind::Gru:
        h = gru_cell_fused(gates, hidden_gates, h);
        break;
      case CellKind::Tanh:
        h = tanh(gates + hidden_gates);
        break;
      case CellKind::Relu:
        h = relu(gates + hidden_gates);
        break;
    }
  };
  const std::size_t steps = batch_sizes.size();
  tensor_list outputs(steps);
  if (!reverse) {
    tensor_list ended_h, ended_c;  // states of the sequences that ended, shortest last
    for (std::size_t t = 0; t < steps; ++t) {
      const std::int64_t running = h.size(0), now = batch_sizes[t];
      if (now < running) {
        tensor_list parts = split_with_sizes(h, {now, running - now}, 0);
        h = parts[0];
        ended_h.push_back(parts[1]);
        if (c.defined()) {
          parts = split_with_sizes(c, {now, running - now}, 0);
          c = parts[0];
          ended_c.push_back(parts[1]);
        }
      }
      step(step_gates[t]);
      outputs[t] = h;
    }
    if (!ended_h.empty()) {
      ended_h.push_back(h);
      h = cat(tensor_list(ended_h.rbegin(), ended_h.rend()), 0);
      if (c.defined()) {
        ended_c.push_back(c);
        c = cat(tensor_list(ended_c.rbegin(), ended_c.rend()), 0);
      }
    }
  } else {
    const Tensor h0 = h, c0 = c;
    std::int64_t running = batch_sizes.back();
    if (running < h0.size(0)) {
      h = h0.narrow(0, 0, running);
      if (c0.defined()) c = c0.narrow(0, 0, running);
    }
    for (std::size_t t = steps; t-- > 0;) {
      const std::int64_t now = batch_sizes[t];
      if (now > running) {
        h = cat({h, h0.narrow(0, running, now - running)}, 0);
        if (c0.defined()) c = cat({c, c0.narrow(0, running, now - running)}, 0);
        running = now;
      }
      step(step_gates[t]);
      outputs[t] = h;
    }
  }
  return {steps == 1 ? outputs[0] : cat(outputs, 0), h, c};
}

template <class Mode>
bool is_mode(const detail::RNNOptionsBase& options) {
  return std::holds_alternative<Mode>(options.mode());
}

detail::RNNOptionsBase base_options(const RNNOptions& o) {
  detail::RNNOptionsBase::rnn_options_base_mode_t mode = kRNN_TANH;
  if (std::holds_alternative<enumtype::kReLU>(o.nonlinearity())) mode = kRNN_RELU;
  return detail::RNNOptionsBase(mode, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}

detail::RNNOptionsBase base_options(const LSTMOptions& o) {
  return detail::RNNOptionsBase(kLSTM, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional())
      .proj_size(o.proj_size());
}

detail::RNNOptionsBase base_options(const GRUOptions& o) {
  return detail::RNNOptionsBase(kGRU, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}

}  // namespace

namespace detail {

// ---- layers

template <class Derived>
RNNImplBase<Derived>::RNNImplBase(const RNNOptionsBase& options) : options_base(options) {
  const std::string name = layer_name();
  check(options.input_size() >= 0, name, "input_size must be non-negative, got ", options.input_size());
  check(options.hidden_size() > 0, name, "hidden_size must be greater than zero, got ",
        options.hidden_size());
  check(options.num_layers() > 0, name, "num_layers must be greater than zero, got ", options.num_layers());
  check(options.dropout() >= 0 && options.dropout() <= 1, name,
        "dropout should be a number in range [0, 1] representing the probability of an element being zeroed, "
        "got ",
        options.dropout());
  check(options.proj_size() >= 0, name,
        "proj_size should be a positive integer or zero to disable projections, got ", options.proj_size());
  check(options.proj_size() < options.hidden_size(), name,
        "proj_size has to be smaller than hidden_size, got ", options.proj_size(), " and ",
        options.hidden_size());
  check(options.proj_size() == 0 || is_mode<enumtype::kLSTM>(options), name,
        "proj_size argument is only supported for LSTM, not RNN or GRU");
  reset();
}

template <class Derived>
std::string RNNImplBase<Derived>::layer_name() const {
  if (is_mode<enumtype::kLSTM>(options_base)) return "LSTM";
  if (is_mode<enumtype::kGRU>(options_base)) return "GRU";
  return "RNN";
}

template <class Derived>
std::int64_t RNNImplBase<Derived>::gate_count() const {
  if (is_mode<enumtype::kLSTM>(options_base)) return 4;
  if (is_mode<enumtype::kGRU>(options_base)) return 3;
  return 1;
}

template <class Derived>
void RNNImplBase<Derived>::reset() {
  flat_weights_.clear();
  flat_weights_names_.clear();
  const RNNOptionsBase& o = options_base;
  const std::int64_t gates = gate_count() * o.hidden_size();
  const auto add = [this](std::string name, Shape sizes) {
    flat_weights_.push_back(this->register_parameter(name, empty(sizes)));
    flat_weights_names_.push_back(std::move(name));
  };
  for (std::int64_t layer = 0; layer < o.num_layers(); ++layer)
    for (std::int64_t direction = 0; direction < directions(); ++direction) {
      const std::string suffix = "_l" + std::to_string(layer) + (direction == 1 ? "_reverse" : "");
      const std::int64_t layer_input = layer == 0 ? o.input_size() : output_size() * directions();
      add("weight_ih" + suffix, {gates, layer_input});
      add("weight_hh" + suffix, {gates, output_size()});
      if (o.bias()) {
        add("bias_ih" + suffix, {gates});
        add("bias_hh" + suffix, {gates});
      }
      if (o.proj_size() > 0) add("weight_hr" + suffix, {o.proj_size(), o.hidden_size()});
    }
  reset_parameters();
}

template <class Derived>
void RNNImplBase<Derived>::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
  for (Tensor& weight : flat_weights_) init::uniform_(weight, -bound, bound);
}

template <class Derived>
std::vector<Tensor> RNNImplBase<Derived>::all_weights() const {
  return flat_weights_;
}

template <class Derived>
void RNNImplBase<Derived>::pretty_print(std::ostream& out) const {
  const RNNOptionsBase& o = options_base;
  out << std::boolalpha << "torch::nn::" << layer_name() << "(input_size=" << o.input_size()
      << ", hidden_size=" << o.hidden_size() << ", num_layers=" << o.num_layers() << ", bias=" << o.bias()
      << ", batch_first=" << o.batch_first() << ", dropout=" << o.dropout()
      << ", bidirectional=" << o.bidirectional();
  if (o.proj_size() > 0) out << ", proj_size=" << o.proj_size();
  out << ")";
}

template <class Derived>
void RNNImplBase<Derived>::check_hidden(const Tensor& hidden, const Shape& expected,
                                        const std::string& label) const {
  check(hidden.sizes() == expected, layer_name(), "Expected ", label, " size ", expected, ", got ",
        hidden.sizes());
}

template <class Derived>
std::tuple<Tensor, Tensor, Tensor> RNNImplBase<Derived>::run(const Tensor& data,
                                                             const std::vector<std::int64_t>& batch_sizes,
                                                             const Tensor& h0, const Tensor& c0) {
  const RNNOptionsBase& o = options_base;
  CellKind kind = CellKind::Tanh;
  if (is_mode<enumtype::kLSTM>(o)) kind = CellKind::Lstm;
  if (is_mode<enumtype::kGRU>(o)) kind = CellKind::Gru;
  if (is_mode<enumtype::kRNN_RELU>(o)) kind = CellKind::Relu;
  const tensor_list h_states = unbind(h0, 0);
  const tensor_list c_states = c0.defined() ? unbind(c0, 0) : tensor_list();
  tensor_list h_n, c_n;
  Tensor layer_input = data;
  std::size_t next_weight = 0;
  for (std::int64_t layer = 0; layer < o.num_layers(); ++layer) {
    tensor_list outputs;
    for (std::int64_t direction = 0; direction < directions(); ++direction) {
      DirectionWeights w;
      w.w_ih = flat_weights_[next_weight++];
      w.w_hh = flat_weights_[next_weight++];
      if (o.bias()) {
        w.b_ih = flat_weights_[next_weight++];
        w.b_hh = flat_weights_[next_weight++];
      }
      if (o.proj_size() > 0) w.w_hr = flat_weights_[next_weight++];
      const auto state = static_cast<std::size_t>(layer * directions() + direction);
      DirectionResult result = run_direction(kind, w, layer_input, batch_sizes, h_states[state],
                                             c0.defined() ? c_states[state] : Tensor(), direction == 1);
      outputs.push_back(std::move(result.output));
      h_n.push_back(std::move(result.h));
      c_n.push_back(std::move(result.c));
    }
    layer_input = outputs.size() == 1 ? outputs[0] : cat(outputs, 1);
    if (o.dropout() > 0 && this->is_training() && layer + 1 < o.num_layers())
      layer_input = functional::dropout(layer_input, o.dropout(), true);
  }
  return {layer_input, stack(h_n, 0), c0.defined() ? stack(c_n, 0) : Tensor()};
}

template <class Derived>
std::tuple<Tensor, Tensor, Tensor> RNNImplBase<Derived>::run_padded(const Tensor& input, Tensor h0,
                                                                    Tensor c0) {
  const RNNOptionsBase& o = options_base;
  const std::string name = layer_name();
  tg::detail::check_defined(name, "input", input);
  check(input.dim() == 2 || input.dim() == 3, name, "Expected input to be 2-D or 3-D but received ",
        input.dim(), "-D tensor");
  const bool unbatched = input.dim() == 2;
  const Tensor x = unbatched ? input.unsqueeze(1) : o.batch_first() ? input.transpose(0, 1) : input;
  check(x.size(-1) == o.input_size(), name, "input.size(-1) must be equal to input_size. Expected ",
        o.input_size(), ", got ", x.size(-1));
  const std::int64_t steps = x.size(0), batch = x.size(1);
  check(steps > 0, name, "the input has no time steps: ", input.sizes());
  const bool lstm = is_mode<enumtype::kLSTM>(o);
  const std::string hidden_label = lstm ? "hidden[0]" : "hidden";
  const Shape expected_h{o.num_layers() * directions(), batch, output_size()};
  const Shape expected_c{o.num_layers() * directions(), batch, o.hidden_size()};
  const auto prepare = [&](Tensor state, const Shape& expected, const std::string& label) {
    if (!state.defined()) return zeros(expected, TensorOptions().dtype(input.dtype()));
    if (unbatched) {
      check(state.dim() == 2, name, "For unbatched 2-D input, hx should also be 2-D but got ", state.dim(),
            "-D tensor");
      state = state.unsqueeze(1);
    } else {
      check(state.dim() == 3, name, "For batched 3-D input, hx should also be 3-D but got ", state.dim(),
            "-D tensor");
    }
    check_hidden(state, expected, label);
    return state;
  };
  h0 = prepare(h0, expected_h, hidden_label);
  if (lstm) c0 = prepare(c0, expected_c, "hidden[1]");
  const Tensor data = x.reshape({steps * batch, o.input_size()});
  auto [output, h_n, c_n] =
      run(data, std::vector<std::int64_t>(static_cast<std::size_t>(steps), batch), h0, c0);
  output = output.reshape({steps, batch, output.size(-1)});
  if (unbatched) {
    output = output.squeeze(1);
    h_n = h_n.squeeze(1);
    if (c_n.defined()) c_n = c_n.squeeze(1);
  } else if (o.batch_first()) {
    output = output.transpose(0, 1);
  }
  return {output, h_n, c_n};
}

template <class Derived>
std::tuple<utils::rnn::PackedSequence, Tensor, Tensor> RNNImplBase<Derived>::run_packed(
    const utils::rnn::PackedSequence& input, Tensor h0, Tensor c0) {
  const RNNOptionsBase& o = options_base;
  const std::string name = layer_name();
  const Tensor& data = input.data();
  tg::detail::check_defined(name, "input.data()", data);
  check(data.dim() == 2, name, "input must have 2 dimensions, got ", data.dim());
  check(data.size(-1) == o.input_size(), name, "input.size(-1) must be equal to input_size. Expected ",
        o.input_size(), ", got ", data.size(-1));
  const std::vector<std::int64_t> batch_sizes = to_vector(input.batch_sizes());
  check(!batch_sizes.empty(), name, "the packed input has no time steps");
  const std::int64_t batch = batch_sizes[0];
  const bool lstm = is_mode<enumtype::kLSTM>(o);
  const auto prepare = [&](Tensor state, const Shape& expected, const std::string& label) {
    if (!state.defined()) return zeros(expected, TensorOptions().dtype(data.dtype()));
    check(state.dim() == 3, name, "For batched 3-D input, hx should also be 3-D but got ", state.dim(),
          "-D tensor");
    check_hidden(state, expected, label);
    // The user's states follow the original batch order; the packed rows follow the sorted one.
    return input.sorted_indices().defined() ? index_select(state, 1, input.sorted_indices()) : state;
  };
  h0 = prepare(h0, {o.num_layers() * directions(), batch, output_size()}, lstm ? "hidden[0]" : "hidden");
  if (lstm) c0 = prepare(c0, {o.num_layers() * directions(), batch, o.hidden_size()}, "hidden[1]");
  auto [output, h_n, c_n] = run(data, batch_sizes, h0, c0);
  if (input.unsorted_indices().defined()) {
    h_n = index_select(h_n, 1, input.unsorted_indices());
    if (c_n.defined()) c_n = index_select(c_n, 1, input.unsorted_indices());
  }
  return {utils::rnn::PackedSequence(output, input.batch_sizes(), input.sorted_indices(),
                                     input.unsorted_indices()),
          h_n, c_n};
}

template class RNNImplBase<RNNImpl>;
template class RNNImplBase<LSTMImpl>;
template class RNNImplBase<GRUImpl>;

}  // namespace detail

RNNImpl::RNNImpl(const RNNOptions& options) : RNNImplBase(base_options(options)), options(options) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
  auto [output, h_n, unused] = run_padded(input, std::move(hx), Tensor());
  return {output, h_n};
}

std::tuple<utils::rnn::PackedSequence, Tensor> RNNImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& packed_input, Tensor hx) {
  auto [output, h_n, unused] = run_packed(packed_input, std::move(hx), Tensor());
  return {output, h_n};
}

LSTMImpl::LSTMImpl(const LSTMOptions& options) : RNNImplBase(base_options(options)), options(options) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(
    const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  Tensor h0, c0;
  if (hx_opt) std::tie(h0, c0) = *hx_opt;
  auto [output, h_n, c_n] = run_padded(input, h0, c0);
  return {output, {h_n, c_n}};
}

std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> LSTMImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& packed_input, std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  Tensor h0, c0;
  if (hx_opt) std::tie(h0, c0) = *hx_opt;
  auto [output, h_n, c_n] = run_packed(packed_input, h0, c0);
  return {output, {h_n, c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& options) : RNNImplBase(base_options(options)), options(options) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
  auto [output, h_n, unused] = run_padded(input, std::move(hx), Tensor());
  return {output, h_n};
}

std::tuple<utils::rnn::PackedSequence, Tensor> GRUImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& packed_input, Tensor hx) {
  auto [output, h_n, unused] = run_packed(packed_input, std::move(hx), Tensor());
  return {output, h_n};
}

// ---- cells

namespace detail {

template <class Derived>
RNNCellImplBase<Derived>::RNNCellImplBase(const RNNCellOptionsBase& options) : options_base(options) {
  reset();
}

template <class Derived>
void RNNCellImplBase<Derived>::reset() {
  const RNNCellOptionsBase& o = options_base;
  const std::int64_t gates = o.num_chunks() * o.hidden_size();
  weight_ih = this->register_parameter("weight_ih", empty({gates, o.input_size()}));
  weight_hh = this->register_parameter("weight_hh", empty({gates, o.hidden_size()}));
  bias_ih = o.bias() ? this->register_parameter("bias_ih", empty({gates})) : Tensor();
  bias_hh = o.bias() ? this->register_parameter("bias_hh", empty({gates})) : Tensor();
  reset_parameters();
}

template <class Derived>
void RNNCellImplBase<Derived>::reset_parameters() {
  const double bound =
      options_base.hidden_size() > 0 ? 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size())) : 0.0;
  for (Tensor* weight : {&weight_ih, &weight_hh, &bias_ih, &bias_hh})
    if (weight->defined()) init::uniform_(*weight, -bound, bound);
}

template <class Derived>
void RNNCellImplBase<Derived>::pretty_print(std::ostream& out) const {
  out << module_name() << "(" << options_base.input_size() << ", " << options_base.hidden_size();
  if (!options_base.bias()) out << ", bias=false";
  const std::string nonlinearity = get_nonlinearity_str();
  if (!nonlinearity.empty() && nonlinearity != "kTanh") out << ", nonlinearity=" << nonlinearity;
  out << ")";
}

template <class Derived>
Tensor RNNCellImplBase<Derived>::batched_input(const Tensor& input, bool& unbatched) const {
  const std::string name = module_name().substr(std::string("torch::nn::").size());
  tg::detail::check_defined(name, "input", input);
  check(input.dim() == 1 || input.dim() == 2, name, "Expected input to be 1-D or 2-D but received ",
        input.dim(), "-D tensor");
  unbatched = input.dim() == 1;
  return unbatched ? input.unsqueeze(0) : input;
}

template <class Derived>
Tensor RNNCellImplBase<Derived>::batched_hidden(const Tensor& hx, const Tensor& input, bool unbatched) const {
  if (!hx.defined())
    return zeros({input.size(0), options_base.hidden_size()}, TensorOptions().dtype(input.dtype()));
  const std::string name = module_name().substr(std::string("torch::nn::").size());
  check(hx.dim() == (unbatched ? 1 : 2), name,
        unbatched ? "For unbatched 1-D input, hx should also be 1-D but got "
                  : "For batched 2-D input, hx should also be 2-D but got ",
        hx.dim(), "-D tensor");
  return unbatched ? hx.unsqueeze(0) : hx;
}

template class RNNCellImplBase<RNNCellImpl>;
template class RNNCellImplBase<LSTMCellImpl>;
template class RNNCellImplBase<GRUCellImpl>;

}  // namespace detail

RNNCellImpl::RNNCellImpl(const RNNCellOptions& options)
    : RNNCellImplBase(
          detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(), options.bias(), 1)),
      options(options) {}

std::string RNNCellImpl::get_nonlinearity_str() const {
  return std::holds_alternative<enumtype::kReLU>(options.nonlinearity()) ? "kReLU" : "kTanh";
}

Tensor RNNCellImpl::forward(const Tensor& input, Tensor hx) {
  bool unbatched = false;
  const Tensor x = batched_input(input, unbatched);
  const Tensor h = batched_hidden(hx, x, unbatched);
  Tensor out = std::holds_alternative<enumtype::kReLU>(options.nonlinearity())
                   ? rnn_relu_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
                   : rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? out.squeeze(0) : out;
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& options)
    : RNNCellImplBase(
          detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(), options.bias(), 4)),
      options(options) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  bool unbatched = false;
  const Tensor x = batched_input(input, unbatched);
  Tensor h0, c0;
  if (hx_opt) std::tie(h0, c0) = *hx_opt;
  auto [h, c] = lstm_cell(x, {batched_hidden(h0, x, unbatched), batched_hidden(c0, x, unbatched)}, weight_ih,
                          weight_hh, bias_ih, bias_hh);
  if (unbatched) return {h.squeeze(0), c.squeeze(0)};
  return {h, c};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& options)
    : RNNCellImplBase(
          detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(), options.bias(), 3)),
      options(options) {}

Tensor GRUCellImpl::forward(const Tensor& input, Tensor hx) {
  bool unbatched = false;
  const Tensor x = batched_input(input, unbatched);
  Tensor out = gru_cell(x, batched_hidden(hx, x, unbatched), weight_ih, weight_hh, bias_ih, bias_hh);
  return unbatched ? out.squeeze(0) : out;
}

}  // namespace tg::nn
