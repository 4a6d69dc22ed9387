// Note [one MPI thread]
// Every MPI call of the process is made by one thread of ours, the communication thread (it also calls
// MPI_Init_thread and MPI_Finalize, so MPI_THREAD_FUNNELED is all it asks for). A collective called on
// any thread is queued; the communication thread starts the queued ones in order with MPI's
// non-blocking collectives (MPI_Iallreduce, ...), so that several can be in flight (DistributedDataParallel
// starts one per gradient bucket during backward), and polls them with MPI_Testall. Open MPI's
// non-blocking collectives make progress only inside MPI calls, so the thread keeps testing while any is
// in flight; between tests it sleeps a few tens of microseconds instead of spinning, because the ranks
// of a machine usually have one core each and a spinning poller would take it from the backward pass.
// A blocking MPI call would spin inside Open MPI for the same reason. Collectives start in the order
// they were called, which is what MPI requires of every rank.
//
// A rank that dies takes the job down (mpirun kills the others); a rank that hangs leaves the others'
// collectives unfinished, and Work::wait() throws after the timeout. A group left with an unfinished
// collective cannot finalize MPI; the process then ends with MPI_Abort at exit.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/engine/grad_mode.hpp>
#include <tapegrad/autograd/ops/shape.hpp>
#include <tapegrad/autograd/tensor/factories.hpp>
#include <tapegrad/distributed/process_group_mpi.hpp>

namespace tg::distributed {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void mpi_failed(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(str("ProcessGroupMPI: ", call, " failed: ", std::string(text, length)));
}

void mpi_check(int code, const char* call) {
  if (code != MPI_SUCCESS) [[unlikely]]
    mpi_failed(call, code);
}

// One collective: start() issues its non-blocking MPI calls, finish() runs when they have completed
// (copies results into non-contiguous outputs, divides for AVG). Both run on the communication thread.
struct Collective {
  std::shared_ptr<Work> work;
  MPI_Comm comm = MPI_COMM_NULL;
  std::string
      metadata;  // non-empty: compare with every rank's first (ProcessGroupMPI::Options::check_metadata)
  std::function<void(std::vector<MPI_Request>&)> start;
  std::function<void()> finish;
  std::vector<MPI_Request> requests;
  // The metadata check's exchange, when in flight.
  std::vector<char> metadata_sent, metadata_received;
  bool checking_metadata = false;
};

constexpr std::size_t kMetadataBytes = 256;

// The communication thread and the queue in front of it; one per process (Note [one MPI thread]).
class Communicator {
 public:
  static std::shared_ptr<Communicator> instance() {
    static std::mutex creation;
    static std::shared_ptr<Communicator> communicator;
    std::lock_guard lock(creation);
    if (!communicator) communicator = std::shared_ptr<Communicator>(new Communicator());
    return communicator;
  }

  ~Communicator() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // Runs `task` on the communication thread and returns its result (MPI calls outside collectives).
  template <class F>
  auto run(F task) -> decltype(task()) {
    std::packaged_task<decltype(task())()> packaged(std::move(task));
    auto result = packaged.get_future();
    {
      std::lock_guard lock(mutex_);
      calls_.emplace_back([&packaged] { packaged(); });
    }
    wake_.notify_all();
    return result.get();
  }

  void enqueue(std::unique_ptr<Collective> collective) {
    {
      std::lock_guard lock(mutex_);
      check(!stopping_, "ProcessGroupMPI", "the communication thread has stopped");
      queued_.push_back(std::move(collective));
    }
    wake_.notify_all();
  }

  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }

