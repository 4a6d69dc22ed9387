#!/usr/bin/env bash
# tapegrad's one entry point for a fresh Debian machine.
#   ./build.sh train   install what is missing, build (release), train the Fashion-MNIST MLP (progress, checkpoint,
#                      plot)
#   ./build.sh test    install what is missing, build release, asan (ASan+UBSan) and tsan (ThreadSanitizer),
#                      run the whole suite in release and asan, and the autograd and nn tests in tsan
#   ./build.sh setup   only install what is missing (idempotent; silent when everything is present)
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  cmake g++ make
  libblis-dev libblis-openmp-dev libblis4-openmp  # GEMMs, OpenMP-threaded BLIS
  libxsmm-dev                                      # small GEMMs (JIT kernels; static library, no runtime package)
  libdnnl-dev                                      # large float32 GEMMs and convolutions (oneDNN)
  openmpi-bin libopenmpi-dev                       # tapegrad::distributed: process groups over MPI, mpirun
  libboost-dev libboost-program-options-dev        # small_vector for shapes, CLI options in examples
  libboost-iostreams-dev                           # gzip-compressed data files (nn/data)
  nlohmann-json3-dev                               # safetensors checkpoint headers (serialize/)
  libgtest-dev libgmock-dev                        # tests
  libbenchmark-dev                                 # bench/
  gnuplot-nox                                      # the training-curve plots of examples/fashion_mlp and digits
  dataset-fashion-mnist                            # MNIST-format IDX files (/usr/share/datasets/fashion-mnist)
  fortunes                                         # examples/char_lm's corpus (/usr/share/games/fortunes)
  valgrind                                         # callgrind counts (bench/notes/overhead_chain.cpp)
  clang libclang-rt-14-dev libomp-14-dev           # asan preset: clang++, its ASan/UBSan/libFuzzer runtimes, OpenMP
)

setup() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "build.sh: installing ${missing[*]}"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {  # build PRESET: configure quietly (the log is shown on failure), then compile with 2 jobs
  local preset=$1 log
  log=$(mktemp)
  if ! cmake --preset "$preset" >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
  cmake --build --preset "$preset" -j2
}

case "${1:-}" in
  setup)
    setup
    ;;
  train)
    setup
    build release
    ./build/release/examples/fashion_mlp/fashion_mlp --output-dir build/fashion_mlp_output "${@:2}"
    ;;
  test)
    setup
    for preset in release asan tsan; do
      build "$preset"
      ctest --preset "$preset" -j2
    done
    ;;
  *)
    echo "usage: ./build.sh train | test | setup" >&2
    exit 2
    ;;
esac
