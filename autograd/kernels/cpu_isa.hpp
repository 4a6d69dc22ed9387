#pragma once
// Run-time choice of the instruction set the hot kernels run with. One build runs on every x86-64 CPU:
// the loops that matter are compiled for each level (isa_loop.hpp) and the level is chosen once at start-up.
#include <optional>
#include <string_view>

namespace tg::kernels {

/// Instruction-set levels the kernels are compiled for, lowest first.
enum class Isa {
  baseline,  // x86-64 (SSE2): what a build without -march runs everywhere
  avx2,      // AVX2 + FMA
  avx512,    // AVX-512 F, DQ, BW, VL (and AVX2 + FMA)
};

/// The highest level this CPU (and its OS, which must save the wide registers) supports.
Isa detected_isa();

/// The level the kernels use: the detected one, or a lower one asked for with TG_CPU_ISA=baseline|avx2|avx512
/// (a level above the detected one is refused with a warning on stderr and ignored). TG_VERBOSE=1 logs the
/// choice once. Read on every kernel call, so it is a plain relaxed load.
Isa active_isa();

/// Sets the level for the rest of the process (tests run every kernel under each supported level);
/// throws tg::Error for a level the CPU does not support.
void set_active_isa(Isa isa);

std::string_view isa_name(Isa isa);

/// "baseline" / "avx2" / "avx512" (also "x86-64", "avx512f"); nullopt for anything else.
std::optional<Isa> parse_isa(std::string_view name);

}  // namespace tg::kernels
