#pragma once
// ParameterList and ParameterDict: parameters held by index or by key (libtorch's), registered on
// the container so that parameters(), optimizers and checkpoints see them.
#include <string>
#include <utility>
#include <vector>

#include <tapegrad/nn/cloneable.hpp>
#include <tapegrad/nn/module_holder.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

class ParameterListImpl : public Cloneable<ParameterListImpl> {
 public:
  ParameterListImpl() = default;
  template <class... Tensors>
  requires(sizeof...(Tensors) > 0 &&
           (std::convertible_to<Tensors, Tensor> && ...)) explicit ParameterListImpl(Tensors&&... params) {
    (append(std::forward<Tensors>(params)), ...);
  }
  void reset() override {}

  /// Registers `param` (requires_grad as it is) under the next index.
  void append(const Tensor& param);
  template <class Container>
  void extend(const Container& container) {
    for (const auto& param : container) append(param);
  }
  void extend(const ParameterListImpl& other) {
    for (const auto& item : other) append(item.value());
  }
  Tensor& at(std::size_t index);
  const Tensor& at(std::size_t index) const;
  Tensor& operator[](std::size_t index) { return at(index); }
  const Tensor& operator[](std::size_t index) const { return at(index); }
  std::size_t size() const { return parameters_.size(); }
  bool is_empty() const { return parameters_.empty(); }
  using Iterator = std::vector<OrderedDict<Tensor>::Item>::iterator;
  using ConstIterator = std::vector<OrderedDict<Tensor>::Item>::const_iterator;
  Iterator begin() { return parameters_.begin(); }
  Iterator end() { return parameters_.end(); }
  ConstIterator begin() const { return parameters_.begin(); }
  ConstIterator end() const { return parameters_.end(); }
  void pretty_print(std::ostream& out) const override;
};
TG_MODULE(ParameterList);

class ParameterDictImpl : public Cloneable<ParameterDictImpl> {
 public:
  ParameterDictImpl() = default;
  explicit ParameterDictImpl(const OrderedDict<Tensor>& params);
  void reset() override {}

  /// Registers `param` under `key`, or replaces the parameter already there.
  Tensor& insert(std::string key, const Tensor& param);
  /// Removes and returns the parameter under `key`.
  Tensor pop(const std::string& key);
  void update(const ParameterDictImpl& other);
  void clear() { parameters_.clear(); }
  bool contains(const std::string& key) const { return parameters_.contains(key); }
  std::size_t size() const { return parameters_.size(); }
  bool empty() const { return parameters_.empty(); }
  std::vector<std::string> keys() const { return parameters_.keys(); }
  std::vector<Tensor> values() const { return parameters_.values(); }
  Tensor& get(const std::string& key) { return parameters_[key]; }
  const Tensor& get(const std::string& key) const { return parameters_[key]; }
  Tensor& operator[](const std::string& key) { return get(key); }
  const Tensor& operator[](const std::string& key) const { return get(key); }
  using Iterator = std::vector<OrderedDict<Tensor>::Item>::iterator;
  using ConstIterator = std::vector<OrderedDict<Tensor>::Item>::const_iterator;
  Iterator begin() { return parameters_.begin(); }
  Iterator end() { return parameters_.end(); }
  ConstIterator begin() const { return parameters_.begin(); }
  ConstIterator end() const { return parameters_.end(); }
  void pretty_print(std::ostream& out) const override;
};
TG_MODULE(ParameterDict);

}  // namespace tg::nn

#pragma GCC visibility pop
