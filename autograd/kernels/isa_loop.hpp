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
[[gnu::flatten]] auto baseline_run(Body body) {
  return body();
}

template <class Body>
[[gnu::target("avx2,fma"), gnu::flatten]] auto avx2_run(Body body) {
  return body();
}

template <class Body>
[[gnu::target("avx2,fma,avx512f,avx512dq,avx512bw,avx512vl"), gnu::flatten]] auto avx512_run(Body body) {
  return body();
}

}  // namespace isa_detail

/// Returns body(), compiled for the active instruction-set level. The body should capture by value (or
/// keep its accumulators local): a loop reading a captured reference may have to reload it after every
/// store, which keeps the compiler from vectorizing it.
template <class Body>
auto isa_run(Body body) {
  switch (active_isa()) {
    case Isa::avx512:
      return isa_detail::avx512_run(body);
    case Isa::avx2:
      return isa_detail::avx2_run(body);
    case Isa::baseline:
      break;
  }
  return isa_detail::baseline_run(body);
}

/// Runs body(i) for every i in [begin, end), compiled for the active instruction-set level.
template <class Body>
void isa_for(std::int64_t begin, std::int64_t end, Body body) {
  isa_run([=] {
    for (std::int64_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace tg::kernels
