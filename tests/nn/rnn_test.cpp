// nn::RNN, LSTM, GRU, their cells and nn::utils::rnn (packed sequences) against PyTorch 1.13: the fixture
// tests/fixtures/torch_rnn.safetensors (made by make_rnn_fixtures.py, which documents its keys) holds each
// case's weights, inputs, outputs and gradients; each test builds the same module, loads the PyTorch
// state_dict by name (so the parameter names are checked too) and compares values and gradients.
#include <cmath>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sstream>

#include <tapegrad/autograd/gradcheck_gtest.hpp>
#include <tapegrad/nn/rnn.hpp>
#include <tapegrad/nn/utils/rnn.hpp>
#include <tapegrad/tapegrad.hpp>

#include "support/error_message.hpp"

namespace {

using ::testing::HasSubstr;
using tg::Tensor;
using tg::testing::error_message;
namespace nn = tg::nn;
namespace rnn_utils = tg::nn::utils::rnn;

constexpr std::int64_t kI = 5, kH = 6;

const tg::SafetensorsFile& fixtures() {
  static const tg::SafetensorsFile file =
      tg::load_safetensors(std::string(TAPEGRAD_FIXTURES_DIR) + "/torch_rnn.safetensors");
  return file;
}

std::string key(const std::string& name, const std::string& kind, const std::string& entry) {
  return name + "/" + kind + "/" + entry;
}

bool has(const std::string& name, const std::string& kind, const std::string& entry) {
  return fixtures().tensors.find(key(name, kind, entry)) != nullptr;
}

Tensor fixture(const std::string& name, const std::string& kind, const std::string& entry) {
  const Tensor* found = fixtures().tensors.find(key(name, kind, entry));
  if (found == nullptr) throw std::runtime_error("no fixture tensor " + key(name, kind, entry));
  return found->clone();
}

// A float input as a leaf that collects its gradient; undefined when the case has none.
Tensor input(const std::string& name, const std::string& entry) {
  if (!has(name, "input", entry)) return {};
  Tensor t = fixture(name, "input", entry);
  return t.is_floating_point() ? t.requires_grad_() : t;
}

// Loads the PyTorch state_dict: named_parameters() must have exactly its names and shapes.
void load_torch_state(nn::Module& module, const std::string& name) {
  const std::string prefix = name + "/param/";
  std::size_t stored = 0;
  for (const auto& item : fixtures().tensors)
    if (item.key().rfind(prefix, 0) == 0) ++stored;
  const auto parameters = module.named_parameters();
  EXPECT_EQ(parameters.size(), stored) << name;
  tg::NoGradGuard no_grad;
  for (const auto& item : parameters) {
    ASSERT_TRUE(has(name, "param", item.key())) << name << ": PyTorch has no parameter " << item.key();
    const Tensor value = fixture(name, "param", item.key());
    ASSERT_EQ(item.value().sizes(), value.sizes()) << item.key();
    item.value().copy_(value);
  }
}

void expect_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                  double tolerance = 2e-5) {
  ASSERT_TRUE(actual.defined()) << what;
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const auto got = actual.detach().to(tg::kFloat64).contiguous().to_vector<double>();
  const auto want = expected.to(tg::kFloat64).contiguous().to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tolerance * std::max(1.0, std::abs(want[i]))) << what << " element " << i;
}

// loss = sum over outputs of sum(output * g), backward, then every output and gradient compared.
void expect_matches_torch(const std::string& name, nn::Module& module,
                          const std::vector<std::string>& input_names, const std::vector<Tensor>& inputs,
                          const std::vector<std::string>& output_names, const std::vector<Tensor>& outputs) {
  Tensor loss = tg::zeros({});
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    expect_close(outputs[i], fixture(name, "output", output_names[i]), name + " " + output_names[i]);
    loss = loss + (outputs[i] * fixture(name, "grad_output", output_names[i])).sum();
  }
  loss.backward();
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (has(name, "grad", input_names[i]))
      expect_close(inputs[i].grad(), fixture(name, "grad", input_names[i]), name + " d/d" + input_names[i]);
  std::size_t compared = 0;
  for (const auto& item : module.named_parameters()) {
    ASSERT_TRUE(has(name, "grad", "param." + item.key())) << name << " " << item.key();
    expect_close(item.value().grad(), fixture(name, "grad", "param." + item.key()),
                 name + " d/d" + item.key());
    ++compared;
  }
  EXPECT_GT(compared, 0u) << name;
}

