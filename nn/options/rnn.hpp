#pragma once
// Options of the recurrent layers and cells (libtorch 1.13's names and defaults).
#include <cstdint>
#include <variant>

#include <tapegrad/nn/enum.hpp>
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

namespace detail {
/// What RNN, LSTM and GRU share; each module keeps one as `options_base` next to its own options.
struct RNNOptionsBase {
  using rnn_options_base_mode_t =
      std::variant<enumtype::kLSTM, enumtype::kGRU, enumtype::kRNN_TANH, enumtype::kRNN_RELU>;
  RNNOptionsBase(rnn_options_base_mode_t mode, std::int64_t input_size, std::int64_t hidden_size)
      : mode_(mode), input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(rnn_options_base_mode_t, mode);
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(std::int64_t, num_layers) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(double, dropout) = 0.0;
  TG_ARG(bool, bidirectional) = false;
  TG_ARG(std::int64_t, proj_size) = 0;
};
}  // namespace detail

struct RNNOptions {
  using nonlinearity_t = std::variant<enumtype::kTanh, enumtype::kReLU>;
  RNNOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(std::int64_t, num_layers) = 1;
  TG_ARG(nonlinearity_t, nonlinearity) = kTanh;
  TG_ARG(bool, bias) = true;
  TG_ARG(bool, batch_first) = false;
  /// Dropout on the outputs of every layer but the last, in training mode.
  TG_ARG(double, dropout) = 0.0;
  TG_ARG(bool, bidirectional) = false;
};

struct LSTMOptions {
  LSTMOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(std::int64_t, num_layers) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(double, dropout) = 0.0;
  TG_ARG(bool, bidirectional) = false;
  /// > 0: h is projected to proj_size features by weight_hr after every step (c keeps hidden_size).
  TG_ARG(std::int64_t, proj_size) = 0;
};

struct GRUOptions {
  GRUOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(std::int64_t, num_layers) = 1;
  TG_ARG(bool, bias) = true;
  TG_ARG(bool, batch_first) = false;
  TG_ARG(double, dropout) = 0.0;
  TG_ARG(bool, bidirectional) = false;
};

namespace detail {
/// What the cells share: num_chunks is the number of gates (1, 4 or 3).
struct RNNCellOptionsBase {
  RNNCellOptionsBase(std::int64_t input_size, std::int64_t hidden_size, bool bias, std::int64_t num_chunks)
      : input_size_(input_size), hidden_size_(hidden_size), bias_(bias), num_chunks_(num_chunks) {}
  virtual ~RNNCellOptionsBase() = default;
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(bool, bias);
  TG_ARG(std::int64_t, num_chunks);
};
}  // namespace detail

struct RNNCellOptions {
  using nonlinearity_t = std::variant<enumtype::kTanh, enumtype::kReLU>;
  RNNCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(bool, bias) = true;
  TG_ARG(nonlinearity_t, nonlinearity) = kTanh;
};

struct LSTMCellOptions {
  LSTMCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(bool, bias) = true;
};

struct GRUCellOptions {
  GRUCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  TG_ARG(std::int64_t, input_size);
  TG_ARG(std::int64_t, hidden_size);
  TG_ARG(bool, bias) = true;
};

}  // namespace tg::nn

#pragma GCC visibility pop
