#pragma once
// An insertion-ordered name -> value map, as libtorch's OrderedDict: items keep registration order,
// which is the order parameters are listed, printed and saved in.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tapegrad/autograd/core/error.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

template <class Value>
class OrderedDict {
 public:
  class Item {
   public:
    Item(std::string key, Value value) : key_(std::move(key)), value_(std::move(value)) {}
    const std::string& key() const { return key_; }
    Value& value() { return value_; }
    const Value& value() const { return value_; }

   private:
    std::string key_;
    Value value_;
  };

  /// Adds an item; a key may appear only once.
  Value& insert(std::string key, Value value) {
    check(!index_.contains(key), "OrderedDict", "key \"", key, "\" is already present");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().value();
  }
  /// Removes `key` (later items keep their order).
  void erase(const std::string& key) {
    auto found = index_.find(key);
    check(found != index_.end(), "OrderedDict", "no key \"", key, "\"");
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(found->second));
    index_.clear();
    for (std::size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].key(), i);
  }
  void clear() {
    items_.clear();
    index_.clear();
  }
  bool contains(const std::string& key) const { return index_.contains(key); }
  Value* find(const std::string& key) {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].value();
  }
  const Value* find(const std::string& key) const {
    auto found = index_.find(key);
    return found == index_.end() ? nullptr : &items_[found->second].value();
  }
  const Value& operator[](const std::string& key) const {
    const Value* value = find(key);
    check(value != nullptr, "OrderedDict", "no key \"", key, "\"");
    return *value;
  }
  Value& operator[](const std::string& key) {
    Value* value = find(key);
    check(value != nullptr, "OrderedDict", "no key \"", key, "\"");
    return *value;
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const Item& item : items_) out.push_back(item.key());
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    for (const Item& item : items_) out.push_back(item.value());
    return out;
  }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace tg

#pragma GCC visibility pop