// Runs an RNN/GRU case (padded or, with lengths, packed) and compares.
template <class Layer>
void check_layer(const std::string& name, Layer layer, bool batch_first = false, bool enforce_sorted = true) {
  load_torch_state(*layer, name);
  const Tensor x = input(name, "input"), h0 = input(name, "h0");
  Tensor out, h_n;
  if (has(name, "input", "lengths")) {
    const auto packed =
        rnn_utils::pack_padded_sequence(x, fixture(name, "input", "lengths"), batch_first, enforce_sorted);
    auto [packed_out, hidden] = layer->forward_with_packed_input(packed, h0);
    out = std::get<0>(rnn_utils::pad_packed_sequence(packed_out, batch_first));
    h_n = hidden;
  } else {
    std::tie(out, h_n) = layer(x, h0);
  }
  expect_matches_torch(name, *layer, {"input", "h0"}, {x, h0}, {"out", "h_n"}, {out, h_n});
}

void check_lstm(const std::string& name, nn::LSTM lstm, bool batch_first = false,
                bool enforce_sorted = true) {
  load_torch_state(*lstm, name);
  const Tensor x = input(name, "input"), h0 = input(name, "h0"), c0 = input(name, "c0");
  std::optional<std::tuple<Tensor, Tensor>> hx;
  if (h0.defined()) hx = std::make_tuple(h0, c0);
  Tensor out, h_n, c_n;
  if (has(name, "input", "lengths")) {
    const auto packed =
        rnn_utils::pack_padded_sequence(x, fixture(name, "input", "lengths"), batch_first, enforce_sorted);
    auto [packed_out, hidden] = lstm->forward_with_packed_input(packed, hx);
    out = std::get<0>(rnn_utils::pad_packed_sequence(packed_out, batch_first));
    std::tie(h_n, c_n) = hidden;
  } else {
    auto [output, hidden] = lstm(x, hx);
    out = output;
    std::tie(h_n, c_n) = hidden;
  }
  expect_matches_torch(name, *lstm, {"input", "h0", "c0"}, {x, h0, c0}, {"out", "h_n", "c_n"},
                       {out, h_n, c_n});
}

TEST(RNNTorch, LstmTwoLayersBidirectionalBatchFirst) {
  check_lstm("lstm_2layer_bidir_batch_first",
             nn::LSTM(nn::LSTMOptions(kI, kH).num_layers(2).bidirectional(true).batch_first(true)), true);
}

TEST(RNNTorch, LstmProjections) {
  check_lstm("lstm_proj_no_hx", nn::LSTM(nn::LSTMOptions(kI, kH).num_layers(2).proj_size(3)));
  check_lstm("lstm_proj_bidir", nn::LSTM(nn::LSTMOptions(kI, kH).proj_size(4).bidirectional(true)));
}

TEST(RNNTorch, GruAndRnn) {
  check_layer("gru_2layer_bidir", nn::GRU(nn::GRUOptions(kI, kH).num_layers(2).bidirectional(true)));
  check_layer("gru_no_bias", nn::GRU(nn::GRUOptions(kI, kH).bias(false)));
  check_layer("rnn_relu_2layer", nn::RNN(nn::RNNOptions(kI, kH).num_layers(2).nonlinearity(tg::kReLU)));
}

TEST(RNNTorch, Unbatched) {
  check_layer("rnn_tanh_unbatched_bidir", nn::RNN(nn::RNNOptions(kI, kH).bidirectional(true)));
  check_lstm("lstm_unbatched", nn::LSTM(kI, kH));
}

TEST(RNNTorch, PackedVariableLengths) {
  check_lstm("lstm_packed_unsorted_bidir", nn::LSTM(nn::LSTMOptions(kI, kH).bidirectional(true)), false,
             false);
  check_layer("gru_packed_sorted_batch_first",
              nn::GRU(nn::GRUOptions(kI, kH).num_layers(2).batch_first(true)), true);
  check_layer("rnn_packed_unsorted_2layer_bidir",
              nn::RNN(nn::RNNOptions(kI, kH).num_layers(2).bidirectional(true)), false, false);
}

