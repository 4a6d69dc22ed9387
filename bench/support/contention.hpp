#pragma once
// The contention benchmark (bench/contention.cpp for tapegrad, bench/compare_libtorch/contention_libtorch.cpp
// for libtorch): step (a), step (b) and a Fashion-MNIST-style training loop, each timed on an idle machine
// and next to N busy processes (N = online CPUs) that this program forks, spinning in `while (1)`.
// The workloads are written once, as a libtorch program: the includer defines namespace `torch` (tapegrad
// through `namespace torch = tg;`, the point of its API). Output: one JSON object per line (--out FILE),
// read by bench/report.py into BENCHMARKS.md's "contention" table.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace contention {

// N children spinning until this object dies (SIGKILL by pid, then reaped).
class BusyProcesses {
 public:
  explicit BusyProcesses(int count) {
    for (int i = 0; i < count; ++i) {
      const pid_t pid = fork();
      if (pid == 0) {
        volatile std::uint64_t spin = 0;
        while (true) spin = spin + 1;
      }
      if (pid > 0) children_.push_back(pid);
    }
    usleep(200 * 1000);  // let the scheduler spread them
  }
  ~BusyProcesses() {
    for (const pid_t pid : children_) kill(pid, SIGKILL);
    for (const pid_t pid : children_) waitpid(pid, nullptr, 0);
  }
  BusyProcesses(const BusyProcesses&) = delete;
  BusyProcesses& operator=(const BusyProcesses&) = delete;

 private:
  std::vector<pid_t> children_;
};

// A multi-layer perceptron with dropout before the last layer (when `dropout` > 0), as examples/fashion_mlp.
inline torch::nn::Sequential mlp(const std::vector<std::int64_t>& widths, double dropout) {
  torch::nn::Sequential net;
  for (std::size_t layer = 0; layer + 1 < widths.size(); ++layer) {
    if (dropout > 0 && layer + 2 == widths.size()) net->push_back(torch::nn::Dropout(dropout));
    net->push_back(torch::nn::Linear(widths[layer], widths[layer + 1]));
    if (layer + 2 < widths.size()) net->push_back(torch::nn::ReLU());
  }
  return net;
}

// bench_train_step's step: SGD with momentum 0.9 on one fixed batch, `steps` times.
struct TrainStep {
  TrainStep(std::vector<std::int64_t> widths, std::int64_t batch, int steps)
      : net(mlp(widths, 0)),
        optimizer(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9)),
        input(torch::randn({batch, widths.front()})),
        target(torch::randint(0, widths.back(), {batch})),
        steps(steps) {}

  void run() {
    for (int i = 0; i < steps; ++i) {
      optimizer.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(input), target);
      loss.backward();
      optimizer.step();
    }
  }

  torch::nn::Sequential net;
  torch::optim::SGD optimizer;
  torch::Tensor input, target;
  int steps;
};

// examples/fashion_mlp's training loop on synthetic data of Fashion-MNIST's shape (60000 x 784, 10
// classes): 784-256-128-10 with ReLU and dropout 0.1, Adam 1e-3, batches of 64 in order, one epoch.
struct FashionEpoch {
  static constexpr std::int64_t kExamples = 60000, kBatch = 64;
  FashionEpoch()
      : net(mlp({784, 256, 128, 10}, 0.1)),
        optimizer(net->parameters(), torch::optim::AdamOptions(1e-3)),
        images(torch::rand({kExamples, 784})),
        labels(torch::randint(0, 10, {kExamples})) {}

  void run() {
    net->train();
    for (std::int64_t start = 0; start < kExamples; start += kBatch) {
      const std::int64_t size = std::min(kBatch, kExamples - start);
      optimizer.zero_grad();
      torch::Tensor logits = net->forward(images.narrow(0, start, size));
      torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels.narrow(0, start, size));
      loss.backward();
      optimizer.step();
    }
  }

  torch::nn::Sequential net;
  torch::optim::Adam optimizer;
  torch::Tensor images, labels;
};