 private:
  Communicator() {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, started = std::move(started)]() mutable { main(started); });
    ready.get();  // rethrows an initialization error
  }

  void main(std::promise<void>& started) {
    try {
      initialize();
      started.set_value();
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    loop();
    shut_down();
  }

  void initialize() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
      int provided = MPI_THREAD_SINGLE;
      MPI_Query_thread(&provided);
      check(provided >= MPI_THREAD_SERIALIZED, "ProcessGroupMPI",
            "MPI was initialized by the program with a thread level below MPI_THREAD_SERIALIZED; tapegrad "
            "makes "
            "its MPI calls on a thread of its own: call MPI_Init_thread(..., MPI_THREAD_SERIALIZED, ...) or "
            "let "
            "ProcessGroupMPI::create() initialize MPI");
    } else {
      // Open MPI's non-blocking all-reduce picks a binomial tree for two ranks; the ring is 2.2x faster on
      // 100 MB here (49 vs 109 ms; 72 vs 124 ms with three ranks). The user's own setting wins.
      setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", /*overwrite=*/0);
      int provided = MPI_THREAD_SINGLE;
      mpi_check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owns_mpi_ = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
  }

  void shut_down() {
    if (!owns_mpi_) return;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    if (!in_flight_.empty()) {
      // A collective never finished (a peer died or hangs): MPI_Finalize would wait for it forever.
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
  }

  void loop() {
    auto idle_since = Clock::now();
    for (;;) {
      std::deque<std::unique_ptr<Collective>> arrived;
      std::deque<std::function<void()>> calls;
      {
        std::unique_lock lock(mutex_);
        if (in_flight_.empty())
          wake_.wait(lock, [&] { return stopping_ || !queued_.empty() || !calls_.empty(); });
        if (stopping_ && queued_.empty() && calls_.empty() && (in_flight_.empty() || abandon_in_flight()))
          return;
        arrived.swap(queued_);
        calls.swap(calls_);
      }
      for (auto& call : calls) call();
      for (auto& collective : arrived) begin(std::move(collective));
      if (poll()) {
        idle_since = Clock::now();
      } else if (!in_flight_.empty()) {
        // Nothing finished: back off. Right after progress, test again soon (the next step of a
        // collective's schedule is often ready at once); after that, every ~50 microseconds.
        if (Clock::now() - idle_since > std::chrono::microseconds(200))
          std::this_thread::sleep_for(std::chrono::microseconds(40));
        else
          std::this_thread::yield();
      }
    }
  }

  // At shutdown, collectives still in flight can only be ones nobody waits for any more (their Work
  // timed out or was dropped); give them a moment, then leave them to MPI_Abort.
  bool abandon_in_flight() {
    if (stop_deadline_ == Clock::time_point()) stop_deadline_ = Clock::now() + std::chrono::seconds(1);
    return Clock::now() > stop_deadline_;
  }

  void begin(std::unique_ptr<Collective> collective) {
    try {
      if (!collective->metadata.empty()) {
        start_metadata_check(*collective);
      } else {
        collective->start(collective->requests);
      }
      in_flight_.push_back(std::move(collective));
    } catch (...) {
      collective->work->finish(std::current_exception());
    }
  }

  void start_metadata_check(Collective& collective) {
    int size = 0;
    MPI_Comm_size(collective.comm, &size);
    collective.metadata_sent.assign(kMetadataBytes, '\0');
    std::memcpy(collective.metadata_sent.data(), collective.metadata.data(),
                std::min(collective.metadata.size(), kMetadataBytes - 1));
    collective.metadata_received.assign(kMetadataBytes * static_cast<std::size_t>(size), '\0');
    collective.requests.resize(1);
    mpi_check(MPI_Iallgather(collective.metadata_sent.data(), int(kMetadataBytes), MPI_CHAR,
                             collective.metadata_received.data(), int(kMetadataBytes), MPI_CHAR,
                             collective.comm, collective.requests.data()),
              "MPI_Iallgather");
    collective.checking_metadata = true;
  }

  // Every rank holds every rank's description: all of them see the same mismatch and throw alike.
  void finish_metadata_check(Collective& collective) {
    collective.checking_metadata = false;
    collective.requests.clear();
    const std::size_t ranks = collective.metadata_received.size() / kMetadataBytes;
    std::ostringstream differences;
    bool differ = false;
    for (std::size_t r = 0; r < ranks; ++r) {
      const char* theirs = collective.metadata_received.data() + r * kMetadataBytes;
      if (std::strcmp(theirs, collective.metadata_sent.data()) != 0) differ = true;
      differences << (r == 0 ? "" : "; ") << "rank " << r << ": " << theirs;
    }
    check(!differ, "ProcessGroupMPI",
          "the ranks called different collectives or passed tensors of different shapes or dtypes (",
          differences.str(), ")");
    collective.start(collective.requests);
  }

  // Tests every collective in flight; returns whether any finished or advanced.
  bool poll() {
    bool progressed = false;
    for (auto it = in_flight_.begin(); it != in_flight_.end();) {
      Collective& collective = **it;
      bool done = true;
      try {
        if (!collective.requests.empty()) {
          int flag = 0;
          mpi_check(MPI_Testall(int(collective.requests.size()), collective.requests.data(), &flag,
                                MPI_STATUSES_IGNORE),
                    "MPI_Testall");
          done = flag != 0;
        }
        if (done && collective.checking_metadata) {
          finish_metadata_check(collective);
          progressed = true;
          ++it;
          continue;
        }
        if (done) {
          if (collective.finish) collective.finish();
          collective.work->finish();
        }
      } catch (...) {
        done = true;
        collective.work->finish(std::current_exception());
      }
      if (done) {
        progressed = true;
        it = in_flight_.erase(it);
      } else {
        ++it;
      }
    }
    return progressed;
  }

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<std::unique_ptr<Collective>> queued_;
  std::deque<std::function<void()>> calls_;
  std::deque<std::unique_ptr<Collective>> in_flight_;  // communication thread only
  Clock::time_point stop_deadline_;
  bool owns_mpi_ = false;
  int world_rank_ = 0;
  int world_size_ = 1;
};