TEST(RNNTorch, Cells) {
  {
    const std::string name = "lstm_cell_module";
    nn::LSTMCell cell(kI, kH);
    load_torch_state(*cell, name);
    const Tensor x = input(name, "input"), h0 = input(name, "h0"), c0 = input(name, "c0");
    auto [h, c] = cell(x, std::make_tuple(h0, c0));
    expect_matches_torch(name, *cell, {"input", "h0", "c0"}, {x, h0, c0}, {"h", "c"}, {h, c});
  }
  const auto one_state = [](const std::string& name, auto cell) {
    load_torch_state(*cell, name);
    const Tensor x = input(name, "input"), h0 = input(name, "h0");
    expect_matches_torch(name, *cell, {"input", "h0"}, {x, h0}, {"h"}, {cell(x, h0)});
  };
  one_state("gru_cell_module_unbatched", nn::GRUCell(kI, kH));
  one_state("rnn_cell_relu_module", nn::RNNCell(nn::RNNCellOptions(kI, kH).nonlinearity(tg::kReLU)));
  one_state("rnn_cell_no_bias_module", nn::RNNCell(nn::RNNCellOptions(kI, kH).bias(false)));
}

// The packed path must agree with running each sequence alone (its own length, no padding).
TEST(RNN, PackedEqualsPerSequenceRuns) {
  tg::manual_seed(3);
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true));
  const std::vector<std::int64_t> lengths{2, 5, 3};
  std::vector<Tensor> sequences;
  for (std::int64_t length : lengths) sequences.push_back(tg::randn({length, 3}));
  const auto packed = rnn_utils::pack_sequence(sequences, /*enforce_sorted=*/false);
  auto [packed_out, h_n] = gru->forward_with_packed_input(packed);
  auto [padded, out_lengths] = rnn_utils::pad_packed_sequence(packed_out, /*batch_first=*/true);
  EXPECT_EQ(out_lengths.to_vector<std::int64_t>(), lengths);
  ASSERT_EQ(padded.sizes(), (tg::Shape{3, 5, 8}));
  for (std::size_t b = 0; b < lengths.size(); ++b) {
    auto [alone, alone_h] = gru(sequences[b]);
    const auto i = static_cast<std::int64_t>(b);
    expect_close(padded[i].narrow(0, 0, lengths[b]), alone, "sequence output");
    expect_close(h_n.select(1, i), alone_h, "sequence h_n");
    if (lengths[b] < 5) {
      EXPECT_EQ(padded[i].narrow(0, lengths[b], 5 - lengths[b]).abs().sum().item<double>(), 0.0);
    }
  }
}

TEST(RNN, GradcheckFloat64) {
  tg::manual_seed(11);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).proj_size(2));
  lstm->to(tg::kFloat64);
  auto lstm_fn = [&](const tg::tensor_list& in) {
    auto [out, hidden] = lstm(in[0], std::make_tuple(in[1], in[2]));
    return tg::tensor_list{out, std::get<0>(hidden), std::get<1>(hidden)};
  };
  EXPECT_GRADCHECK(lstm_fn, {tg::randn({3, 2, 3}, tg::kFloat64).requires_grad_(),
                             tg::randn({4, 2, 2}, tg::kFloat64).requires_grad_(),
                             tg::randn({4, 2, 4}, tg::kFloat64).requires_grad_()});
  nn::GRU gru(nn::GRUOptions(3, 4).bidirectional(true));
  gru->to(tg::kFloat64);
  const Tensor lengths = tg::tensor(std::vector<std::int64_t>{2, 4, 1});
  auto gru_fn = [&](const tg::tensor_list& in) {
    auto [out, h_n] =
        gru->forward_with_packed_input(rnn_utils::pack_padded_sequence(in[0], lengths, false, false), in[1]);
    return tg::tensor_list{std::get<0>(rnn_utils::pad_packed_sequence(out)), h_n};
  };
  EXPECT_GRADCHECK(gru_fn, {tg::randn({4, 3, 3}, tg::kFloat64).requires_grad_(),
                            tg::randn({2, 3, 4}, tg::kFloat64).requires_grad_()});
}

