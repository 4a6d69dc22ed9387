#pragma once
// IValue: one value of a few kinds (none, double, int, bool, string, int list, double list, tensor,
// tensor list), as libtorch's c10::IValue, reduced to what custom Functions keep in ctx->saved_data.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/tensor/tensor.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg {

class IValue {
 public:
  /// None.
  IValue() = default;
  IValue(double value) : value_(value) {}
  IValue(std::int64_t value) : value_(value) {}
  IValue(int value) : value_(static_cast<std::int64_t>(value)) {}
  IValue(bool value) : value_(value) {}
  IValue(std::string value) : value_(std::move(value)) {}
  IValue(std::string_view value) : value_(std::string(value)) {}
  IValue(const char* value) : value_(std::string(value)) {}
  /// An int list (from a std::vector<int64_t>, tensor.sizes() or an IntArrayRef).
  IValue(std::vector<std::int64_t> values) : value_(std::move(values)) {}
  IValue(const Shape& values) : value_(std::vector<std::int64_t>(values.begin(), values.end())) {}
  IValue(IntArrayRef values) : value_(std::vector<std::int64_t>(values.begin(), values.end())) {}
  IValue(std::vector<double> values) : value_(std::move(values)) {}
  IValue(Tensor value) : value_(std::move(value)) {}
  IValue(std::vector<Tensor> values) : value_(std::move(values)) {}

  bool isNone() const { return holds<std::monostate>(); }
  bool isDouble() const { return holds<double>(); }
  bool isInt() const { return holds<std::int64_t>(); }
  bool isBool() const { return holds<bool>(); }
  bool isString() const { return holds<std::string>(); }
  bool isIntList() const { return holds<std::vector<std::int64_t>>(); }
  bool isDoubleList() const { return holds<std::vector<double>>(); }
  bool isTensor() const { return holds<Tensor>(); }
  bool isTensorList() const { return holds<std::vector<Tensor>>(); }

  double toDouble() const { return get<double>("Double"); }
  std::int64_t toInt() const { return get<std::int64_t>("Int"); }
  bool toBool() const { return get<bool>("Bool"); }
  const std::string& toStringRef() const { return get<std::string>("String"); }
  std::vector<std::int64_t> toIntVector() const { return get<std::vector<std::int64_t>>("IntList"); }
  std::vector<double> toDoubleVector() const { return get<std::vector<double>>("DoubleList"); }
  Tensor toTensor() const { return get<Tensor>("Tensor"); }
  std::vector<Tensor> toTensorVector() const { return get<std::vector<Tensor>>("TensorList"); }

  /// The kind held, named as libtorch names it: "None", "Double", "Int", "Bool", "String", "IntList",
  /// "DoubleList", "Tensor", "TensorList".
  std::string_view tagKind() const {
    static constexpr std::string_view kinds[] = {"None",    "Double",     "Int",    "Bool",      "String",
                                                 "IntList", "DoubleList", "Tensor", "TensorList"};
    return kinds[value_.index()];
  }

 private:
  template <class T>
  bool holds() const {
    return std::holds_alternative<T>(value_);
  }
  template <class T>
  const T& get(std::string_view expected) const {
    const T* value = std::get_if<T>(&value_);
    check(value != nullptr, "IValue", "expected ", expected, " but got ", tagKind());
    return *value;
  }

  std::variant<std::monostate, double, std::int64_t, bool, std::string, std::vector<std::int64_t>,
               std::vector<double>, Tensor, std::vector<Tensor>>
      value_;
};

}  // namespace tg

#pragma GCC visibility pop
