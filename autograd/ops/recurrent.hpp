#pragma once
// One step of the recurrent cells (ATen's lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell): two GEMMs
// (input and hidden projections) and one fused element-wise op for the gate nonlinearities and the state
// update, whose backward is one pass too. nn::LSTM/GRU/RNN (nn/rnn.hpp) call the fused ops directly with
// the input projections of a whole sequence precomputed.
#include <tuple>

#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// LSTM step: gates = input·w_ihᵀ + b_ih + h·w_hhᵀ + b_hh split as (i, f, g, o); c' = σ(f)·c + σ(i)·tanh(g),
/// h' = σ(o)·tanh(c'). input [batch, input_size], hx = {h [batch, h_size], c [batch, hidden_size]},
/// w_ih [4·hidden_size, input_size], w_hh [4·hidden_size, h_size], biases [4·hidden_size] or undefined.
/// Returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const tensor_list& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// GRU step: gates split as (r, z, n): r = σ(ir + hr), z = σ(iz + hz), n = tanh(in + r·hn),
/// h' = (1 - z)·n + z·h, with i* = input·w_ihᵀ + b_ih and h* = hx·w_hhᵀ + b_hh.
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// Elman step: h' = tanh(input·w_ihᵀ + b_ih + hx·w_hhᵀ + b_hh).
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
/// Elman step with relu instead of tanh.
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});

/// The element-wise part of lstm_cell: gates = input_gates + hidden_gates (both [batch, 4·hidden]),
/// cx [batch, hidden]; returns (h', c') as lstm_cell. tapegrad's name (ATen's _thnn_fused_lstm_cell).
std::tuple<Tensor, Tensor> lstm_cell_fused(const Tensor& input_gates, const Tensor& hidden_gates,
                                           const Tensor& cx);
/// The element-wise part of gru_cell: input_gates and hidden_gates [batch, 3·hidden] (biases included),
/// hx [batch, hidden]; returns h'. tapegrad's name (ATen's _thnn_fused_gru_cell).
Tensor gru_cell_fused(const Tensor& input_gates, const Tensor& hidden_gates, const Tensor& hx);

}  // namespace tg

#pragma GCC visibility pop
