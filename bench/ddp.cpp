// Data-parallel scaling on steps (b) and (c) of bench_train_step (the same MLPs, cross_entropy, SGD with
// momentum): one process, or every rank of `mpirun -np N ddp` with DistributedDataParallel, each rank
// with its own batch of the full per-step size (weak scaling: N ranks process N batches per step).
//   ddp [--steps b,c] [--iters K] [--bucket-cap-mb 25[,5,...]] [--threads 1] [--json PATH]
// Per step and bucket size it prints, as one JSON record per line (to --json, or stdout):
//   ms_per_step     median over K steps of the slowest rank's step (ranks start each step together)
//   local_ms        the same step without DDP, all ranks running at once (no communication): what the
//                   step costs on this machine when every core is busy with a rank
//   allreduce_ms    median of one all-reduce of all the gradients at once (one flat buffer)
//   hidden_fraction 1 - (ms_per_step - local_ms) / allreduce_ms, clamped to [0, 1]: the share of the
//                   communication that backward covered
// With --distributed it also times single all-reduces of 4 KiB ... 64 MiB (records {"kind": "allreduce",
// "ranks", "bytes", "ms"}): bench/notes/scaling_model.py fits the latency and bandwidth of the ring model
// to them. bench/run.sh's ddp stage runs it alone and under mpirun -np 2 and -np 3.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/distributed/distributed.hpp>
#include <tapegrad/tapegrad.hpp>

namespace {

struct Config {
  std::string name;
  std::vector<std::int64_t> widths;
  std::int64_t batch;
  int warmup;
};

const std::vector<Config> kConfigs = {
    {"b", {784, 512, 512, 10}, 256, 3},
    {"c", {1024, 4096, 4096, 1024}, 1024, 1},
};

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

struct Run {
  std::shared_ptr<tg::distributed::ProcessGroupMPI> group;  // null: one process, no MPI
  int size() const { return group ? group->getSize() : 1; }
  int rank() const { return group ? group->getRank() : 0; }
  void barrier() const {
    if (group) group->barrier()->wait();
  }
  // The slowest rank's value.
  double slowest(double value) const {
    if (!group) return value;
    std::vector<tg::Tensor> t{tg::tensor({value}, tg::kFloat64)};
    group->allreduce(t, {tg::distributed::ReduceOp::MAX})->wait();
    return t[0].item<double>();
  }
};

// Times `iters` steps, each started by all ranks together; returns the median of the slowest rank's time.
template <class Step>
double time_steps(const Run& run, int warmup, int iters, Step&& step) {
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> samples;
  for (int i = 0; i < iters; ++i) {
    run.barrier();
    const auto start = Clock::now();
    step();
    samples.push_back(run.slowest(std::chrono::duration<double, std::milli>(Clock::now() - start).count()));
  }
  return median(samples);
}

struct Model {
  explicit Model(const Config& config, int rank)
      : net(tg::nn::MLP(config.widths.front(),
                        std::vector<std::int64_t>(config.widths.begin() + 1, config.widths.end() - 1),
                        config.widths.back(), "relu")),
        optimizer(net->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9)) {
    tg::manual_seed(100 + static_cast<std::uint64_t>(rank));  // each rank its own data
    input = tg::randn({config.batch, config.widths.front()});
    target = tg::randint(0, config.widths.back(), {config.batch});
  }
  template <class Forward>
  void step(Forward&& forward) {
    optimizer.zero_grad();
    tg::cross_entropy(forward(input), target).backward();
    optimizer.step();
  }
  tg::nn::Sequential net;
  tg::optim::SGD optimizer;
  tg::Tensor input, target;
};

