#pragma once
// The training run of the checkpoint kill test, shared by the child process that trains and saves
// (checkpoint_kill_child.cpp) and the test that kills it and checks what is on disk.
#include <cstdint>
#include <cstring>
#include <memory>

#include <tapegrad/optim/sgd.hpp>
#include <tapegrad/tapegrad.hpp>

namespace kill_test {

inline tg::nn::Sequential make_model() {
  tg::manual_seed(0);
  // ~1.1 M parameters: with the momentum buffers a checkpoint is ~9 MB, so a save takes long
  // enough that kills land inside it.
  return tg::nn::Sequential(tg::nn::Linear(64, 1024), tg::nn::ReLU(), tg::nn::Linear(1024, 1024),
                            tg::nn::ReLU(), tg::nn::Linear(1024, 10));
}

inline std::unique_ptr<tg::optim::SGD> make_optimizer(const tg::nn::Sequential& model) {
  return std::make_unique<tg::optim::SGD>(model->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));
}

/// FNV-1a-style over the 64-bit words of every parameter and every optimizer state tensor, in a fixed order:
/// equal fingerprints mean the same training state.
inline std::uint64_t fingerprint(const tg::nn::Sequential& model, const tg::optim::Optimizer& optimizer) {
  std::uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](const tg::Tensor& tensor) {
    const tg::Tensor values = tensor.contiguous();
    const void* start = values.dtype() == tg::kFloat32 ? static_cast<const void*>(values.data_ptr<float>())
                        : values.dtype() == tg::kFloat64
                            ? static_cast<const void*>(values.data_ptr<double>())
                            : static_cast<const void*>(values.data_ptr<std::int64_t>());
    const auto* data = static_cast<const unsigned char*>(start);
    const auto size = static_cast<std::size_t>(values.numel()) * tg::element_size(values.dtype());
    // Eight bytes a step (then the tail byte by byte): the test and the child hash ~9 MB per state,
    // which byte by byte dominated the test's time under the sanitizers.
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, data + i, 8);
      hash = (hash ^ word) * 1099511628211ull;
    }
    for (; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
  };
  for (const auto& item : model->named_parameters()) mix(item.value());
  for (const auto& [key, value] : optimizer.state_dict()) mix(value);
  return hash;
}

}  // namespace kill_test