struct Workload {
  std::string name;
  std::function<void()> run;
  double units;  // what one run counts (steps), so the table can show time per step as well
  std::string unit;
};

inline double seconds_of(const std::function<void()>& run) {
  const auto start = std::chrono::steady_clock::now();
  run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct Options {
  std::string out;
  int repetitions = 5;
  int busy = 0;  // 0: the online CPUs
  std::string only;
  bool idle = true, busy_too = true;  // --conditions=idle|busy|idle,busy
};

inline Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&](const char* name) -> const char* {
      const std::size_t length = std::strlen(name);
      return arg.compare(0, length, name) == 0 ? argv[i] + length : nullptr;
    };
    if (const char* v = value("--out="))
      options.out = v;
    else if (const char* v = value("--repetitions="))
      options.repetitions = std::max(1, std::atoi(v));
    else if (const char* v = value("--busy="))
      options.busy = std::atoi(v);
    else if (const char* v = value("--only="))
      options.only = v;
    else if (const char* v = value("--conditions=")) {
      options.idle = std::strstr(v, "idle") != nullptr;
      options.busy_too = std::strstr(v, "busy") != nullptr;
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--out=FILE] [--repetitions=N] [--busy=N] [--only=WORKLOAD] [--conditions=idle,busy]\n",
          argv[0]);
      std::exit(2);
    }
  }
  if (options.busy <= 0) options.busy = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  return options;
}

// Each workload: one warm-up run, then `repetitions` runs idle and `repetitions` next to the busy
// processes; medians and every run are printed and written as JSON lines.
inline int run_all(const char* program, const std::string& threads_note, std::vector<Workload> workloads,
                   int argc, char** argv) {
  const Options options = parse(argc, argv);
  std::ofstream out;
  if (!options.out.empty()) out.open(options.out);
  for (const Workload& workload : workloads) {
    if (!options.only.empty() && workload.name != options.only) continue;
    workload.run();  // warm-up: allocator, BLAS, kernel caches, thread start-up
    for (const bool busy : {false, true}) {
      if (busy ? !options.busy_too : !options.idle) continue;
      std::vector<double> runs;
      {
        std::unique_ptr<BusyProcesses> load;
        if (busy) load = std::make_unique<BusyProcesses>(options.busy);
        for (int r = 0; r < options.repetitions; ++r) runs.push_back(seconds_of(workload.run));
      }
      const double middle = median(runs);
      std::string list;
      for (const double s : runs) list += (list.empty() ? "" : ", ") + std::to_string(s);
      std::printf("%-10s %-8s %-5s median %9.4f s  (%7.3f ms/%s)  runs [%s]\n", program,
                  workload.name.c_str(), busy ? "busy" : "idle", middle, 1e3 * middle / workload.units,
                  workload.unit.c_str(), list.c_str());
      std::fflush(stdout);
      if (out)
        out << "{\"program\": \"" << program << "\", \"threads\": \"" << threads_note
            << "\", \"workload\": \"" << workload.name << "\", \"condition\": \"" << (busy ? "busy" : "idle")
            << "\", \"busy_processes\": " << (busy ? options.busy : 0) << ", \"median_s\": " << middle
            << ", \"units\": " << workload.units << ", \"unit\": \"" << workload.unit << "\", \"runs_s\": ["
            << list << "]}\n";
    }
  }
  return 0;
}

// The three workloads, built lazily (each holds its own model and data).
inline std::vector<Workload> workloads() {
  auto a = std::make_shared<TrainStep>(std::vector<std::int64_t>{784, 128, 10}, 64, 200);
  auto b = std::make_shared<TrainStep>(std::vector<std::int64_t>{784, 512, 512, 10}, 256, 40);
  auto fashion = std::make_shared<FashionEpoch>();
  return {{"a", [a] { a->run(); }, 200, "step"},
          {"b", [b] { b->run(); }, 40, "step"},
          {"fashion", [fashion] { fashion->run(); }, 938, "step"}};
}

}  // namespace contention
