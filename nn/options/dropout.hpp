#pragma once
#include <tapegrad/nn/options.hpp>

#pragma GCC visibility push(default)  // exported from libtapegrad.so (README: "Public headers")

namespace tg::nn {

struct DropoutOptions {
  /* implicit */ DropoutOptions(double p = 0.5) : p_(p) {}
  TG_ARG(double, p);
  TG_ARG(bool, inplace) = false;
};
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

namespace functional {
struct DropoutFuncOptions {
  TG_ARG(double, p) = 0.5;
  TG_ARG(bool, training) = true;
  TG_ARG(bool, inplace) = false;
};
using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;
struct AlphaDropoutFuncOptions {
  TG_ARG(double, p) = 0.5;
  TG_ARG(bool, training) = false;
  TG_ARG(bool, inplace) = false;
};
struct FeatureAlphaDropoutFuncOptions {
  TG_ARG(double, p) = 0.5;
  TG_ARG(bool, training) = false;
  TG_ARG(bool, inplace) = false;
};
}  // namespace functional

}  // namespace tg::nn

#pragma GCC visibility pop