std::string record(const Config& config, const Run& run, double bucket_mb, double ms, double local_ms,
                   double allreduce_ms, std::int64_t parameters) {
  const double hidden = allreduce_ms > 0 ? std::clamp(1.0 - (ms - local_ms) / allreduce_ms, 0.0, 1.0) : 0.0;
  std::ostringstream out;
  out << "{\"kind\": \"step\", \"step\": \"" << config.name << "\", \"ranks\": " << run.size()
      << ", \"threads\": " << tg::get_num_threads() << ", \"batch_per_rank\": " << config.batch
      << ", \"parameters\": " << parameters << ", \"bucket_cap_mb\": " << bucket_mb
      << ", \"ms_per_step\": " << ms << ", \"local_ms\": " << local_ms
      << ", \"allreduce_ms\": " << allreduce_ms << ", \"hidden_fraction\": " << hidden
      << ", \"samples_per_s\": " << 1000.0 * double(config.batch * run.size()) / ms << "}";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string steps = "b,c", buckets = "25", json;
  int iters = 0, threads = 1;
  bool distributed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw tg::Error("ddp: " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--steps")
      steps = value();
    else if (arg == "--iters")
      iters = std::stoi(value());
    else if (arg == "--bucket-cap-mb")
      buckets = value();
    else if (arg == "--threads")
      threads = std::stoi(value());
    else if (arg == "--json")
      json = value();
    else if (arg == "--distributed")
      distributed = true;
    else {
      std::cerr
          << "usage: [mpirun -np N] ddp [--distributed] [--steps b,c] [--iters K] [--bucket-cap-mb 25,5] "
             "[--threads 1] [--json PATH]\n";
      return 2;
    }
  }
  tg::set_num_threads(threads);
  Run run;
  if (distributed) run.group = tg::distributed::ProcessGroupMPI::create();
  std::ofstream file;
  if (!json.empty() && run.rank() == 0) file.open(json, std::ios::app);
  std::ostream& out = json.empty() ? std::cout : file;

  if (run.group) {
    for (std::int64_t bytes = 4096; bytes <= (std::int64_t(64) << 20); bytes *= 4) {
      tg::Tensor buffer = tg::zeros({bytes / 4});
      const double ms = time_steps(run, 2, bytes > (4 << 20) ? 5 : 20, [&] {
        std::vector<tg::Tensor> t{buffer};
        run.group->allreduce(t)->wait();
      });
      if (run.rank() == 0)
        out << "{\"kind\": \"allreduce\", \"ranks\": " << run.size() << ", \"bytes\": " << bytes
            << ", \"ms\": " << ms << "}" << std::endl;
    }
  }

  for (const std::string& name : split(steps)) {
    auto config =
        std::find_if(kConfigs.begin(), kConfigs.end(), [&](const Config& c) { return c.name == name; });
    if (config == kConfigs.end()) throw tg::Error("ddp: unknown step " + name + " (b or c)");
    const int k = iters > 0 ? iters : (name == "b" ? 30 : 6);
    Model model(*config, run.rank());
    std::int64_t parameters = 0;
    for (const auto& p : model.net->parameters()) parameters += p.numel();
    const double local_ms = time_steps(
        run, config->warmup, k, [&] { model.step([&](const tg::Tensor& x) { return model.net(x); }); });
    if (!run.group) {
      out << record(*config, run, 0, local_ms, local_ms, 0, parameters) << std::endl;
      continue;
    }
    // One all-reduce of every gradient: the communication DDP has to hide.
    tg::Tensor flat = tg::zeros({parameters});
    const double allreduce_ms = time_steps(run, 1, std::max(k, 5), [&] {
      std::vector<tg::Tensor> t{flat};
      run.group->allreduce(t)->wait();
    });
    for (const std::string& mb : split(buckets)) {
      const double cap = std::stod(mb);
      Model replica(*config, run.rank());
      tg::nn::parallel::DistributedDataParallel ddp(
          replica.net, run.group,
          tg::nn::parallel::DDPOptions().bucket_cap_mb(cap).gradient_as_bucket_view(true));
      const double ms = time_steps(run, config->warmup + 1, k,
                                   [&] { replica.step([&](const tg::Tensor& x) { return ddp(x); }); });
      if (run.rank() == 0)
        out << record(*config, run, cap, ms, local_ms, allreduce_ms, parameters) << std::endl;
    }
  }
  return 0;
}