MPI_Datatype mpi_type(Dtype dtype, const char* collective) {
  switch (dtype) {
    case kFloat32:
      return MPI_FLOAT;
    case kFloat64:
      return MPI_DOUBLE;
    case kInt64:
      return MPI_INT64_T;
    case kInt32:
      return MPI_INT32_T;
    case kInt16:
      return MPI_INT16_T;
    case kInt8:
      return MPI_INT8_T;
    case kUInt8:
      return MPI_UINT8_T;
    case kBool:
      return MPI_C_BOOL;
  }
  throw Error(str(collective, ": ProcessGroupMPI does not support ", dtype, " tensors"));
}

MPI_Op mpi_op(ReduceOp op, Dtype dtype, const char* collective) {
  const bool floating = dtype == kFloat32 || dtype == kFloat64;
  check(dtype != kBool, collective, "ProcessGroupMPI cannot reduce bool tensors (", reduce_op_name(op), ")");
  switch (op.op_) {
    case ReduceOp::SUM:
      return MPI_SUM;
    case ReduceOp::AVG:
      check(floating, collective, "Cannot use ReduceOp.AVG with integer tensors (", dtype, ")");
      return MPI_SUM;  // divided by the group's size when finished
    case ReduceOp::PRODUCT:
      return MPI_PROD;
    case ReduceOp::MIN:
      return MPI_MIN;
    case ReduceOp::MAX:
      return MPI_MAX;
    case ReduceOp::BAND:
    case ReduceOp::BOR:
    case ReduceOp::BXOR:
      check(!floating, collective, "ReduceOp ", reduce_op_name(op), " needs integer tensors, got ", dtype);
      return op.op_ == ReduceOp::BAND ? MPI_BAND : op.op_ == ReduceOp::BOR ? MPI_BOR : MPI_BXOR;
  }
  throw Error(str(collective, ": unknown ReduceOp ", int(op.op_)));
}

int mpi_count(const Tensor& t, const char* collective) {
  check(t.numel() <= std::numeric_limits<int>::max(), collective, "a tensor of ", t.numel(),
        " elements is more than one MPI call can move (2^31 - 1); split it");
  return static_cast<int>(t.numel());
}

// A tensor as MPI sees it: a contiguous buffer (the tensor itself when it is contiguous, else a copy that
// finish_into() copies back), its element type and count.
struct Staged {
  Tensor original;
  Tensor buffer;
  MPI_Datatype type;
  int count;
  void* data() const { return buffer.data_ptr(); }
};

