#pragma once
// libtorch's data loader: make_data_loader(dataset, sampler, options) returns a StatelessDataLoader whose
// begin() starts an epoch (resetting the sampler) and whose iterators yield the dataset's batches:
//
//   auto loader = tg::data::make_data_loader(dataset.map(tg::data::transforms::Stack<>()),
//                                            tg::data::DataLoaderOptions().batch_size(64).workers(2));
//   for (auto& batch : *loader) step(batch.data, batch.target);
//
// With workers(k > 0), k threads, each with its own copy of the dataset, load up to max_jobs batches ahead of
// the consumer; the sampler runs on the consumer's thread only and (with enforce_ordering) the batches arrive
// in sampler order, so a seeded program sees the same batches whatever the number of workers.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/nn/data/dataloader_options.hpp>
#include <tapegrad/nn/data/samplers.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::data {

/// A worker thread's exception, rethrown on the consumer's thread ("Caught exception in DataLoader worker
/// thread. Original message: ..."); original_exception holds the exception itself.
class WorkerException : public Error {
 public:
  explicit WorkerException(std::exception_ptr original);

  std::exception_ptr original_exception;
  std::string message;
};

/// An input iterator over a loader's batches. Copies share their position: advancing one advances all.
template <typename Batch>
class Iterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;
  using pointer = Batch*;
  using reference = Batch&;

  /// The end sentinel.
  Iterator() = default;
  explicit Iterator(std::function<std::optional<Batch>()> next_batch)
      : state_(std::make_shared<State>(std::move(next_batch))) {}

  Iterator& operator++() {
    check(state_ != nullptr, "DataLoader", "Attempted to increment iterator past the end");
    state_->fetch_first();
    state_->batch = state_->next_batch();
    return *this;
  }
  void operator++(int) { ++*this; }

  Batch& operator*() {
    check(state_ != nullptr && !state_->exhausted(), "DataLoader",
          "Attempted to dereference iterator that was past the end");
    return *state_->batch;
  }
  Batch* operator->() { return &**this; }

  friend bool operator==(const Iterator& a, const Iterator& b) {
    if (a.state_ == nullptr || b.state_ == nullptr)
      return (a.state_ == nullptr || a.state_->exhausted()) && (b.state_ == nullptr || b.state_->exhausted());
    return a.state_ == b.state_;
  }

 private:
  struct State {
    explicit State(std::function<std::optional<Batch>()> next) : next_batch(std::move(next)) {}
    // The first batch is loaded on first use, so that constructing begin() does no work.
    void fetch_first() {
      if (started) return;
      started = true;
      batch = next_batch();
    }
    bool exhausted() {
      fetch_first();
      return !batch.has_value();
    }

    std::function<std::optional<Batch>()> next_batch;
    std::optional<Batch> batch;
    bool started = false;
  };
  std::shared_ptr<State> state_;
};

/// Loads the batches of a stateless (map-style or stream) dataset in the order its sampler asks for them.
template <typename Dataset, typename Sampler>
class StatelessDataLoader {
 public:
  using BatchType = typename Dataset::BatchType;
  using BatchRequestType = typename Sampler::BatchRequestType;

  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : options_(std::move(options)), sampler_(std::move(sampler)) {
    check(options_.batch_size > 0, "make_data_loader", "batch_size must be positive, got 0");
    check(options_.workers == 0 || options_.max_jobs > 0, "make_data_loader",
          "max_jobs must be positive when there are workers, got 0 with ", options_.workers, " workers");
    for (std::size_t w = 0; w < options_.workers; ++w)
      workers_.emplace_back([this, dataset]() mutable { worker_loop(dataset); });
    if (options_.workers == 0) main_thread_dataset_ = std::make_unique<Dataset>(std::move(dataset));
  }
  StatelessDataLoader(const StatelessDataLoader&) = delete;
  StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;
  ~StatelessDataLoader() { join(); }

  /// Starts a new epoch: resets the sampler and discards whatever the previous epoch left unconsumed.
  Iterator<BatchType> begin() {
    reset();
    return Iterator<BatchType>([this] { return next(); });
  }
  Iterator<BatchType> end() { return Iterator<BatchType>(); }

  /// Stops the workers (the destructor does this too).
  void join() {
    if (joined_) return;
    {
      std::lock_guard lock(mutex_);
      ++generation_;
      jobs_.clear();
      results_.clear();
      for (std::size_t w = 0; w < workers_.size(); ++w) jobs_.push_back(Job{});
    }
    jobs_ready_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    joined_ = true;
  }

  const FullDataLoaderOptions& options() const noexcept { return options_; }

