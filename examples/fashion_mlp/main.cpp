// Trains an MLP on Fashion-MNIST (70,000 28x28 grey images of clothes in 10 classes, Debian's
// dataset-fashion-mnist) with libtorch's idioms: datasets::MNIST mapped through Normalize and Stack,
// make_data_loader with a RandomSampler and worker threads, a TG_MODULE model built from an options
// struct, Adam, zero_grad/backward/step. Shows a progress bar per epoch and the test accuracy after each
// one, saves a safetensors checkpoint, writes the curve as CSV and plots it with gnuplot.
//
// The regions between "tutorial:begin" and "tutorial:end" are quoted verbatim in README.md's
// tutorial; ctest (example.fashion_mlp_readme) checks that they still are.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <tapegrad/tapegrad.hpp>

#include "common/progress_bar.hpp"
#include "common/training_curve.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// tutorial:begin model
struct FashionNetOptions {
  TG_ARG(std::int64_t, hidden1) = 256;
  TG_ARG(std::int64_t, hidden2) = 128;
  TG_ARG(double, dropout) = 0.1;
};

struct FashionNetImpl : tg::nn::Module {
  explicit FashionNetImpl(const FashionNetOptions& options = {})
      : fc1(register_module("fc1", tg::nn::Linear(28 * 28, options.hidden1()))),
        fc2(register_module("fc2", tg::nn::Linear(options.hidden1(), options.hidden2()))),
        fc3(register_module("fc3", tg::nn::Linear(options.hidden2(), 10))),
        dropout(register_module("dropout", tg::nn::Dropout(tg::nn::DropoutOptions(options.dropout())))) {}

  tg::Tensor forward(tg::Tensor x) {
    x = tg::relu(fc1(x.flatten(1)));
    x = dropout(tg::relu(fc2(x)));
    return fc3(x);  // logits
  }

  tg::nn::Linear fc1, fc2, fc3;
  tg::nn::Dropout dropout;
};
TG_MODULE(FashionNet);
// tutorial:end model

struct Options {
  int epochs = 10;
  std::int64_t batch_size = 64;
  double lr = 1e-3;
  std::int64_t hidden1 = 256, hidden2 = 128;
  double dropout = 0.1;
  std::size_t workers = 2;
  std::int64_t train_size = 0;  // 0: all 60,000 training images
  std::uint64_t seed = 0;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string output_dir = "fashion_mlp_output";
  double min_accuracy = 0.85;
  int threads = 0;  // 0: the library's default
};

std::int64_t count_correct(const tg::Tensor& logits, const tg::Tensor& targets) {
  return logits.argmax(1).eq(targets).sum().item<std::int64_t>();
}

template <class Loader>
double test_accuracy(FashionNet& model, Loader& test_loader) {
  tg::NoGradGuard no_grad;
  model->eval();
  std::int64_t correct = 0, seen = 0;
  for (auto& batch : *test_loader) {
    correct += count_correct(model(batch.data), batch.target);
    seen += batch.target.size(0);
  }
  model->train();
  return static_cast<double>(correct) / static_cast<double>(seen);
}

