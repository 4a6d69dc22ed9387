#pragma once
// Anomaly detection, as torch::autograd::DetectAnomalyGuard: while it is on, every op checks its
// forward outputs and every backward node checks the gradients it returns for NaN/Inf, and throws
// tg::autograd::AnomalyError naming the op, the phase and where in the model the op was recorded.
//
//   {
//     tg::autograd::DetectAnomalyGuard anomaly;
//     tg::autograd::AnomalyScope scope("encoder");  // optional label shown in the error
//     loss = model->forward(x) ...; loss.backward();
//   }
//
// Off by default. When off, an op pays one relaxed atomic load (bench_overhead measures it).
#include <atomic>
#include <string>

#include <tapegrad/autograd/core/error.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::autograd {

/// Thrown when anomaly detection finds NaN/Inf in an op's forward output or in a gradient a backward
/// node returned (the message starts with "detect_anomaly:"). A tg::Error, so catch sites for
/// tg::Error keep working; catch AnomalyError to tell numerical anomalies from other errors.
class AnomalyError : public Error {
 public:
  using Error::Error;
};

class AnomalyMode {
 public:
  static bool is_enabled() { return enabled_.load(std::memory_order_relaxed); }
  /// Global (all threads), like PyTorch's torch.autograd.set_detect_anomaly.
  static void set_enabled(bool enabled) { enabled_.store(enabled, std::memory_order_relaxed); }

 private:
  static std::atomic<bool> enabled_;
};

/// RAII: turns anomaly detection on for a scope and restores the previous setting on exit.
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : previous_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

/// RAII: labels the ops recorded on this thread within the scope ("encoder/layer1" when nested);
/// anomaly errors name the label. nn::Sequential labels each child with its name.
class AnomalyScope {
 public:
  explicit AnomalyScope(const std::string& label);
  ~AnomalyScope();
  AnomalyScope(const AnomalyScope&) = delete;
  AnomalyScope& operator=(const AnomalyScope&) = delete;

  /// The labels of the enclosing scopes joined by '/', empty outside any scope.
  static const std::string& current();

 private:
  std::size_t previous_length_;
};

}  // namespace tg::autograd

#pragma GCC visibility pop
