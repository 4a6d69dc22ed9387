// Trains an MLP (64 -> 128 -> 64 -> 10, ReLU) on scikit-learn's digits (1,797 8x8 images) with a
// fixed, seeded 80/20 split; shows a progress bar per epoch, saves a safetensors checkpoint, writes
// the loss/accuracy curve as CSV and, when gnuplot is installed, plots it to a PNG.
//
// With --distributed it trains data-parallel over MPI (`mpirun -np 2 ./digits --distributed`): every
// process takes its shard of each epoch (DistributedRandomSampler), DistributedDataParallel averages the
// gradients, --batch-size stays the global batch (split over the processes), and rank 0 alone prints,
// writes the checkpoint and the curve.
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <tapegrad/tapegrad.hpp>
#ifdef TAPEGRAD_HAVE_DISTRIBUTED
#include <tapegrad/distributed/distributed.hpp>
#endif

#include "common/progress_bar.hpp"
#include "common/training_curve.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

struct Options {
  int epochs = 30;
  std::int64_t batch_size = 32;
  double lr = 0.05;
  double momentum = 0.9;
  std::uint64_t seed = 0;
  std::string data = tg::data::default_digits_path().string();
  std::string output_dir = "digits_output";
  double min_accuracy = 0.97;
  int threads = 0;          // 0: the library's default
  std::string losses_path;  // when set: every step's loss, bit-exact (hex float), one per line
  bool distributed = false;
};

// This process's place in the job: one process alone, or rank `rank` of `size` under mpirun.
struct Job {
  int rank = 0;
  int size = 1;
#ifdef TAPEGRAD_HAVE_DISTRIBUTED
  std::shared_ptr<tg::distributed::ProcessGroupMPI> group;
#endif
  bool leader() const { return rank == 0; }

  // Sums `values` over the processes (epoch statistics).
  void sum(std::vector<double>& values) const {
#ifdef TAPEGRAD_HAVE_DISTRIBUTED
    if (!group) return;
    std::vector<tg::Tensor> t{tg::tensor(values, tg::kFloat64)};
    group->allreduce(t)->wait();
    values = t[0].to_vector<double>();
#else
    (void)values;
#endif
  }
};

Job start_job(bool distributed) {
  Job job;
  if (!distributed) return job;
#ifdef TAPEGRAD_HAVE_DISTRIBUTED
  job.group = tg::distributed::ProcessGroupMPI::create();
  job.rank = job.group->getRank();
  job.size = job.group->getSize();
  return job;
#else
  throw tg::Error("--distributed: this build of tapegrad has no MPI (install libopenmpi-dev and rebuild)");
#endif
}

// scikit-learn's digits as a libtorch map-style dataset: example i is (64 pixels in [0, 1], label).
class DigitsDataset : public tg::data::datasets::Dataset<DigitsDataset> {
 public:
  explicit DigitsDataset(const tg::data::TensorDataset& digits)
      : images_(digits.inputs()), labels_(digits.targets()) {}

  tg::data::Example<> get(std::size_t index) override {
    const auto i = static_cast<std::int64_t>(index);
    return {images_[i], labels_[i]};
  }
  std::optional<std::size_t> size() const override { return static_cast<std::size_t>(images_.size(0)); }

 private:
  tg::Tensor images_, labels_;
};

std::int64_t count_correct(const tg::Tensor& logits, const tg::Tensor& targets) {
  return logits.argmax(1).eq(targets).sum().item<std::int64_t>();
}

