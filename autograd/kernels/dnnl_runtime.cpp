#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <cstdio>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/dnnl_runtime.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>

namespace tg::kernels::dnnl_runtime {

// oneDNN generates code for the CPU it finds; a level lowered with TG_CPU_ISA (cpu_isa.hpp) must hold for
// it too.
void prepare() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (active_isa() == Isa::avx2) dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2);
  });
}

void log_first_use(std::string_view what, std::string_view how) {
  if (!verbose()) return;
  static std::mutex mutex;
  static std::set<std::string, std::less<>> logged;
  const std::lock_guard lock(mutex);
  if (!logged.emplace(what).second) return;
  const dnnl_version_t* version = dnnl_version();
  std::fprintf(stderr, "tapegrad: %.*s use oneDNN %d.%d.%d (%.*s)\n", static_cast<int>(what.size()),
               what.data(), version->major, version->minor, version->patch, static_cast<int>(how.size()),
               how.data());
}

OmpThreads::OmpThreads(int threads) : saved_(omp_get_max_threads()) {
  if (threads != saved_) omp_set_num_threads(threads);
}

OmpThreads::~OmpThreads() {
  if (omp_get_max_threads() != saved_) omp_set_num_threads(saved_);
}

}  // namespace tg::kernels::dnnl_runtime
