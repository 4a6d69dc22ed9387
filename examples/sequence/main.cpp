// Classifies variable-length waveforms with an LSTM (or GRU) over packed sequences: each example is 12 to
// 64 noisy samples of a sine, square, triangle or sawtooth wave with a random period, phase and amplitude,
// and the model says which of the four it is. A batch is padded with pad_sequence and packed with
// pack_padded_sequence (lengths unsorted, enforce_sorted=false), so the recurrent layer never reads the
// padding and its final hidden state is each sequence's own last step. Progress bar per epoch, test
// accuracy after each, a safetensors checkpoint, the curve as CSV and a plot.
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "common/progress_bar.hpp"
#include "common/training_curve.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace rnn_utils = tg::nn::utils::rnn;

namespace {

constexpr std::int64_t kClasses = 4;  // sine, square, triangle, sawtooth

struct Example {
  std::vector<float> samples;
  std::int64_t label;
};

// One wave of class `label`: period 6-16 samples, random phase and amplitude, Gaussian noise.
Example make_example(std::int64_t label, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> length(12, 64);
  std::uniform_real_distribution<double> period(6.0, 16.0), phase(0.0, 1.0), amplitude(0.5, 1.5);
  std::normal_distribution<double> noise(0.0, 0.1);
  const double p = period(rng), shift = phase(rng), a = amplitude(rng);
  Example example{std::vector<float>(static_cast<std::size_t>(length(rng))), label};
  for (std::size_t t = 0; t < example.samples.size(); ++t) {
    const double cycle = std::fmod(static_cast<double>(t) / p + shift, 1.0);  // position in [0, 1)
    double value = 0;
    switch (label) {
      case 0:
        value = std::sin(2 * std::numbers::pi * cycle);
        break;
      case 1:
        value = cycle < 0.5 ? 1.0 : -1.0;
        break;
      case 2:
        value = cycle < 0.5 ? 4 * cycle - 1 : 3 - 4 * cycle;
        break;
      default:
        value = 2 * cycle - 1;
        break;
    }
    example.samples[t] = static_cast<float>(a * value + noise(rng));
  }
  return example;
}

std::vector<Example> make_dataset(std::int64_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Example> examples;
  for (std::int64_t i = 0; i < count; ++i) examples.push_back(make_example(i % kClasses, rng));
  std::shuffle(examples.begin(), examples.end(), rng);
  return examples;
}

// A batch as the recurrent layer takes it: packed [sum of lengths, 1] samples, and the labels.
struct Batch {
  rnn_utils::PackedSequence packed;
  tg::Tensor labels;
};

Batch make_batch(const std::vector<Example>& examples, std::size_t first, std::size_t last) {
  std::vector<tg::Tensor> sequences;
  std::vector<std::int64_t> lengths, labels;
  for (std::size_t i = first; i < last; ++i) {
    const auto& samples = examples[i].samples;
    const auto length = static_cast<std::int64_t>(samples.size());
    sequences.push_back(tg::tensor(samples).reshape({length, 1}));
    lengths.push_back(length);
    labels.push_back(examples[i].label);
  }
  tg::Tensor padded = rnn_utils::pad_sequence(sequences, /*batch_first=*/true);  // [B, T, 1]
  return {rnn_utils::pack_padded_sequence(padded, tg::tensor(lengths), /*batch_first=*/true,
                                          /*enforce_sorted=*/false),
          tg::tensor(labels)};
}

struct Options {
  int epochs = 20;
  std::int64_t batch_size = 32;
  double lr = 1e-2;
  std::int64_t hidden = 48;
  std::int64_t layers = 1;
  bool gru = false;
  std::int64_t train_size = 4000, test_size = 1000;
  std::uint64_t seed = 0;
  std::string output_dir = "sequence_output";
  double min_accuracy = 0.95;
  int threads = 0;
};

struct WaveClassifierImpl : tg::nn::Module {
  explicit WaveClassifierImpl(const Options& options) : gru(options.gru) {
    if (gru)
      gru_layer = register_module(
          "gru",
          tg::nn::GRU(tg::nn::GRUOptions(1, options.hidden).num_layers(options.layers).batch_first(true)));
    else
      lstm_layer = register_module(
          "lstm",
          tg::nn::LSTM(tg::nn::LSTMOptions(1, options.hidden).num_layers(options.layers).batch_first(true)));
    head = register_module("head", tg::nn::Linear(options.hidden, kClasses));
  }

  // Logits [B, classes] from the last layer's final hidden state of each sequence.
  tg::Tensor forward(const rnn_utils::PackedSequence& packed) {
    tg::Tensor h_n = gru ? std::get<1>(gru_layer->forward_with_packed_input(packed))
                         : std::get<0>(std::get<1>(lstm_layer->forward_with_packed_input(packed)));
    return head(h_n[-1]);
  }

