#pragma once
// ModuleDict: submodules by name, in insertion order (libtorch's ModuleDict). No forward.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class ModuleDictImpl : public Cloneable<ModuleDictImpl> {
 public:
  using Iterator = OrderedDict<std::shared_ptr<Module>>::Item*;

  ModuleDictImpl() = default;
  explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  explicit ModuleDictImpl(const OrderedDict<std::shared_ptr<Module>>& modules);

  /// Clones every module (keeping their keys).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void reset() override {}

  /// Adds `module` under `key`, or replaces the module already there.
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <class Impl>
  void insert(const std::string& key, const ModuleHolder<Impl>& module) {
    insert(key, std::shared_ptr<Module>(module.ptr()));
  }
  /// insert() for every pair (or every item of another ModuleDict).
  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  void update(const ModuleDictImpl& other);
  /// Removes and returns the module under `key`.
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();

  bool contains(const std::string& key) const { return modules_.contains(key); }
  std::size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  std::vector<std::string> keys() const { return modules_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
  const std::vector<OrderedDict<std::shared_ptr<Module>>::Item>& items() const { return modules_.items(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <class T>
  T& at(const std::string& key) const {
    auto typed = std::dynamic_pointer_cast<T>((*this)[key]);
    check(typed != nullptr, "ModuleDict", "Attempted to cast module \"", key, "\" (a ", (*this)[key]->name(),
          ") to the wrong type");
    return *typed;
  }
  void pretty_print(std::ostream& out) const override { out << "torch::nn::ModuleDict"; }

 private:
  OrderedDict<std::shared_ptr<Module>> modules_;
};
TG_MODULE(ModuleDict);

}  // namespace tg::nn

#pragma GCC visibility pop
