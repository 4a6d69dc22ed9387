#pragma once
// TG_ARG(type, name): one option of a libtorch-style options struct, as libtorch's TORCH_ARG:
// a chainable setter `options.name(value)` returning the options, a getter `options.name()`, and the
// stored field `name_`. A macro because it declares members (no function can).
#include <utility>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

#define TG_ARG(T, name)                                    \
 public:                                                   \
  auto name(const T& new_##name)->decltype(*this) {        \
    this->name##_ = new_##name;                            \
    return *this;                                          \
  }                                                        \
  auto name(T&& new_##name)->decltype(*this) {             \
    this->name##_ = std::move(new_##name);                 \
    return *this;                                          \
  }                                                        \
  const T& name() const noexcept { return this->name##_; } \
  T& name() noexcept { return this->name##_; }             \
                                                           \
 private:                                                  \
  T name##_

#pragma GCC visibility pop