 private:
  struct Job {
    std::size_t sequence_number = 0;
    std::size_t generation = 0;
    std::optional<BatchRequestType> request;  // none: the worker quits
  };
  struct Result {
    std::optional<BatchType> batch;
    std::exception_ptr exception;
  };

  std::optional<BatchRequestType> get_batch_request() {
    auto request = sampler_.next(options_.batch_size);
    if (!request || (request->size() < options_.batch_size && options_.drop_last)) return std::nullopt;
    return request;
  }

  void reset() {
    check(!joined_, "DataLoader", "cannot start an epoch after join()");
    sampler_.reset(std::nullopt);
    {
      std::lock_guard lock(mutex_);
      ++generation_;  // results of jobs still running for the previous epoch are dropped when they arrive
      jobs_.clear();
      results_.clear();
      next_sequence_number_ = 0;
      next_result_ = 0;
      in_flight_ = 0;
    }
    prefetch(options_.max_jobs);
  }

  void prefetch(std::size_t jobs) {
    for (std::size_t j = 0; j < jobs; ++j) {
      std::optional<BatchRequestType> request = get_batch_request();
      if (!request) break;
      {
        std::lock_guard lock(mutex_);
        jobs_.push_back(Job{next_sequence_number_++, generation_, std::move(request)});
        ++in_flight_;
      }
      jobs_ready_.notify_one();
    }
  }

  std::optional<BatchType> next() {
    if (options_.workers == 0) {
      if (auto request = get_batch_request()) return main_thread_dataset_->get_batch(std::move(*request));
      return std::nullopt;
    }
    if (in_flight_ == 0) return std::nullopt;
    Result result = pop_result();
    if (result.exception) throw WorkerException(result.exception);
    prefetch(1);
    return std::move(result.batch);
  }

  Result pop_result() {
    std::unique_lock lock(mutex_);
    const auto ready = [this] {
      return options_.enforce_ordering ? results_.count(next_result_) > 0 : !results_.empty();
    };
    if (options_.timeout) {
      check(results_ready_.wait_for(lock, *options_.timeout, ready), "DataLoader",
            "Timeout in DataLoader queue while waiting for next batch (timeout was ",
            options_.timeout->count(), " ms)");
    } else {
      results_ready_.wait(lock, ready);
    }
    auto found = options_.enforce_ordering ? results_.find(next_result_) : results_.begin();
    Result result = std::move(found->second);
    results_.erase(found);
    ++next_result_;
    --in_flight_;
    return result;
  }

  void worker_loop(Dataset& dataset) {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        jobs_ready_.wait(lock, [this] { return !jobs_.empty(); });
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      if (!job.request) return;
      Result result;
      try {
        result.batch = dataset.get_batch(std::move(*job.request));
      } catch (...) {
        result.exception = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        if (job.generation != generation_) continue;
        results_.emplace(job.sequence_number, std::move(result));
      }
      results_ready_.notify_all();
    }
  }

  const FullDataLoaderOptions options_;
  Sampler sampler_;
  std::unique_ptr<Dataset> main_thread_dataset_;
  bool joined_ = false;

  // Shared with the workers, guarded by mutex_ (in_flight_ and the counters are only touched by the
  // consumer).
  std::mutex mutex_;
  std::condition_variable jobs_ready_;
  std::condition_variable results_ready_;
  std::deque<Job> jobs_;
  std::map<std::size_t, Result> results_;
  std::size_t generation_ = 0;
  std::size_t next_sequence_number_ = 0;
  std::size_t next_result_ = 0;
  std::size_t in_flight_ = 0;
  std::vector<std::thread> workers_;  // last: started after every other member exists
};

/// A loader over `dataset` in the order `sampler` gives.
template <typename Dataset, typename Sampler>
std::enable_if_t<!Dataset::is_stateful, std::unique_ptr<StatelessDataLoader<Dataset, Sampler>>>
make_data_loader(Dataset dataset, Sampler sampler, DataLoaderOptions options) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(std::move(dataset), std::move(sampler),
                                                                 std::move(options));
}

/// A loader whose sampler is Sampler(dataset.size()): by default a RandomSampler, drawn from the global
/// generator (tg::manual_seed) at every epoch. `options` may be just a batch size.
template <typename Sampler = samplers::RandomSampler, typename Dataset>
std::enable_if_t<!Dataset::is_stateful && std::is_constructible_v<Sampler, std::size_t>,
                 std::unique_ptr<StatelessDataLoader<Dataset, Sampler>>>
make_data_loader(Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const std::optional<std::size_t> size = dataset.size();
  check(size.has_value(), "make_data_loader",
        "Expected the dataset to be sized in order to construct the Sampler");
  return make_data_loader(std::move(dataset), Sampler(*size), std::move(options));
}

}  // namespace tg::data

#pragma GCC visibility pop