TEST(RNN, OptionsDefaultsAndParameterNames) {
  nn::LSTMOptions lstm_options(10, 20);
  EXPECT_EQ(lstm_options.num_layers(), 1);
  EXPECT_TRUE(lstm_options.bias());
  EXPECT_FALSE(lstm_options.batch_first());
  EXPECT_EQ(lstm_options.dropout(), 0.0);
  EXPECT_FALSE(lstm_options.bidirectional());
  EXPECT_EQ(lstm_options.proj_size(), 0);
  EXPECT_TRUE(std::holds_alternative<tg::enumtype::kTanh>(nn::RNNOptions(1, 2).nonlinearity()));
  EXPECT_TRUE(nn::GRUCellOptions(1, 2).bias());

  nn::LSTM lstm(nn::LSTMOptions(10, 20).num_layers(2).bidirectional(true).proj_size(5));
  std::vector<std::string> names;
  for (const auto& item : lstm->named_parameters()) names.push_back(item.key());
  const std::vector<std::string> expected{
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",           "bias_hh_l0",
      "weight_hr_l0",         "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
      "bias_hh_l0_reverse",   "weight_hr_l0_reverse", "weight_ih_l1",         "weight_hh_l1",
      "bias_ih_l1",           "bias_hh_l1",           "weight_hr_l1",         "weight_ih_l1_reverse",
      "weight_hh_l1_reverse", "bias_ih_l1_reverse",   "bias_hh_l1_reverse",   "weight_hr_l1_reverse"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(lstm->named_parameters()["weight_ih_l1"].sizes(), (tg::Shape{80, 10}));  // 2 directions · proj 5
  EXPECT_EQ(lstm->named_parameters()["weight_hh_l0"].sizes(), (tg::Shape{80, 5}));
  EXPECT_EQ(lstm->named_parameters()["weight_hr_l0"].sizes(), (tg::Shape{5, 20}));
  EXPECT_EQ(lstm->all_weights().size(), 20u);
  lstm->flatten_parameters();
  // init: U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every parameter.
  const double bound = 1.0 / std::sqrt(20.0);
  for (const Tensor& w : lstm->all_weights()) EXPECT_LE(w.abs().max().item<double>(), bound);

  nn::GRUCell cell(4, 3);
  EXPECT_EQ(cell->weight_ih.sizes(), (tg::Shape{9, 4}));
  EXPECT_EQ(cell->weight_hh.sizes(), (tg::Shape{9, 3}));
  EXPECT_EQ(cell->bias_ih.sizes(), (tg::Shape{9}));
  EXPECT_EQ(nn::RNNCell(nn::RNNCellOptions(4, 3).bias(false))->named_parameters().size(), 2u);
}

// dropout acts between layers in training mode only; clone() copies the weights (PyTorch's names kept).
TEST(RNN, DropoutBetweenLayersAndClone) {
  tg::manual_seed(5);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).dropout(0.5));
  auto copy = std::dynamic_pointer_cast<nn::LSTMImpl>(lstm->clone());
  ASSERT_NE(copy, nullptr);
  const Tensor x = tg::randn({5, 2, 3});
  auto [train_out, train_hidden] = lstm(x);
  lstm->eval();
  auto [eval_out, eval_hidden] = lstm(x);
  auto [eval_again, unused] = lstm(x);
  expect_close(eval_out, eval_again, "eval is deterministic");
  EXPECT_FALSE(tg::allclose(train_out, eval_out));
  copy->eval();
  expect_close(std::get<0>(copy->forward(x)), eval_out, "clone computes the same");
  {
    tg::NoGradGuard no_grad;
    copy->named_parameters()["weight_ih_l1"].zero_();
  }
  EXPECT_FALSE(tg::allclose(std::get<0>(copy->forward(x)), eval_out)) << "the clone has its own weights";
  // One layer: nothing to drop between layers, train and eval agree.
  nn::GRU gru(nn::GRUOptions(3, 4).dropout(0.5));
  const Tensor train_gru = std::get<0>(gru(x));
  gru->eval();
  expect_close(std::get<0>(gru(x)), train_gru, "single-layer GRU ignores dropout");
}

