#pragma once
// The kernels' environment switches (TG_VERBOSE, TG_LIBXSMM, TG_DNNL, TG_DOT_GEMM, ...), read one way.
#include <cstdlib>
#include <cstring>

namespace tg::kernels {

/// True when `name` is set to something other than "" or "0" (TG_VERBOSE=1).
inline bool env_enabled(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

/// True unless `name` is "0": a switch that is on by default (TG_LIBXSMM=0 turns libxsmm off).
inline bool env_not_disabled(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr || std::strcmp(value, "0") != 0;
}

/// TG_VERBOSE=1: the kernels log their choices (instruction set, GEMM libraries) once.
inline bool verbose() { return env_enabled("TG_VERBOSE"); }

}  // namespace tg::kernels
