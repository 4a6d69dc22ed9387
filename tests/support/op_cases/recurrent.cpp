// Rows for autograd/ops/recurrent.cpp: the four cells (2 GEMMs + the fused element-wise op), LSTM's
// outputs side by side as [h', c']. The fused backward runs in gradcheck, the composed one in
// gradgradcheck. tests/nn/rnn_test.cpp has the modules built from them.
#include <tapegrad/autograd/ops/recurrent.hpp>

#include "support/op_cases/common.hpp"

namespace tg::testing {
using namespace rows;

namespace {

Tensor lstm(const tensor_list& in) {
  auto [h, c] = lstm_cell(in[0], {in[1], in[2]}, in[3], in[4], in.size() > 5 ? in[5] : Tensor(),
                          in.size() > 6 ? in[6] : Tensor());
  return cat({h, c}, 1);
}

template <Tensor (*cell)(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                         const Tensor&)>
Tensor one_state(const tensor_list& in) {
  return cell(in[0], in[1], in[2], in[3], in.size() > 4 ? in[4] : Tensor(), in.size() > 5 ? in[5] : Tensor());
}

// [input, h, (c,) w_ih, w_hh, (b_ih, b_hh)] for batch, input_size, hidden_size and the number of gates.
std::vector<Shape> cell_shapes(std::int64_t batch, std::int64_t input_size, std::int64_t hidden,
                               std::int64_t gates, bool bias = true) {
  std::vector<Shape> shapes{{batch, input_size}, {batch, hidden}};
  if (gates == 4) shapes.push_back({batch, hidden});
  shapes.push_back({gates * hidden, input_size});
  shapes.push_back({gates * hidden, hidden});
  if (bias) {
    shapes.push_back({gates * hidden});
    shapes.push_back({gates * hidden});
  }
  return shapes;
}

Samples cell_samples(std::int64_t gates) {
  return {cell_shapes(3, 4, 5, gates), cell_shapes(1, 2, 3, gates), cell_shapes(2, 3, 1, gates),
          cell_shapes(2, 3, 4, gates, false)};
}
Samples cell_empty(std::int64_t gates) { return {cell_shapes(0, 4, 5, gates), cell_shapes(3, 0, 2, gates)}; }

std::vector<BadInput> cell_bad(const std::string& op, std::int64_t gates) {
  std::vector<Shape> wrong_input = cell_shapes(3, 4, 5, gates), wrong_batch = wrong_input,
                     wrong_hidden = wrong_input;
  wrong_input[0] = {3, 3};
  wrong_batch[1] = {2, 5};
  if (gates == 4) wrong_batch[2] = {2, 5};
  wrong_hidden[1] = {3, 4};
  return {{wrong_input, op + ": input has inconsistent input_size: got 3 expected 4"},
          {wrong_batch, op + ": Input batch size 3 doesn't match hidden0 batch size 2"},
          {wrong_hidden, op + ": hidden0 has inconsistent hidden_size: got 4, expected 5"},
          {.shapes = cell_shapes(3, 4, 5, gates),
           .message = op + ": expected input to be float32 or float64, got int64",
           .dtypes = {kInt64}}};
}

}  // namespace

std::vector<OpCase> recurrent_cases() {
  return {
      {.name = "lstm_cell",
       .fn = lstm,
       .samples = cell_samples(4),
       .double_backward = true,
       .bad = cell_bad("lstm_cell", 4),
       .empty_samples = cell_empty(4),
       .fixtures = {"lstm_cell", "lstm_cell_no_bias", "lstm_cell_f32"}},
      {.name = "gru_cell",
       .fn = one_state<gru_cell>,
       .samples = cell_samples(3),
       .double_backward = true,
       .bad = cell_bad("gru_cell", 3),
       .empty_samples = cell_empty(3),
       .fixtures = {"gru_cell", "gru_cell_no_bias", "gru_cell_f32"}},
      {.name = "rnn_tanh_cell",
       .fn = one_state<rnn_tanh_cell>,
       .samples = cell_samples(1),
       .double_backward = true,
       .bad = cell_bad("rnn_tanh_cell", 1),
       .empty_samples = cell_empty(1),
       .fixtures = {"rnn_tanh_cell"}},
      {.name = "rnn_relu_cell",
       .fn = one_state<rnn_relu_cell>,
       .samples = cell_samples(1),
       .double_backward = true,
       .bad = cell_bad("rnn_relu_cell", 1),
       .empty_samples = cell_empty(1),
       .fixtures = {"rnn_relu_cell"}},
  };
}

}  // namespace tg::testing