  bool gru;
  tg::nn::LSTM lstm_layer{nullptr};
  tg::nn::GRU gru_layer{nullptr};
  tg::nn::Linear head{nullptr};
};
TG_MODULE(WaveClassifier);

double accuracy(WaveClassifier& model, const std::vector<Example>& examples, std::int64_t batch_size) {
  tg::NoGradGuard no_grad;
  model->eval();
  std::int64_t correct = 0;
  for (std::size_t first = 0; first < examples.size(); first += static_cast<std::size_t>(batch_size)) {
    const Batch batch =
        make_batch(examples, first, std::min(examples.size(), first + static_cast<std::size_t>(batch_size)));
    correct += model(batch.packed).argmax(1).eq(batch.labels).sum().item<std::int64_t>();
  }
  model->train();
  return static_cast<double>(correct) / static_cast<double>(examples.size());
}

int train(const Options& options) {
  if (options.threads > 0) tg::set_num_threads(options.threads);
  tg::manual_seed(options.seed);
  std::vector<Example> train_set = make_dataset(options.train_size, options.seed * 2 + 1);
  const std::vector<Example> test_set = make_dataset(options.test_size, options.seed * 2 + 2);
  std::printf("waveforms: %zu training and %zu test sequences of 12 to 64 samples, %lld classes\n",
              train_set.size(), test_set.size(), static_cast<long long>(kClasses));

  WaveClassifier model(options);
  std::cout << model << "\n";
  tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(options.lr));
  tg::optim::CosineAnnealingLR schedule(optimizer, options.epochs);  // settles the last epochs
  std::mt19937_64 shuffle_rng(options.seed);

  const auto batch_size = static_cast<std::size_t>(options.batch_size);
  const auto batches = static_cast<std::int64_t>((train_set.size() + batch_size - 1) / batch_size);
  std::vector<examples::EpochStats> history;
  double seconds = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::shuffle(train_set.begin(), train_set.end(), shuffle_rng);
    examples::ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs),
                              batches);
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0, step = 0;
    char status[96];
    for (std::size_t first = 0; first < train_set.size(); first += batch_size) {
      const Batch batch = make_batch(train_set, first, std::min(train_set.size(), first + batch_size));
      optimizer.zero_grad();
      tg::Tensor logits = model(batch.packed);
      tg::Tensor loss = tg::nn::functional::cross_entropy(logits, batch.labels);
      loss.backward();
      tg::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      optimizer.step();
      const std::int64_t n = batch.labels.size(0);
      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
      seen += n;
      std::snprintf(status, sizeof status, "loss %.4f  acc %.3f", loss_sum / static_cast<double>(seen),
                    static_cast<double>(correct) / static_cast<double>(seen));
      bar.update(++step, status);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back({loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen),
                       accuracy(model, test_set, 250)});
    std::snprintf(status, sizeof status, "loss %.4f  train acc %.3f  test acc %.3f",
                  history.back().train_loss, history.back().train_accuracy, history.back().test_accuracy);
    bar.finish(status);
    schedule.step();
  }

  const fs::path out_dir(options.output_dir);
  fs::create_directories(out_dir);
  const fs::path checkpoint = out_dir / "sequence.safetensors";
  tg::save(model, checkpoint.string());
  examples::write_curve(out_dir / "curve.csv", history);
  std::printf("checkpoint: %s\ncurve: %s\n", checkpoint.c_str(), (out_dir / "curve.csv").c_str());
  examples::plot_curve(out_dir / "curve.csv", out_dir / "curve.png",
                       std::string("tapegrad: ") + (options.gru ? "GRU" : "LSTM") + " on packed waveforms");
  const double final_accuracy = history.empty() ? 0.0 : history.back().test_accuracy;
  std::printf("training: %.2f s per epoch; test accuracy: %.2f %%\n", seconds / std::max(options.epochs, 1),
              100.0 * final_accuracy);
  return final_accuracy >= options.min_accuracy ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description description("Classifies variable-length waveforms with an LSTM or GRU.\nOptions");
  description.add_options()("help,h", "show this help")(
      "epochs", po::value(&options.epochs)->default_value(options.epochs), "training epochs")(
      "batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "sequences per batch")(
      "lr", po::value(&options.lr)->default_value(options.lr),
      "Adam learning rate (cosine-annealed to 0 over the epochs)")(
      "hidden", po::value(&options.hidden)->default_value(options.hidden),
      "hidden size of the recurrent layer")(
      "layers", po::value(&options.layers)->default_value(options.layers), "stacked recurrent layers")(
      "gru", po::bool_switch(&options.gru), "a GRU instead of an LSTM")(
      "train-size", po::value(&options.train_size)->default_value(options.train_size), "training sequences")(
      "test-size", po::value(&options.test_size)->default_value(options.test_size), "test sequences")(
      "seed", po::value(&options.seed)->default_value(options.seed), "seed for data, init and shuffling")(
      "output-dir", po::value(&options.output_dir)->default_value(options.output_dir),
      "where the checkpoint, CSV curve and plot go")(
      "min-accuracy", po::value(&options.min_accuracy)->default_value(options.min_accuracy),
      "exit with status 1 when the final test accuracy is lower")(
      "threads", po::value(&options.threads)->default_value(options.threads),
      "OpenMP and BLIS threads (0: the default)");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "sequence: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }
  try {
    return train(options);
  } catch (const tg::Error& e) {
    std::cerr << "sequence: " << e.what() << "\n";
    return 1;
  }
}