double accuracy(tg::nn::Sequential& net, const tg::data::TensorDataset& dataset) {
  tg::NoGradGuard no_grad;
  net->eval();
  const double result = static_cast<double>(count_correct(net(dataset.inputs()), dataset.targets())) /
                        static_cast<double>(dataset.size());
  net->train();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description description("Trains an MLP on the digits dataset.\nOptions");
  description.add_options()("help,h", "show this help")(
      "epochs", po::value(&options.epochs)->default_value(options.epochs), "training epochs")(
      "batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "examples per batch")(
      "lr", po::value(&options.lr)->default_value(options.lr), "SGD learning rate")(
      "momentum", po::value(&options.momentum)->default_value(options.momentum), "SGD momentum")(
      "seed", po::value(&options.seed)->default_value(options.seed), "seed for init, split and shuffling")(
      "data", po::value(&options.data)->default_value(options.data), "digits.csv(.gz)")(
      "output-dir", po::value(&options.output_dir)->default_value(options.output_dir),
      "where the checkpoint, CSV curve and plot go")(
      "min-accuracy", po::value(&options.min_accuracy)->default_value(options.min_accuracy),
      "exit with status 1 when the final test accuracy is lower")(
      "threads", po::value(&options.threads)->default_value(options.threads),
      "OpenMP and BLIS threads (0: the default)")(
      "losses", po::value(&options.losses_path),
      "write every step's loss to this file as a hex float, for bit-exact comparisons of runs")(
      "distributed", po::bool_switch(&options.distributed),
      "train data-parallel over MPI: run under mpirun -np N (README: \"Training on several machines\")");
  po::variables_map args;
  try {
    po::store(po::parse_command_line(argc, argv, description), args);
    po::notify(args);
  } catch (const po::error& e) {
    std::cerr << "digits: " << e.what() << "\n" << description;
    return 2;
  }
  if (args.count("help")) {
    std::cout << description;
    return 0;
  }

  try {
    if (options.threads > 0) tg::set_num_threads(options.threads);
    const Job job = start_job(options.distributed);
    std::FILE* losses = nullptr;
    if (!options.losses_path.empty() && job.leader()) {
      const fs::path parent = fs::path(options.losses_path).parent_path();
      if (!parent.empty()) fs::create_directories(parent);
      losses = std::fopen(options.losses_path.c_str(), "w");
      if (losses == nullptr) throw tg::Error("cannot write " + options.losses_path);
    }
    tg::manual_seed(options.seed);
    const tg::data::TensorDataset digits = tg::data::load_digits(options.data);
    const auto [train, test] = tg::data::train_test_split(digits, 0.2, options.seed);
    if (job.leader())
      std::printf("digits: %lld training and %lld test images%s\n", static_cast<long long>(train.size()),
                  static_cast<long long>(test.size()),
                  job.size > 1 ? (", " + std::to_string(job.size) + " processes").c_str() : "");

    tg::nn::Sequential net(tg::nn::Linear(64, 128), tg::nn::ReLU(), tg::nn::Linear(128, 64), tg::nn::ReLU(),
                           tg::nn::Linear(64, 10));
    if (job.leader()) std::cout << net << "\n";
    tg::optim::SGD optimizer(net->parameters(), tg::optim::SGDOptions(options.lr).momentum(options.momentum));
    // Each process takes its shard of every epoch; alone, the shard is the whole (shuffled) set. The
    // permutation is seeded by the seed and the epoch (set_epoch), so runs repeat.
    const std::int64_t local_batch = std::max<std::int64_t>(1, options.batch_size / job.size);
    const tg::data::TensorDataset& train_set =
        train;  // a lambda cannot capture a structured binding (clang 14)
    auto epoch_loader = [&](int epoch) {
      tg::data::samplers::DistributedRandomSampler sampler(static_cast<std::size_t>(train_set.size()),
                                                           static_cast<std::size_t>(job.size),
                                                           static_cast<std::size_t>(job.rank));
      sampler.set_epoch(options.seed * 1000 + static_cast<std::size_t>(epoch));
      return tg::data::make_data_loader(
          DigitsDataset(train_set).map(tg::data::transforms::Stack<>()), std::move(sampler),
          tg::data::DataLoaderOptions().batch_size(static_cast<std::size_t>(local_batch)));
    };
    const std::int64_t shard_size = (train.size() + job.size - 1) / job.size;
    const std::int64_t batches = (shard_size + local_batch - 1) / local_batch;
#ifdef TAPEGRAD_HAVE_DISTRIBUTED
    std::optional<tg::nn::parallel::DistributedDataParallel<tg::nn::Sequential>> ddp;
    if (job.group) ddp.emplace(net, job.group);
    auto forward = [&](const tg::Tensor& x) { return ddp ? (*ddp)(x) : net(x); };
#else
    auto forward = [&](const tg::Tensor& x) { return net(x); };
#endif

    std::vector<examples::EpochStats> history;
    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      auto loader = epoch_loader(epoch);
      examples::ProgressBar bar("epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs),
                                batches);
      double loss_sum = 0;
      std::int64_t correct = 0, seen = 0, step = 0;
      char status[96];
      for (auto& batch : *loader) {
        optimizer.zero_grad();
        tg::Tensor logits = forward(batch.data);
        tg::Tensor loss = tg::nn::functional::cross_entropy(logits, batch.target);
        loss.backward();
        optimizer.step();
        if (losses != nullptr) std::fprintf(losses, "%a\n", loss.item<double>());
        loss_sum += loss.item<double>() * static_cast<double>(batch.target.numel());
        correct += count_correct(logits, batch.target);
        seen += batch.target.numel();
        std::snprintf(status, sizeof status, "loss %.4f  acc %.3f", loss_sum / static_cast<double>(seen),
                      static_cast<double>(correct) / static_cast<double>(seen));
        if (job.leader()) bar.update(++step, status);
      }
      std::vector<double> totals{loss_sum, static_cast<double>(correct), static_cast<double>(seen)};
      job.sum(totals);  // every process's shard
      examples::EpochStats stats{totals[0] / totals[2], totals[1] / totals[2], accuracy(net, test)};
      history.push_back(stats);
      std::snprintf(status, sizeof status, "loss %.4f  train acc %.3f  test acc %.3f", stats.train_loss,
                    stats.train_accuracy, stats.test_accuracy);
      if (job.leader()) bar.finish(status);
    }

    if (losses != nullptr) std::fclose(losses);
    const double final_accuracy = history.back().test_accuracy;
    if (!job.leader()) return final_accuracy >= options.min_accuracy ? 0 : 1;  // rank 0 writes
    const fs::path out_dir(options.output_dir);
    fs::create_directories(out_dir);
    tg::save(net, (out_dir / "digits_mlp.safetensors").string());
    examples::write_curve(out_dir / "curve.csv", history);
    std::printf("checkpoint: %s\ncurve: %s\n", (out_dir / "digits_mlp.safetensors").c_str(),
                (out_dir / "curve.csv").c_str());
    examples::plot_curve(out_dir / "curve.csv", out_dir / "curve.png", "tapegrad: MLP on digits");

    std::printf("test accuracy: %.2f %%\n", 100.0 * final_accuracy);
    return final_accuracy >= options.min_accuracy ? 0 : 1;
  } catch (const tg::Error& e) {
    std::cerr << "digits: " << e.what() << "\n";
    return 1;
  }
}