Staged stage(const Tensor& t, const char* collective) {
  NoGradGuard no_grad;
  return {t, t.is_contiguous() ? t.detach() : t.detach().contiguous(), mpi_type(t.dtype(), collective),
          mpi_count(t, collective)};
}

std::vector<Staged> stage_all(const std::vector<Tensor>& tensors, const char* collective) {
  std::vector<Staged> staged;
  for (const Tensor& t : tensors) staged.push_back(stage(t, collective));
  return staged;
}

// After the collective: divides by the group's size for AVG (divisor > 1), then writes the result into
// the original tensor when MPI worked on a copy.
void finish_into(const Staged& staged, double divisor = 1) {
  NoGradGuard no_grad;
  if (divisor != 1) staged.buffer.div_(divisor);
  if (staged.buffer.data_ptr() != staged.original.data_ptr() || !staged.original.is_contiguous())
    staged.original.detach().copy_(staged.buffer);
}

// allgather's outputs / reduce_scatter's inputs: one tensor per rank, each shaped like `reference`.
void check_one_per_rank(const char* collective, const char* what, const std::vector<Tensor>& list,
                        const Tensor& reference, int ranks) {
  check(list.size() == static_cast<std::size_t>(ranks), collective, "the ", what, " list has ", list.size(),
        " tensors; it needs one per rank (", ranks, ")");
  for (std::size_t r = 0; r < list.size(); ++r)
    check(
        list[r].defined() && list[r].sizes() == reference.sizes() && list[r].dtype() == reference.dtype(),
        collective, what, " ", r, " must be ", reference.dtype(), " ", reference.sizes(), " like the ",
        std::string_view(what) == "output" ? "input" : "output", ", got ",
        list[r].defined() ? str(list[r].dtype(), " ", list[r].sizes()) : std::string("an undefined tensor"));
}

std::string describe(const char* collective, const std::vector<Tensor>& tensors,
                     std::string_view extra = {}) {
  std::ostringstream out;
  out << collective;
  if (!extra.empty()) out << ' ' << extra;
  out << " of";
  for (std::size_t i = 0; i < tensors.size(); ++i)
    out << (i == 0 ? " " : ", ") << tensors[i].dtype() << ' ' << tensors[i].sizes();
  if (tensors.empty()) out << " no tensors";
  return out.str();
}

void check_tensors(const char* collective, const std::vector<Tensor>& tensors) {
  check(!tensors.empty(), collective, "Requires a non-empty tensor list");
  for (std::size_t i = 0; i < tensors.size(); ++i)
    check(tensors[i].defined(), collective, "tensor ", i, " is undefined");
}

std::unique_ptr<Collective> collective_for(std::shared_ptr<Work> work, bool check_metadata) {
  auto collective = std::make_unique<Collective>();
  if (check_metadata) collective->metadata = work->description();
  collective->work = std::move(work);
  return collective;
}

}  // namespace

struct ProcessGroupMPI::Impl {
  std::shared_ptr<Communicator> communicator;
  MPI_Comm comm = MPI_COMM_NULL;

  ~Impl() {
    if (comm != MPI_COMM_NULL) communicator->run([this] { MPI_Comm_free(&comm); });
  }

  void submit(std::unique_ptr<Collective> collective) {
    collective->comm = comm;
    communicator->enqueue(std::move(collective));
  }
};

std::chrono::milliseconds ProcessGroupMPI::default_timeout() {
  if (const char* seconds = std::getenv("TG_DISTRIBUTED_TIMEOUT")) {
    char* end = nullptr;
    const double value = std::strtod(seconds, &end);
    check(end != seconds && *end == '\0' && value > 0, "ProcessGroupMPI",
          "TG_DISTRIBUTED_TIMEOUT must be a positive number of seconds, got '", seconds, "'");
    return std::chrono::milliseconds(static_cast<std::int64_t>(value * 1000));
  }
  return kProcessGroupDefaultTimeout;
}

