#pragma once
// Thread-local switch that decides whether ops record themselves on the tape.

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// RAII: sets grad mode for a scope and restores the previous mode on exit.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

/// RAII: no op records a graph inside this scope (as torch::NoGradGuard).
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

// libtorch also spells them torch::autograd::GradMode and torch::autograd::AutoGradMode.
namespace autograd {
using tg::AutoGradMode;
using tg::GradMode;
}  // namespace autograd

}  // namespace tg

#pragma GCC visibility pop
