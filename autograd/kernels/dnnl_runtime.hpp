#pragma once
// What every oneDNN call site needs (dnnl_gemm.cpp, dnnl_conv.cpp); built only with oneDNN.
#include <string_view>

namespace tg::kernels::dnnl_runtime {

/// Call before oneDNN's first kernel: caps oneDNN's code generation at the kernels' instruction-set level
/// (cpu_isa.hpp; oneDNN takes the cap only before it generates anything). Idempotent and thread-safe.
void prepare();

/// Logs once per `what`, under TG_VERBOSE: "tapegrad: <what> use oneDNN <version> (<how>)".
void log_first_use(std::string_view what, std::string_view how);

/// oneDNN parallelizes over omp_get_max_threads() of the calling thread; this sets it for a scope and
/// restores the caller's setting afterwards.
class OmpThreads {
 public:
  explicit OmpThreads(int threads);
  ~OmpThreads();
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
};

}  // namespace tg::kernels::dnnl_runtime