bool ProcessGroupMPI::default_check_metadata() {
  const char* debug = std::getenv("TG_DISTRIBUTED_DEBUG");
  if (debug != nullptr && *debug != '\0') return std::string_view(debug) != "0";
#ifdef NDEBUG
  return false;
#else
  return true;
#endif
}

ProcessGroupMPI::ProcessGroupMPI(std::unique_ptr<Impl> impl, int rank, int size, Options options)
    : ProcessGroup(rank, size), impl_(std::move(impl)), options_(options) {}

ProcessGroupMPI::~ProcessGroupMPI() = default;

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::create(Options options) {
  check(options.timeout > std::chrono::milliseconds(0), "ProcessGroupMPI::create",
        "the timeout must be positive, got ", options.timeout.count(), " ms");
  auto impl = std::make_unique<Impl>();
  impl->communicator = Communicator::instance();
  // The group's communicator comes from MPI_Comm_idup, run like a collective: a rank that never calls
  // create() (hung, or stuck before it) makes the others' create() throw after the timeout instead of
  // waiting forever; the unfinished duplication then ends the job at exit (MPI_Abort).
  auto work = std::make_shared<Work>("creating the group (MPI_Comm_idup over every rank)", options.timeout);
  auto duplicate = collective_for(work, /*check_metadata=*/false);
  duplicate->comm = MPI_COMM_WORLD;
  duplicate->start = [target = &impl->comm](std::vector<MPI_Request>& requests) {
    requests.resize(1);
    mpi_check(MPI_Comm_idup(MPI_COMM_WORLD, target, requests.data()), "MPI_Comm_idup");
  };
  impl->communicator->enqueue(std::move(duplicate));
  try {
    work->wait();
  } catch (...) {
    (void)impl.release();  // MPI may still write its communicator: the process ends at exit anyway
    throw;
  }
  int rank = 0;
  int size = 1;
  impl->communicator->run([&] {
    MPI_Comm_set_errhandler(impl->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(impl->comm, &rank);
    MPI_Comm_size(impl->comm, &size);
  });
  return std::shared_ptr<ProcessGroupMPI>(new ProcessGroupMPI(std::move(impl), rank, size, options));
}

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::create() { return create(Options{}); }

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::createProcessGroupMPI(std::vector<int> ranks) {
  if (ranks.empty()) return create();
  auto impl = std::make_unique<Impl>();
  impl->communicator = Communicator::instance();
  const int world = impl->communicator->world_size();
  for (int r : ranks)
    check(r >= 0 && r < world, "createProcessGroupMPI", "rank ", r, " is not a rank of MPI_COMM_WORLD (size ",
          world, ")");
  int rank = -1;
  int size = 0;
  impl->communicator->run([&] {
    MPI_Group world_group = MPI_GROUP_NULL, group = MPI_GROUP_NULL;
    MPI_Comm_group(MPI_COMM_WORLD, &world_group);
    MPI_Group_incl(world_group, int(ranks.size()), ranks.data(), &group);
    // Collective over MPI_COMM_WORLD: every process calls it, members get the new communicator.
    const int code = MPI_Comm_create(MPI_COMM_WORLD, group, &impl->comm);
    MPI_Group_free(&group);
    MPI_Group_free(&world_group);
    mpi_check(code, "MPI_Comm_create");
    if (impl->comm != MPI_COMM_NULL) {
      MPI_Comm_set_errhandler(impl->comm, MPI_ERRORS_RETURN);
      MPI_Comm_rank(impl->comm, &rank);
      MPI_Comm_size(impl->comm, &size);
    }
  });
  if (impl->comm == MPI_COMM_NULL) return nullptr;
  return std::shared_ptr<ProcessGroupMPI>(new ProcessGroupMPI(std::move(impl), rank, size, Options{}));
}

std::chrono::milliseconds ProcessGroupMPI::timeout_of(std::chrono::milliseconds requested) const {
  return requested > std::chrono::milliseconds(0) ? requested : options_.timeout;
}

std::shared_ptr<Work> ProcessGroupMPI::allreduce(std::vector<Tensor>& tensors, const AllreduceOptions& opts) {
  const char* name = "allreduce";
  check_tensors(name, tensors);
  const MPI_Op op = mpi_op(opts.reduceOp, tensors[0].dtype(), name);
  for (const Tensor& t : tensors) mpi_op(opts.reduceOp, t.dtype(), name);
  const std::vector<Staged> staged = stage_all(tensors, name);
  auto work = std::make_shared<Work>(describe(name, tensors, reduce_op_name(opts.reduceOp)),
                                     timeout_of(opts.timeout), tensors);
  auto collective = collective_for(work, options_.check_metadata);
  collective->start = [staged, op, comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(staged.size());
    for (std::size_t i = 0; i < staged.size(); ++i)
      mpi_check(MPI_Iallreduce(MPI_IN_PLACE, staged[i].data(), staged[i].count, staged[i].type, op, comm,
                               &requests[i]),
                "MPI_Iallreduce");
  };
  const double divisor = opts.reduceOp == ReduceOp::AVG ? size_ : 1;
  collective->finish = [staged, divisor] {
    for (const Staged& one : staged) finish_into(one, divisor);
  };
  impl_->submit(std::move(collective));
  return work;
}

std::shared_ptr<Work> ProcessGroupMPI::broadcast(std::vector<Tensor>& tensors, const BroadcastOptions& opts) {
  const char* name = "broadcast";
  check_tensors(name, tensors);
  check(opts.rootRank >= 0 && opts.rootRank < size_, name, "rootRank ", opts.rootRank,
        " is not a rank of the group (size ", size_, ")");
  const std::vector<Staged> staged = stage_all(tensors, name);
  auto work = std::make_shared<Work>(describe(name, tensors, str("from rank ", opts.rootRank)),
                                     timeout_of(opts.timeout), tensors);
  auto collective = collective_for(work, options_.check_metadata);
  collective->start = [staged, root = static_cast<int>(opts.rootRank),
                       comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(staged.size());
    for (std::size_t i = 0; i < staged.size(); ++i)
      mpi_check(MPI_Ibcast(staged[i].data(), staged[i].count, staged[i].type, root, comm, &requests[i]),
                "MPI_Ibcast");
  };
  collective->finish = [staged] {
    for (const Staged& one : staged) finish_into(one);
  };
  impl_->submit(std::move(collective));
  return work;
}

std::shared_ptr<Work> ProcessGroupMPI::reduce(std::vector<Tensor>& tensors, const ReduceOptions& opts) {
  const char* name = "reduce";
  check_tensors(name, tensors);
  check(tensors.size() == 1, name, "ProcessGroupMPI takes one tensor, got ", tensors.size());
  check(opts.rootRank >= 0 && opts.rootRank < size_, name, "rootRank ", opts.rootRank,
        " is not a rank of the group (size ", size_, ")");
  const MPI_Op op = mpi_op(opts.reduceOp, tensors[0].dtype(), name);
  const Staged staged = stage(tensors[0], name);
  auto work = std::make_shared<Work>(
      describe(name, tensors, str(reduce_op_name(opts.reduceOp), " to rank ", opts.rootRank)),
      timeout_of(opts.timeout), tensors);
  auto collective = collective_for(work, options_.check_metadata);
  const int root = static_cast<int>(opts.rootRank);
  const bool is_root = root == rank_;
  collective->start = [staged, op, root, is_root, comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(1);
    void* data = staged.data();
    mpi_check(MPI_Ireduce(is_root ? MPI_IN_PLACE : data, is_root ? data : nullptr, staged.count, staged.type,
                          op, root, comm, requests.data()),
              "MPI_Ireduce");
  };
  const double divisor = opts.reduceOp == ReduceOp::AVG ? size_ : 1;
  collective->finish = [staged, is_root, divisor] {
    if (is_root) finish_into(staged, divisor);
  };
  impl_->submit(std::move(collective));
  return work;
}

std::shared_ptr<Work> ProcessGroupMPI::allgather(std::vector<std::vector<Tensor>>& outputTensors,
                                                 std::vector<Tensor>& inputTensors,
                                                 const AllgatherOptions& opts) {
  const char* name = "allgather";
  check_tensors(name, inputTensors);
  check(inputTensors.size() == 1 && outputTensors.size() == 1, name,
        "ProcessGroupMPI takes one input tensor and one list of outputs, got ", inputTensors.size(), " and ",
        outputTensors.size());
  const Tensor& input = inputTensors[0];
  std::vector<Tensor>& outputs = outputTensors[0];
  check_one_per_rank(name, "output", outputs, input, size_);
  const Staged send = stage(input, name);
  Shape gathered_shape{size_};
  for (auto s : input.sizes()) gathered_shape.push_back(s);
  const Tensor gathered = tg::empty(gathered_shape, tg::TensorOptions().dtype(input.dtype()));
  auto work = std::make_shared<Work>(describe(name, inputTensors), timeout_of(opts.timeout), outputs);
  auto collective = collective_for(work, options_.check_metadata);
  collective->start = [send, gathered, comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(1);
    mpi_check(MPI_Iallgather(send.data(), send.count, send.type, gathered.data_ptr(), send.count, send.type,
                             comm, requests.data()),
              "MPI_Iallgather");
  };
  collective->finish = [outputs, gathered] {
    NoGradGuard no_grad;
    for (std::size_t r = 0; r < outputs.size(); ++r)
      outputs[r].detach().copy_(gathered[static_cast<std::int64_t>(r)]);
  };
  impl_->submit(std::move(collective));
  return work;
}

std::shared_ptr<Work> ProcessGroupMPI::reduce_scatter(std::vector<Tensor>& outputTensors,
                                                      std::vector<std::vector<Tensor>>& inputTensors,
                                                      const ReduceScatterOptions& opts) {
  const char* name = "reduce_scatter";
  check_tensors(name, outputTensors);
  check(outputTensors.size() == 1 && inputTensors.size() == 1, name,
        "ProcessGroupMPI takes one output tensor and one list of inputs, got ", outputTensors.size(), " and ",
        inputTensors.size());
  const Tensor& output = outputTensors[0];
  const std::vector<Tensor>& inputs = inputTensors[0];
  check_one_per_rank(name, "input", inputs, output, size_);
  const MPI_Op op = mpi_op(opts.reduceOp, output.dtype(), name);
  Tensor send;
  {
    NoGradGuard no_grad;
    std::vector<Tensor> detached;
    for (const Tensor& t : inputs) detached.push_back(t.detach().unsqueeze(0));
    send = tg::cat(detached, 0).contiguous();
  }
  const Staged staged = stage(output, name);
  auto work = std::make_shared<Work>(describe(name, outputTensors, reduce_op_name(opts.reduceOp)),
                                     timeout_of(opts.timeout), outputTensors);
  auto collective = collective_for(work, options_.check_metadata);
  collective->start = [send, staged, op, comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(1);
    mpi_check(MPI_Ireduce_scatter_block(send.data_ptr(), staged.data(), staged.count, staged.type, op, comm,
                                        requests.data()),
              "MPI_Ireduce_scatter_block");
  };
  const double divisor = opts.reduceOp == ReduceOp::AVG ? size_ : 1;
  collective->finish = [staged, divisor] { finish_into(staged, divisor); };
  impl_->submit(std::move(collective));
  return work;
}

std::shared_ptr<Work> ProcessGroupMPI::barrier(const BarrierOptions& opts) {
  auto work = std::make_shared<Work>("barrier", timeout_of(opts.timeout));
  auto collective = collective_for(work, options_.check_metadata);
  collective->start = [comm = impl_->comm](std::vector<MPI_Request>& requests) {
    requests.resize(1);
    mpi_check(MPI_Ibarrier(comm, requests.data()), "MPI_Ibarrier");
  };
  impl_->submit(std::move(collective));
  return work;
}

}  // namespace tg::distributed
