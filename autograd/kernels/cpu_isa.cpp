#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tapegrad/autograd/core/error.hpp>
#include <tapegrad/autograd/kernels/cpu_isa.hpp>
#include <tapegrad/autograd/kernels/environment.hpp>

namespace tg::kernels {
namespace {

Isa detect() {
  // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return avx512 ? Isa::avx512 : avx2 ? Isa::avx2 : Isa::baseline;
}

Isa choose_at_start() {
  const Isa detected = detected_isa();
  Isa chosen = detected;
  std::string reason = "detected";
  if (const char* wanted = std::getenv("TG_CPU_ISA"); wanted != nullptr && *wanted != '\0') {
    const std::optional<Isa> asked = parse_isa(wanted);
    if (!asked)
      std::fprintf(stderr, "tapegrad: TG_CPU_ISA=%s is not one of baseline, avx2, avx512; using %s\n", wanted,
                   std::string(isa_name(detected)).c_str());
    else if (*asked > detected)
      std::fprintf(stderr, "tapegrad: TG_CPU_ISA=%s is not supported by this CPU; using %s\n", wanted,
                   std::string(isa_name(detected)).c_str());
    else {
      chosen = *asked;
      reason = std::string("TG_CPU_ISA=") + wanted + ", the CPU supports " + std::string(isa_name(detected));
    }
  }
  if (verbose())
    std::fprintf(stderr, "tapegrad: kernels use %s (%s)\n", std::string(isa_name(chosen)).c_str(),
                 reason.c_str());
  return chosen;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{choose_at_start()};
  return isa;
}

}  // namespace

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

Isa active_isa() { return active().load(std::memory_order_relaxed); }

void set_active_isa(Isa isa) {
  check(isa <= detected_isa(), "set_active_isa", "this CPU supports up to ", isa_name(detected_isa()),
        ", not ", isa_name(isa));
  active().store(isa, std::memory_order_relaxed);
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    case Isa::baseline:
      break;
  }
  return "baseline";
}

std::optional<Isa> parse_isa(std::string_view name) {
  if (name == "baseline" || name == "x86-64" || name == "sse2") return Isa::baseline;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512" || name == "avx512f") return Isa::avx512;
  return std::nullopt;
}

}  // namespace tg::kernels
