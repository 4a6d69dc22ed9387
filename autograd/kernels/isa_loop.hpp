#pragma once
// isa_for: a loop compiled once per instruction-set level (cpu_isa.hpp), run with the active level.
// Included only by .cpp files of the library.
//
// Note [run-time ISA dispatch]
// A build without -march compiles for baseline x86-64 (SSE2). The element-wise, reduction and update loops
// are written once, as a body called per index, and instantiated three times: as a baseline loop and inside
// functions with GCC/Clang `target` attributes for AVX2+FMA and AVX-512. `flatten` inlines the body (and
// everything it calls that can be inlined) into each copy, so the compiler vectorizes it for that level.
// The level is read per call (one relaxed load), which is what lets TG_CPU_ISA and the tests switch it.
// Only `target` ISA lists are used, never `arch=`: GCC inlines a default-target callee into a caller whose
// ISA is a superset, but not across different `arch=` settings.
#include <cstdint>

#include <tapegrad/autograd/kernels/cpu_isa.hpp>

namespace tg::kernels {

namespace isa_detail {

template <class Body>
[[gnu::flatten]] void baseline_for(std::int64_t begin, std::int64_t end, Body body) {
  for (std::int64_t i = begin; i < end; ++i) body(i);
}

template <class Body>
[[gnu::target("avx2,fma"), gnu::flatten]] void avx2_for(std::int64_t begin, std::int64_t end, Body body) {
  for (std::int64_t i = begin; i < end; ++i) body(i);
}

template <class Body>
[[gnu::target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl"), gnu::flatten]] void avx512_for(
    std::int64_t begin, std::int64_t end, Body body) {
  for (std::int64_t i = begin; i < end; ++i) body(i);
}

}  // namespace isa_detail

/// Runs body(i) for every i in [begin, end), compiled for the active instruction-set level.
template <class Body>
void isa_for(std::int64_t begin, std::int64_t end, Body body) {
  switch (active_isa()) {
    case Isa::avx512:
      return isa_detail::avx512_for(begin, end, body);
    case Isa::avx2:
      return isa_detail::avx2_for(begin, end, body);
    case Isa::baseline:
      break;
  }
  isa_detail::baseline_for(begin, end, body);
}

/// Runs body() once, compiled for the active level: for a kernel whose loops are not a plain index range.
template <class Body>
void isa_run(Body body) {
  isa_for(0, 1, [&](std::int64_t) { body(); });
}

}  // namespace tg::kernels
