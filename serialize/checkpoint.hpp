#pragma once
// Checkpoints as safetensors files (safetensors.hpp), with libtorch's entry points, to a path or a
// std::ostream and from a path or a std::istream (io.hpp):
//
//   tg::save(net, "model.safetensors");        tg::load(net, "model.safetensors");
//   tg::save(optimizer, "optim.safetensors");  tg::load(optimizer, "optim.safetensors");
//
// A module is saved as its parameters and buffers under their dotted PyTorch names ("0.weight",
// "fc1.bias"), the names torch's state_dict() uses, so checkpoints move between tapegrad and
// PyTorch (write or read the file with the safetensors package, or by hand). An optimizer is saved
// as its flat state_dict() ("state.0.exp_avg", "param_groups.0.lr", ...). Saving is atomic (see
// save_safetensors). Each file records what it holds in its metadata ("tapegrad.content": "module"
// or "optimizer"; modules also get "format": "pt"), and loading one kind into the other is refused.
#include <concepts>
#include <map>
#include <memory>
#include <string>

#include <tapegrad/autograd/tensor/tensor.hpp>
#include <tapegrad/nn/module.hpp>
#include <tapegrad/nn/module_holder.hpp>
#include <tapegrad/nn/ordered_dict.hpp>
#include <tapegrad/optim/optimizer.hpp>
#include <tapegrad/serialize/io.hpp>
#include <tapegrad/serialize/tensors.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

/// Saves the module's parameters and buffers (recursively, by dotted name).
void save(const nn::Module& module, const SaveTarget& target);
/// Copies a checkpoint's values into the module's existing parameters and buffers, in place and
/// under NoGradGuard, so handles to them (and an optimizer over them) stay valid. Every name must
/// match (none missing, none unexpected) and every shape and dtype must be equal; otherwise it
/// throws tg::Error listing all mismatches, and the module is left unchanged.
void load(nn::Module& module, const LoadSource& source);

template <class Impl>
void save(const nn::ModuleHolder<Impl>& module, const SaveTarget& target) {
  save(static_cast<const nn::Module&>(*module), target);
}
template <class Impl>
void load(const nn::ModuleHolder<Impl>& module, const LoadSource& source) {
  load(static_cast<nn::Module&>(*module), source);
}
template <std::derived_from<nn::Module> M>
void save(const std::shared_ptr<M>& module, const SaveTarget& target) {
  check(module != nullptr, "save", "the module pointer is null");
  save(static_cast<const nn::Module&>(*module), target);
}
template <std::derived_from<nn::Module> M>
void load(const std::shared_ptr<M>& module, const LoadSource& source) {
  check(module != nullptr, "load", "the module pointer is null");
  load(static_cast<nn::Module&>(*module), source);
}

/// Saves optimizer.state_dict().
void save(const optim::Optimizer& optimizer, const SaveTarget& target);
/// optimizer.load_state_dict() with the file's tensors: the next step() continues the saved run
/// exactly (given the same parameter values, e.g. restored with load(module, ...)).
void load(optim::Optimizer& optimizer, const LoadSource& source);

/// A whole training state in one file, written atomically (see save_safetensors): the module's
/// parameters and buffers under "model.<name>", optimizer.state_dict() under "optimizer.<key>", and
/// `metadata` (epoch, step, anything as strings; keys starting with "tapegrad." are reserved). As
/// the file is replaced in one rename, a crash at any moment leaves either the previous or the new
/// state on disk, never a mix of the model of one epoch and the optimizer of another.
void save_checkpoint(const SaveTarget& target, const nn::Module& module, const optim::Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata = {});
/// Restores what save_checkpoint wrote into `module` and `optimizer` and returns its metadata. All or
/// nothing: on any mismatch it throws tg::Error and changes neither.
std::map<std::string, std::string> load_checkpoint(const LoadSource& source, nn::Module& module,
                                                   optim::Optimizer& optimizer);
template <class Impl>
void save_checkpoint(const SaveTarget& target, const nn::ModuleHolder<Impl>& module,
                     const optim::Optimizer& optimizer,
                     const std::map<std::string, std::string>& metadata = {}) {
  save_checkpoint(target, static_cast<const nn::Module&>(*module), optimizer, metadata);
}
template <class Impl>
std::map<std::string, std::string> load_checkpoint(const LoadSource& source,
                                                   const nn::ModuleHolder<Impl>& module,
                                                   optim::Optimizer& optimizer) {
  return load_checkpoint(source, static_cast<nn::Module&>(*module), optimizer);
}

}  // namespace tg

#pragma GCC visibility pop