TEST(RNN, PrintsAsLibtorch) {
  const auto printed = [](const nn::Module& m) {
    std::ostringstream out;
    m.pretty_print(out);
    return out.str();
  };
  EXPECT_EQ(printed(*nn::LSTM(nn::LSTMOptions(128, 64).num_layers(3).dropout(0.2))),
            "torch::nn::LSTM(input_size=128, hidden_size=64, num_layers=3, bias=true, batch_first=false, "
            "dropout=0.2, bidirectional=false)");
  EXPECT_EQ(printed(*nn::LSTM(nn::LSTMOptions(4, 8).proj_size(2).bidirectional(true))),
            "torch::nn::LSTM(input_size=4, hidden_size=8, num_layers=1, bias=true, batch_first=false, "
            "dropout=0, bidirectional=true, proj_size=2)");
  EXPECT_EQ(printed(*nn::GRU(nn::GRUOptions(2, 3).bias(false).batch_first(true))),
            "torch::nn::GRU(input_size=2, hidden_size=3, num_layers=1, bias=false, batch_first=true, "
            "dropout=0, bidirectional=false)");
  EXPECT_EQ(printed(*nn::RNN(2, 3)),
            "torch::nn::RNN(input_size=2, hidden_size=3, num_layers=1, bias=true, batch_first=false, "
            "dropout=0, bidirectional=false)");
  EXPECT_EQ(printed(*nn::LSTMCell(10, 20)), "torch::nn::LSTMCell(10, 20)");
  EXPECT_EQ(printed(*nn::GRUCell(nn::GRUCellOptions(10, 20).bias(false))),
            "torch::nn::GRUCell(10, 20, bias=false)");
  EXPECT_EQ(printed(*nn::RNNCell(nn::RNNCellOptions(10, 20).nonlinearity(tg::kReLU))),
            "torch::nn::RNNCell(10, 20, nonlinearity=kReLU)");
  EXPECT_EQ(printed(*nn::RNNCell(10, 20)), "torch::nn::RNNCell(10, 20)");
}