int train(const Options& options) {
  if (options.threads > 0) tg::set_num_threads(options.threads);
  tg::manual_seed(options.seed);
  const std::string root = options.data_dir;
  // tutorial:begin data
  auto train_set = tg::data::datasets::MNIST(root)  // Fashion-MNIST uses MNIST's file format
                       .map(tg::data::transforms::Normalize<>(0.2860, 0.3530))
                       .map(tg::data::transforms::Stack<>());
  auto test_set = tg::data::datasets::MNIST(root, tg::data::datasets::MNIST::Mode::kTest)
                      .map(tg::data::transforms::Normalize<>(0.2860, 0.3530))
                      .map(tg::data::transforms::Stack<>());
  // tutorial:end data
  const auto train_images = static_cast<std::int64_t>(train_set.size().value());
  const std::int64_t train_size =
      options.train_size > 0 ? std::min(options.train_size, train_images) : train_images;
  std::printf("fashion-mnist: %lld of %lld training images, %zu test images\n",
              static_cast<long long>(train_size), static_cast<long long>(train_images),
              test_set.size().value());

  // A RandomSampler over the first train_size indices trains on a subset (the --train-size option).
  auto train_loader = tg::data::make_data_loader(
      std::move(train_set), tg::data::samplers::RandomSampler(train_size),
      tg::data::DataLoaderOptions().batch_size(options.batch_size).workers(options.workers));
  auto test_loader = tg::data::make_data_loader<tg::data::samplers::SequentialSampler>(
      std::move(test_set), tg::data::DataLoaderOptions().batch_size(1000));

  FashionNet model(
      FashionNetOptions().hidden1(options.hidden1).hidden2(options.hidden2).dropout(options.dropout));
  std::cout << model << "\n";
  tg::optim::Adam optimizer(model->parameters(), tg::optim::AdamOptions(options.lr));

  const auto batches = (train_size + options.batch_size - 1) / options.batch_size;
  std::vector<examples::EpochStats> history;
  double seconds = 0;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    examples::ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs),
                              batches);
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0, step = 0;
    char status[96];
    for (auto& batch : *train_loader) {
      // tutorial:begin step
      optimizer.zero_grad();
      tg::Tensor logits = model(batch.data);
      tg::Tensor loss = tg::nn::functional::cross_entropy(logits, batch.target);
      loss.backward();
      optimizer.step();
      // tutorial:end step
      const std::int64_t n = batch.target.size(0);
      loss_sum += loss.item<double>() * static_cast<double>(n);
      correct += count_correct(logits, batch.target);
      seen += n;
      std::snprintf(status, sizeof status, "loss %.4f  acc %.3f", loss_sum / static_cast<double>(seen),
                    static_cast<double>(correct) / static_cast<double>(seen));
      bar.update(++step, status);
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back({loss_sum / static_cast<double>(seen),
                       static_cast<double>(correct) / static_cast<double>(seen),
                       test_accuracy(model, test_loader)});
    std::snprintf(status, sizeof status, "loss %.4f  train acc %.3f  test acc %.3f",
                  history.back().train_loss, history.back().train_accuracy, history.back().test_accuracy);
    bar.finish(status);
  }

  const fs::path out_dir(options.output_dir);
  fs::create_directories(out_dir);
  const fs::path checkpoint = out_dir / "fashion_mlp.safetensors";
  tg::save(model, checkpoint.string());
  examples::write_curve(out_dir / "curve.csv", history);
  std::printf("checkpoint: %s\ncurve: %s\n", checkpoint.c_str(), (out_dir / "curve.csv").c_str());
  examples::plot_curve(out_dir / "curve.csv", out_dir / "curve.png", "tapegrad: MLP on Fashion-MNIST");

  const double final_accuracy = history.empty() ? 0.0 : history.back().test_accuracy;
  std::printf("training: %.1f s per epoch; test accuracy: %.2f %%\n", seconds / std::max(options.epochs, 1),
              100.0 * final_accuracy);
  return final_accuracy >= options.min_accuracy ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description description("Trains an MLP on Fashion-MNIST.\nOptions");
  description.add_options()("help,h", "show this help")(
      "epochs", po::value(&options.epochs)->default_value(options.epochs), "training epochs")(
      "batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "examples per batch")(
      "lr", po::value(&options.lr)->default_value(options.lr), "Adam learning rate")(
      "hidden1", po::value(&options.hidden1)->default_value(options.hidden1),
      "width of the first hidden layer")("hidden2",
                                         po::value(&options.hidden2)->default_value(options.hidden2),
                                         "width of the second hidden layer")(
      "dropout", po::value(&options.dropout)->default_value(options.dropout),
      "dropout before the output layer")(
      "workers", po::value(&options.workers)->default_value(options.workers), "data-loader worker threads")(
      "train-size", po::value(&options.train_size)->default_value(options.train_size),
      "train on the first N images only (0: all 60,000)")(
      "seed", po::value(&options.seed)->default_value(options.seed), "seed for init, shuffling and dropout")(
      "data-dir", po::value(&options.data_dir)->default_value(options.data_dir),
      "directory of the (gzipped) IDX files")(
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
    std::cerr << "fashion_mlp: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }
  try {
    return train(options);
  } catch (const tg::Error& e) {
    std::cerr << "fashion_mlp: " << e.what() << "\n";
    return 1;
  }
}
