#pragma once
// ModuleList: an indexable list of submodules registered as "0", "1", ... (libtorch's ModuleList).
// It has no forward; iterate it in the owner's forward.
#include <memory>
#include <vector>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class ModuleListImpl : public Cloneable<ModuleListImpl> {
 public:
  using Iterator = std::vector<std::shared_ptr<Module>>::iterator;
  using ConstIterator = std::vector<std::shared_ptr<Module>>::const_iterator;

  ModuleListImpl() = default;
  template <class... Modules>
  requires(sizeof...(Modules) > 0) explicit ModuleListImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  /// Clones every module.
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}

  void push_back(std::shared_ptr<Module> module);
  template <class Impl>
  void push_back(const ModuleHolder<Impl>& module) {
    push_back(std::shared_ptr<Module>(module.ptr()));
  }
  template <class M>
  requires std::derived_from<M, Module>
  void push_back(std::shared_ptr<M> module) { push_back(std::shared_ptr<Module>(std::move(module))); }
  /// Appends every module of `container` (another ModuleList, a vector of handles, ...).
  template <class Container>
  void extend(const Container& container) {
    for (const auto& module : container) push_back(module);
  }
  /// Inserts before `index` (index == size() appends); later modules are renamed.
  void insert(std::size_t index, std::shared_ptr<Module> module);
  template <class Impl>
  void insert(std::size_t index, const ModuleHolder<Impl>& module) {
    insert(index, std::shared_ptr<Module>(module.ptr()));
  }

  std::size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  Iterator begin() { return modules_.begin(); }
  Iterator end() { return modules_.end(); }
  ConstIterator begin() const { return modules_.begin(); }
  ConstIterator end() const { return modules_.end(); }
  std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
  std::shared_ptr<Module> ptr(std::size_t index) const;
  template <class T>
  std::shared_ptr<T> ptr(std::size_t index) const {
    auto typed = std::dynamic_pointer_cast<T>(ptr(index));
    check(typed != nullptr, "ModuleList", "Attempted to cast module at index ", index, " (a ",
          ptr(index)->name(), ") to the wrong type");
    return typed;
  }
  template <class T>
  T& at(std::size_t index) const {
    return *ptr<T>(index);
  }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::ModuleList"; }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};
TG_MODULE(ModuleList);

}  // namespace tg::nn

#pragma GCC visibility pop