TEST(RNN, Errors) {
  nn::LSTM lstm(nn::LSTMOptions(5, 4).num_layers(2));
  EXPECT_EQ(error_message([&] {
              lstm(tg::randn({7, 2, 3}));
            }),
            "LSTM: input.size(-1) must be equal to input_size. Expected 5, got 3");
  EXPECT_EQ(error_message([&] {
              lstm(tg::randn({7, 2, 5}), std::make_tuple(tg::zeros({2, 3, 4}), tg::zeros({2, 2, 4})));
            }),
            "LSTM: Expected hidden[0] size [2, 2, 4], got [2, 3, 4]");
  EXPECT_EQ(error_message([&] {
              lstm(tg::randn({7, 2, 5}), std::make_tuple(tg::zeros({2, 2, 4}), tg::zeros({1, 2, 4})));
            }),
            "LSTM: Expected hidden[1] size [2, 2, 4], got [1, 2, 4]");
  EXPECT_EQ(error_message([&] {
              lstm(tg::randn({1, 7, 2, 5}));
            }),
            "LSTM: Expected input to be 2-D or 3-D but received 4-D tensor");
  nn::GRU gru(nn::GRUOptions(5, 4).bidirectional(true));
  EXPECT_EQ(error_message([&] {
              gru(tg::randn({7, 2, 5}), tg::zeros({1, 2, 4}));
            }),
            "GRU: Expected hidden size [2, 2, 4], got [1, 2, 4]");
  EXPECT_EQ(error_message([&] {
              gru(tg::randn({7, 5}), tg::zeros({2, 1, 4}));
            }),
            "GRU: For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
  EXPECT_EQ(error_message([] { nn::LSTM(nn::LSTMOptions(5, 4).proj_size(4)); }),
            "LSTM: proj_size has to be smaller than hidden_size, got 4 and 4");
  EXPECT_THAT(error_message([] { nn::RNN(nn::RNNOptions(5, 4).dropout(1.5)); }),
              HasSubstr("RNN: dropout should be a number in range [0, 1]"));
  nn::LSTMCell cell(5, 4);
  EXPECT_EQ(error_message([&] {
              cell(tg::randn({2, 3}));
            }),
            "lstm_cell: input has inconsistent input_size: got 3 expected 5");
  EXPECT_EQ(error_message([&] {
              cell(tg::randn({2, 2, 5}));
            }),
            "LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  EXPECT_EQ(
      error_message([] {
        rnn_utils::pack_padded_sequence(tg::randn({4, 2, 3}), tg::tensor(std::vector<std::int64_t>{2, 3}));
      }),
      "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
      "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
      "this requirement if you do not need ONNX exportability.");
  const auto packed = rnn_utils::pack_sequence({tg::randn({3, 2}), tg::randn({2, 2})});
  EXPECT_EQ(error_message([&] { rnn_utils::pad_packed_sequence(packed, false, 0.0, 2); }),
            "pad_packed_sequence: Expected total_length to be at least the length of the longest sequence in "
            "input, but got total_length=2 and max sequence length being 3");
}

TEST(RNNUtils, PadAndPackSequences) {
  const Tensor a = tg::tensor({1.0, 2.0, 3.0}, {3, 1}), b = tg::tensor({4.0}, {1, 1}),
               c = tg::tensor({5.0, 6.0}, {2, 1});
  const Tensor padded = rnn_utils::pad_sequence({a, b, c}, /*batch_first=*/true, -1.0);
  EXPECT_EQ(padded.sizes(), (tg::Shape{3, 3, 1}));
  EXPECT_EQ(padded.reshape({9}).to_vector<double>(), (std::vector<double>{1, 2, 3, 4, -1, -1, 5, 6, -1}));
  EXPECT_EQ(rnn_utils::pad_sequence({a, b, c}).sizes(), (tg::Shape{3, 3, 1}));
  const auto packed = rnn_utils::pack_sequence({a, b, c}, /*enforce_sorted=*/false);
  // Sorted by length: a (3), c (2), b (1); steps hold [a0 c0 b0], [a1 c1], [a2].
  EXPECT_EQ(packed.data().reshape({6}).to_vector<double>(), (std::vector<double>{1, 5, 4, 2, 6, 3}));
  EXPECT_EQ(packed.batch_sizes().to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 2, 1}));
  EXPECT_EQ(packed.sorted_indices().to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 2, 1}));
  EXPECT_EQ(packed.unsorted_indices().to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 2, 1}));
  auto [back, lengths] =
      rnn_utils::pad_packed_sequence(packed, /*batch_first=*/true, 0.0, /*total_length=*/4);
  EXPECT_EQ(back.sizes(), (tg::Shape{3, 4, 1}));
  EXPECT_EQ(back.reshape({12}).to_vector<double>(),
            (std::vector<double>{1, 2, 3, 0, 4, 0, 0, 0, 5, 6, 0, 0}));
  EXPECT_EQ(lengths.to_vector<std::int64_t>(), (std::vector<std::int64_t>{3, 1, 2}));
}

// Written as a libtorch user writes it; only `namespace torch = tg;` (and TORCH_MODULE, a macro) differ.
#define TORCH_MODULE TG_MODULE
namespace torch = tg;

struct SequenceClassifierImpl : torch::nn::Module {
  SequenceClassifierImpl()
      : lstm(register_module("lstm",
                             torch::nn::LSTM(torch::nn::LSTMOptions(4, 8).num_layers(2).batch_first(true)))),
        head(register_module("head", torch::nn::Linear(8, 3))) {}
  torch::Tensor forward(torch::Tensor x, torch::Tensor lengths) {
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(x, lengths, /*batch_first=*/true,
                                                              /*enforce_sorted=*/false);
    auto [output, state] = lstm->forward_with_packed_input(packed);
    auto h_n = std::get<0>(state);
    return head(h_n[-1]);
  }
  torch::nn::LSTM lstm;
  torch::nn::Linear head;
};
TORCH_MODULE(SequenceClassifier);

TEST(RNN, LibtorchStyleSnippet) {
  torch::manual_seed(0);
  SequenceClassifier model;
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  auto x = torch::randn({5, 6, 4});
  auto lengths = torch::tensor(std::vector<std::int64_t>{6, 2, 4, 1, 3});
  auto target = torch::tensor(std::vector<std::int64_t>{0, 1, 2, 0, 1});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(x, lengths), target);
    loss.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first * 0.5);
  torch::nn::GRUCell cell(4, 8);
  auto h = torch::zeros({5, 8});
  for (int t = 0; t < 3; ++t) h = cell(x.select(1, t), h);
  EXPECT_EQ(h.sizes(), (torch::Shape{5, 8}));
}

}  // namespace
