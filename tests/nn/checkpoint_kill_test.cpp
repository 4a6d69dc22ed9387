// Loss of nothing: a training run that saves a checkpoint every epoch is killed with SIGKILL while
// it saves, 20 times; each time the checkpoint on disk must load and hold exactly the state of the
// previous or of the new epoch (matched by fingerprint against an uninterrupted reference run).
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/checkpoint_kill_model.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kEpochs = 3;  // kills land in epoch 2 or 3: a child epoch costs ~0.5 s under ASan
constexpr int kTrials = 20;
constexpr auto kLineTimeout = std::chrono::seconds(120);

// The child process with its stdout read line by line.
class Child {
 public:
  Child(const std::string& checkpoint, int epochs) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    const std::string epochs_text = std::to_string(epochs);
    std::vector<char*> argv = {const_cast<char*>(TAPEGRAD_KILL_CHILD), const_cast<char*>(checkpoint.c_str()),
                               const_cast<char*>(epochs_text.c_str()), nullptr};
    const int status = ::posix_spawn(&pid_, TAPEGRAD_KILL_CHILD, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    fd_ = fds[0];
    if (status != 0) throw std::runtime_error("posix_spawn " TAPEGRAD_KILL_CHILD " failed");
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(fd_);
  }

  /// The next line of output; empty at the end of output. Throws after kLineTimeout without one.
  std::string read_line() {
    while (true) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      pollfd request{fd_, POLLIN, 0};
      const int timeout_ms = static_cast<int>(std::chrono::milliseconds(kLineTimeout).count());
      if (::poll(&request, 1, timeout_ms) <= 0)
        throw std::runtime_error("the child printed nothing for 120 s");
      char chunk[256];
      const ssize_t got = ::read(fd_, chunk, sizeof chunk);
      if (got <= 0) return {};
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  /// True when a line (or the end of output) can be read without blocking.
  bool has_output() {
    if (buffer_.find('\n') != std::string::npos) return true;
    pollfd request{fd_, POLLIN, 0};
    return ::poll(&request, 1, 0) > 0;
  }

  void kill() { ::kill(pid_, SIGKILL); }

  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

struct Line {
  std::string kind;  // "saving" or "saved"
  int epoch = 0;
  std::uint64_t fingerprint = 0;
};

Line parse(const std::string& text) {
  std::istringstream in(text);
  Line line;
  in >> line.kind >> line.epoch;
  if (line.kind == "saving") in >> line.fingerprint;
  return line;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "tapegrad_kill_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool temporary_file_exists(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().starts_with(".ckpt.safetensors.tmp-")) return true;
  return false;
}

// Polls until the save's temporary file exists (wanted = true) or is gone (false); gives up when
// the child prints its next line first (a save faster than the polling) or after 60 s.
std::optional<Clock::time_point> wait_for_temporary_file(const fs::path& dir, Child& child, bool wanted) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    if (temporary_file_exists(dir) == wanted) return Clock::now();
    if (child.has_output()) return std::nullopt;
  }
  return std::nullopt;
}

struct Reference {
  std::map<int, std::uint64_t> fingerprints;
  double median_write_seconds = 0;  // from the temporary file's creation to its rename
};

Reference reference_run() {
  ScratchDir dir;
  Child child((dir.path() / "ckpt.safetensors").string(), kEpochs + 1);
  Reference reference;
  std::vector<double> durations;
  for (std::string text = child.read_line(); !text.empty(); text = child.read_line()) {
    const Line line = parse(text);
    if (line.kind != "saving") continue;
    reference.fingerprints[line.epoch] = line.fingerprint;
    const auto created = wait_for_temporary_file(dir.path(), child, true);
    const auto renamed = created ? wait_for_temporary_file(dir.path(), child, false) : std::nullopt;
    if (renamed) durations.push_back(std::chrono::duration<double>(*renamed - *created).count());
  }
  const int status = child.wait();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the reference run failed");
  if (durations.empty()) throw std::runtime_error("no save of the reference run was seen in progress");
  std::sort(durations.begin(), durations.end());
  reference.median_write_seconds = durations[durations.size() / 2];
  return reference;
}

TEST(CheckpointKill, EveryKillDuringASaveLeavesThePreviousOrTheNewCheckpoint) {
  const Reference reference = reference_run();
  ASSERT_EQ(reference.fingerprints.size(), static_cast<std::size_t>(kEpochs + 1));
  std::mt19937 random(2026);
  int new_state = 0, previous_state = 0, killed_mid_save = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    ScratchDir dir;
    const fs::path checkpoint = dir.path() / "ckpt.safetensors";
    const int kill_epoch = std::uniform_int_distribution<int>(2, kEpochs)(random);
    // Within one typical write duration after the temporary file appears: on this noisy machine
    // that lands inside the write (the temporary file stays behind) or just after the rename.
    const double delay =
        std::uniform_real_distribution<double>(0.0, 1.0)(random) * reference.median_write_seconds;
    int last_saved = 0;
    {
      Child child(checkpoint.string(), kEpochs + 1);  // one more: a late kill still finds it running
      for (std::string text = child.read_line(); !text.empty(); text = child.read_line()) {
        const Line line = parse(text);
        if (line.kind == "saved") last_saved = line.epoch;
        if (line.kind == "saving" && line.epoch == kill_epoch) break;
      }
      const auto created = wait_for_temporary_file(dir.path(), child, true);
      if (created)
        std::this_thread::sleep_until(
            *created + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay)));
      child.kill();
      const int status = child.wait();
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "trial " << trial << ": the child ended before the kill (status " << status << ")";
    }
    if (temporary_file_exists(dir.path())) ++killed_mid_save;

    tg::nn::Sequential model = kill_test::make_model();
    auto optimizer = kill_test::make_optimizer(model);
    std::map<std::string, std::string> metadata;
    ASSERT_NO_THROW(metadata = tg::load_checkpoint(checkpoint.string(), model, *optimizer))
        << "trial " << trial << ": killed " << delay * 1e3 << " ms into the save of epoch " << kill_epoch;
    const int epoch = std::stoi(metadata.at("epoch"));
    EXPECT_TRUE(epoch == kill_epoch - 1 || epoch == kill_epoch)
        << "trial " << trial << ": the checkpoint holds epoch " << epoch << ", killed while saving "
        << kill_epoch;
    EXPECT_GE(epoch, last_saved) << "trial " << trial << ": a completed save was lost";
    EXPECT_EQ(kill_test::fingerprint(model, *optimizer), reference.fingerprints.at(epoch))
        << "trial " << trial << ": the state on disk is not the one saved at epoch " << epoch;
    (epoch == kill_epoch ? new_state : previous_state) += 1;
  }
  std::printf(
      "kill test: %d trials, median write %.1f ms (temporary file to rename), %d killed mid-write "
      "(temporary file left), %d kept the previous checkpoint, %d had the new one\n",
      kTrials, reference.median_write_seconds * 1e3, killed_mid_save, previous_state, new_state);
  RecordProperty("killed_mid_save", killed_mid_save);
  EXPECT_EQ(new_state + previous_state, kTrials);
  // Both sides of the rename were hit (each has probability ~1/3 or more per trial).
  EXPECT_GE(killed_mid_save, 1);
  EXPECT_GE(new_state, 1);
}

}  // namespace
