#!/usr/bin/env bash
# Builds the release configuration, runs every bench/ program with the same threads and environment,
# and writes BENCHMARKS.md (machine, exact commands, tables, targets met or not).
#
#   bench/run.sh [--with-libtorch] [--no-native] [--wait-quiet SECONDS] [--output FILE] [--only STAGES]
#                [--merge STAGES]
#
#   --with-libtorch      also build and run bench/compare_libtorch, with libtorch as installed and tuned
#                        (installs libtorch-dev and libopenblas0-openmp with apt-get when missing)
#   --no-native          skip the second build (-march=native) and its comparison with the default build
#   --wait-quiet SECONDS before starting, wait up to SECONDS for the 1-minute load average to drop
#                        below 0.5 (the machines are shared; the load is recorded either way)
#   --output FILE        where to write the report (default: BENCHMARKS.md at the repository root)
#   --only STAGES        re-run only these comma-separated stages of an earlier full run, keeping its other
#                        results (peak, overhead, gemm, elementwise, train_step, contention, attention,
#                        char_lm, native, libtorch, conv, rnn, fashion_cnn, ddp); the commands and loads of
#                        the re-run are appended
#   --merge STAGES       run bench_peak and these stages (conv, rnn, fashion_cnn, ddp) in a results directory
#                        of their own and update only their sections and targets in the existing report
#   --skip STAGES        a full run without these stages (conv, rnn, fashion_cnn, ddp): their sections and
#                        target rows are copied from the existing report
#
# Results (Google Benchmark JSON, one file per process) go to build/bench-results/. Every percentage
# is relative to bench_peak's measurements from the same run, exported to the other programs as
# TG_BENCH_* variables. A full run takes about 80 minutes on 2 cores with --with-libtorch; --merge
# conv,rnn,fashion_cnn about 20.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

with_libtorch=0
with_native=1
wait_quiet=0
only=""
merge=""
skip=""
output=$root/BENCHMARKS.md
while (($#)); do
  case $1 in
    --with-libtorch) with_libtorch=1 ;;
    --no-native) with_native=0 ;;
    --wait-quiet) wait_quiet=$2; shift ;;
    --output) output=$(realpath -m "$2"); shift ;;
    --only) only=",$2,"; shift ;;
    --merge) merge=$2; only=",peak,$2,"; shift ;;
    --skip) skip=",$2,"; shift ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_dir=$root/build/bench-release
native_dir=$root/build/bench-native
results=$root/build/bench-results
[[ -n $merge ]] && results=$root/build/bench-results-merge
bin=$build_dir/bench
python=/usr/bin/python3
[[ -x $python ]] || python=python3
threads_all=$(nproc)
((threads_all >= 2)) || threads_all=2

commands=$results/commands.txt
loadlog=$results/load.txt
if [[ -z $only || -n $merge ]]; then
  rm -rf "$results"
  mkdir -p "$results"
  : >"$commands"
  : >"$loadlog"
elif [[ ! -f $results/peaks.env ]]; then
  echo "run.sh: --only needs the results of an earlier full run in ${results#$root/}" >&2
  exit 2
else
  echo "# re-run of stages ${only:1:-1} ($(date -u +%Y-%m-%dT%H:%M:%SZ))" >>"$commands"
fi
# stage NAME: whether this run includes the stage.
stage() { [[ (-z $only || $only == *",$1,"*) && $skip != *",$1,"* ]]; }

log() { printf '\n== %s\n' "$*" >&2; }
record_load() { printf '%s\t%s\t%s\n' "$1" "$(date +%s)" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$loadlog"; }
# Quotes an argument for the record only when it needs it.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=,+@%-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}
# run NAME ENV... -- COMMAND...: records the exact command line, then runs it.
run() {
  local name=$1
  shift
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  record_load "$name"
  local line="" word
  for word in "${env[@]}" "$@"; do line+="$(quote "$word") "; done
  echo "${line% }" | sed "s|$root/||g" >>"$commands"
  env "${env[@]}" "$@"
}

# ---- packages: the comparison needs libtorch and OpenMP OpenBLAS (idempotent; sudo when not root)
if ((with_libtorch)); then
  missing=()
  for package in libtorch-dev libopenblas0-openmp python3-torch; do
    dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || missing+=("$package")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# ---- build: the release preset (Release, no -march: the build users get) in a directory of its own, and
# the native preset (-march=native) for the comparison
log "building (release) in ${build_dir#$root/}"
targets=(bench_peak bench_gemm bench_elementwise bench_train_step bench_overhead contention bench_attention
         bench_conv bench_rnn fashion_cnn_epoch ddp)
((with_libtorch)) && targets+=(compare_libtorch contention_libtorch layers_libtorch fashion_cnn_epoch_libtorch)
targets+=(char_lm)
cmake --preset release -B "$build_dir" -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_EXAMPLES=ON \
  -DTAPEGRAD_BUILD_BENCH=ON -DTAPEGRAD_BENCH_LIBTORCH=$((with_libtorch ? 1 : 0)) >"$results/configure.log"
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"
echo "cmake --preset release -B ${build_dir#$root/} -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_EXAMPLES=ON -DTAPEGRAD_BUILD_BENCH=ON -DTAPEGRAD_BENCH_LIBTORCH=$((with_libtorch ? 1 : 0))" >>"$commands"
echo "cmake --build ${build_dir#$root/} -j$(nproc) --target ${targets[*]}" >>"$commands"
if ((with_native)) && stage native; then
  log "building (native) in ${native_dir#$root/}"
  cmake --preset native -B "$native_dir" -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_EXAMPLES=OFF \
    -DTAPEGRAD_BUILD_BENCH=ON -DTAPEGRAD_BENCH_LIBTORCH=0 >"$results/configure-native.log"
  cmake --build "$native_dir" -j"$(nproc)" --target bench_train_step bench_elementwise
  echo "cmake --preset native -B ${native_dir#$root/} -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_EXAMPLES=OFF -DTAPEGRAD_BUILD_BENCH=ON -DTAPEGRAD_BENCH_LIBTORCH=0" >>"$commands"
  echo "cmake --build ${native_dir#$root/} -j$(nproc) --target bench_train_step bench_elementwise" >>"$commands"
fi

if ((wait_quiet > 0)); then
  log "waiting up to ${wait_quiet}s for a quiet machine"
  for ((waited = 0; waited < wait_quiet; waited += 10)); do
    awk '{exit !($1 < 0.5)}' /proc/loadavg && break
    sleep 10
  done
fi
record_load start
[[ -n $only && -z $merge ]] || date -u +%Y-%m-%dT%H:%M:%SZ >"$results/started"

json() { echo "--benchmark_out=$results/$1.json" --benchmark_out_format=json; }

# ---- the denominators first; every other program reads them from the environment
if stage peak; then
  log bench_peak
  run peak -- "$bin/bench_peak" $(json peak)
fi
eval "$("$python" "$root/bench/report.py" --peaks-env "$results")"
export TG_BENCH_PEAK_FP32_1T TG_BENCH_PEAK_FP32_ALL TG_BENCH_COPY_GBS_1T TG_BENCH_COPY_GBS_ALL
export TG_BENCH_COPY_SMALL_GBS_1T TG_BENCH_COPY_SMALL_GBS_ALL
env | grep '^TG_BENCH_' | sort >"$results/peaks.env"
echo "export $(paste -sd' ' "$results/peaks.env")" >>"$commands"

# What the default build's kernels chose (instruction set, BLIS kernel set), as TG_VERBOSE=1 logs it.
TG_VERBOSE=1 OMP_NUM_THREADS=1 "$bin/bench_train_step" '--benchmark_filter=^train_step/a/threads:1$' \
  --benchmark_min_time=0.01 --benchmark_repetitions=1 2>&1 >/dev/null | grep '^tapegrad:' |
  sed 's/^tapegrad: //' | paste -sd';' >"$results/isa.txt" || true

if stage overhead; then
  log bench_overhead
  run overhead OMP_NUM_THREADS=1 -- "$bin/bench_overhead" $(json overhead)
fi
if stage gemm; then
  log bench_gemm
  run gemm OMP_NUM_THREADS=$threads_all -- "$bin/bench_gemm" $(json gemm)
fi
if stage elementwise; then
  log bench_elementwise
  run elementwise OMP_NUM_THREADS=$threads_all -- "$bin/bench_elementwise" $(json elementwise)
fi

# One process per config and thread count, so each peak RSS is that config's alone.
if stage train_step; then
  log bench_train_step
  for config in a b c; do
    for threads in 1 "$threads_all"; do
      run "train_step/$config/$threads" OMP_NUM_THREADS=$threads -- "$bin/bench_train_step" \
        "--benchmark_filter=^train_step/$config/threads:$threads(/|\$)" $(json "train_${config}_$threads")
    done
  done
  run blis_gemms OMP_NUM_THREADS=$threads_all -- "$bin/bench_train_step" \
    '--benchmark_filter=^blis_gemms/' $(json train_blis)
fi

# Default threads on purpose (no OMP_NUM_THREADS): what a user gets, idle and next to $(nproc) busy processes.
if stage contention; then
  log contention
  run contention -- "$bin/contention" "--out=$results/contention.jsonl"
fi

# ---- attention: the fused op and the naive composition (one process), then peak memory per L (one process
# each, so each peak is that L's alone); PyTorch's math path in the same configurations with --with-libtorch
if stage attention; then
  log bench_attention
  run attention OMP_NUM_THREADS=$threads_all -- "$bin/bench_attention" '--benchmark_filter=^attention/' \
    --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true $(json attention)
  attention_lengths=(512 1024 2048 4096)
  for L in "${attention_lengths[@]}"; do
    run "attention_memory/$L" OMP_NUM_THREADS=$threads_all -- "$bin/bench_attention" \
      "--benchmark_filter=^attention_memory/L:$L/" $(json "attention_memory_$L")
  done
  if ((with_libtorch)); then
    run attention_torch OMP_NUM_THREADS=$threads_all -- /usr/bin/python3 "$root/bench/attention_torch.py" \
      --threads "$threads_all" --out "$results/attention_torch.json"
    for L in "${attention_lengths[@]}"; do
      run "attention_torch_memory/$L" OMP_NUM_THREADS=$threads_all -- /usr/bin/python3 "$root/bench/attention_torch.py" \
        --threads "$threads_all" --only-L "$L" --backward --out "$results/attention_torch_memory_$L.json"
    done
  fi
fi

# ---- examples/char_lm (default model, 400 iterations, no evaluation or sampling) at 1 and all threads, and
# its PyTorch twin bench/char_lm_torch.py with --with-libtorch; both print "training: X ms per iteration"
if stage char_lm && [[ -d /usr/share/games/fortunes ]]; then
  log char_lm
  char_lm_args=(--iters 400 --eval-interval 0 --eval-iters 1 --sample-tokens 0)
  for threads in 1 "$threads_all"; do
    run "char_lm/$threads" OMP_NUM_THREADS=$threads -- "$build_dir/examples/char_lm/char_lm" --threads "$threads" "${char_lm_args[@]}" \
      --output-dir "$results/char_lm_$threads" >"$results/char_lm_$threads.txt"
    if ((with_libtorch)); then
      # OMP_NUM_THREADS too: torch.set_num_threads(2) alone left this PyTorch at one thread's speed (60 vs 38 ms)
      run "char_lm_torch/$threads" OMP_NUM_THREADS=$threads -- /usr/bin/python3 "$root/bench/char_lm_torch.py" --threads "$threads" \
        "${char_lm_args[@]}" --output-dir "$results/char_lm_torch_$threads" >"$results/char_lm_torch_$threads.txt"
    fi
  done
elif stage char_lm; then
  log "char_lm skipped: /usr/share/games/fortunes is missing (apt-get install fortunes)"
fi

# ---- the same train steps and element-wise kernels built with -march=native
if ((with_native)) && stage native; then
  log "native build: bench_train_step, bench_elementwise"
  for config in a b c; do
    for threads in 1 "$threads_all"; do
      run "native/train_step/$config/$threads" OMP_NUM_THREADS=$threads -- "$native_dir/bench/bench_train_step" \
        "--benchmark_filter=^train_step/$config/threads:$threads(/|\$)" $(json "native_train_${config}_$threads")
    done
  done
  run native/elementwise OMP_NUM_THREADS=$threads_all -- "$native_dir/bench/bench_elementwise" $(json native_elementwise)
  # Two more pairs, interleaved: run-to-run noise on these VMs (5-70 % per process at 64 MiB, where other
  # VMs share the memory bandwidth) exceeds the 5 % being checked, so the comparison takes each build's best
  # median of its three runs (interference only ever slows a run down).
  for round in 2 3; do
    run "elementwise/$round" OMP_NUM_THREADS=$threads_all -- "$bin/bench_elementwise" $(json "elementwise_$round")
    run "native/elementwise/$round" OMP_NUM_THREADS=$threads_all -- "$native_dir/bench/bench_elementwise" \
      $(json "native_elementwise_$round")
  done
fi

# ---- libtorch, as installed and tuned (OpenMP OpenBLAS with the right core type, no malloc trimming)
if ((with_libtorch)) && stage libtorch; then
  if [[ ! -x $bin/compare_libtorch/compare_libtorch ]]; then
    echo "run.sh: compare_libtorch was not built (see $results/configure.log)" >&2
    exit 1
  fi
  openblas_dir=/usr/lib/x86_64-linux-gnu/openblas-openmp
  family=$(awk -F': ' '/^cpu family/ {print $2; exit}' /proc/cpuinfo)
  # Zen5 (family 26): SkylakeX (AVX-512) kernels are right. Elsewhere measure the candidates on step (b).
  coretype=${TG_BENCH_OPENBLAS_CORETYPE:-}
  if [[ -z $coretype && $family == 26 ]]; then
    coretype=SkylakeX
  elif [[ -z $coretype ]]; then
    best=
    for candidate in SkylakeX Zen Haswell; do
      run "coretype/$candidate" LD_LIBRARY_PATH=$openblas_dir OPENBLAS_CORETYPE=$candidate OMP_NUM_THREADS=1 -- \
        "$bin/compare_libtorch/compare_libtorch" '--benchmark_filter=^train_step/b/threads:1/' \
        $(json "coretype_$candidate") >/dev/null
      ms=$("$python" -c 'import json,sys; print(min(b["real_time"] for b in json.load(open(sys.argv[1]))["benchmarks"] if b.get("aggregate_name") == "median"))' "$results/coretype_$candidate.json")
      echo "OPENBLAS_CORETYPE=$candidate: step (b) $ms ms" >>"$results/coretype.txt"
      if [[ -z $best ]] || awk -v a="$ms" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$ms; coretype=$candidate; fi
    done
  fi
  echo "$coretype" >"$results/coretype"
  tuned=(LD_LIBRARY_PATH=$openblas_dir OPENBLAS_CORETYPE=$coretype MALLOC_MMAP_THRESHOLD_=1073741824
         MALLOC_TRIM_THRESHOLD_=1073741824)
  for variant in default tuned; do
    variant_env=()
    [[ $variant == tuned ]] && variant_env=("${tuned[@]}")
    log "compare_libtorch ($variant)"
    for config in a b c; do
      for threads in 1 "$threads_all"; do
        run "libtorch_$variant/$config/$threads" "${variant_env[@]}" OMP_NUM_THREADS=$threads -- \
          "$bin/compare_libtorch/compare_libtorch" "--benchmark_filter=^train_step/$config/threads:$threads(/|\$)" \
          $(json "libtorch_${variant}_train_${config}_$threads")
      done
    done
    run "libtorch_$variant/overhead" "${variant_env[@]}" OMP_NUM_THREADS=1 -- \
      "$bin/compare_libtorch/compare_libtorch" '--benchmark_filter=^overhead/' $(json "libtorch_${variant}_overhead")
  done
  log "contention_libtorch (libtorch as installed, default threads)"
  run contention_libtorch -- "$bin/compare_libtorch/contention_libtorch" "--out=$results/contention_libtorch.jsonl"
fi
# ---- convolutional and recurrent layers, and one fashion_cnn training epoch, at 1 and all threads; libtorch's
# side (bench/support/layer_workloads.hpp and fashion_cnn.hpp compiled against libtorch) with the tuned
# environment of the libtorch stage (OpenBLAS core type from its measurement, when it ran)
libtorch_env=(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp MALLOC_MMAP_THRESHOLD_=1073741824
              MALLOC_TRIM_THRESHOLD_=1073741824)
[[ -f $results/coretype ]] && libtorch_env+=(OPENBLAS_CORETYPE=$(cat "$results/coretype"))
layer_args=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)
if stage conv; then
  log "bench_conv (and libtorch's conv2d)"
  for threads in 1 "$threads_all"; do
    run "conv/$threads" OMP_NUM_THREADS=$threads -- "$bin/bench_conv" "${layer_args[@]}" $(json "conv_$threads")
    if ((with_libtorch)); then
      run "conv_libtorch/$threads" "${libtorch_env[@]}" OMP_NUM_THREADS=$threads -- \
        "$bin/compare_libtorch/layers_libtorch" '--benchmark_filter=^conv2d/' "${layer_args[@]}" \
        $(json "libtorch_conv_$threads")
    fi
  done
fi
if stage rnn; then
  log "bench_rnn (and libtorch's LSTM/GRU)"
  for threads in 1 "$threads_all"; do
    run "rnn/$threads" OMP_NUM_THREADS=$threads -- "$bin/bench_rnn" "${layer_args[@]}" $(json "rnn_$threads")
    if ((with_libtorch)); then
      run "rnn_libtorch/$threads" "${libtorch_env[@]}" OMP_NUM_THREADS=$threads -- \
        "$bin/compare_libtorch/layers_libtorch" '--benchmark_filter=^recurrent/' "${layer_args[@]}" \
        $(json "libtorch_rnn_$threads")
    fi
  done
fi
# Each prints "fashion_cnn <library> threads <n> epoch <seconds> s loss <mean> test accuracy <acc>".
# libtorch's MNIST reader takes only uncompressed IDX files (Debian ships them gzipped): both read this copy.
if stage fashion_cnn && [[ -d /usr/share/datasets/fashion-mnist ]]; then
  log "fashion_cnn epoch (tapegrad and libtorch, same program and data order)"
  data=$results/fashion-mnist
  mkdir -p "$data"
  for file in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    gzip -dc "$file" >"$data/$(basename "${file%.gz}")"
  done
  for threads in 1 "$threads_all"; do
    run "fashion_cnn/$threads" OMP_NUM_THREADS=$threads -- "$bin/fashion_cnn_epoch" "$data" \
      >"$results/fashion_cnn_$threads.txt"
    if ((with_libtorch)); then
      run "fashion_cnn_libtorch/$threads" "${libtorch_env[@]}" OMP_NUM_THREADS=$threads -- \
        "$bin/compare_libtorch/fashion_cnn_epoch_libtorch" "$data" >"$results/fashion_cnn_libtorch_$threads.txt"
    fi
  done
  rm -rf "$data"
elif stage fashion_cnn; then
  log "fashion_cnn skipped: /usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist)"
fi
# ---- data-parallel training: steps (b) and (c) in one process, then under mpirun -np 2 with DDP (one thread
# per process, each rank its own full batch: weak scaling) for several bucket caps; PyTorch's DDP (gloo) in
# the same configurations with --with-libtorch. bench/ddp appends its JSON lines: start from empty files.
if stage ddp; then
  log "ddp (one process, then mpirun -np 2; PyTorch DDP with --with-libtorch)"
  rm -f "$results/ddp_single.jsonl" "$results/ddp_mpi.jsonl" "$results/ddp_mpi3.jsonl" "$results/ddp_torch.json" \
    "$results/ddp_scaling.md"
  ddp_args=(--steps b,c --threads 1)
  ddp_buckets=1,5,25,100
  mpirun_args=(--allow-run-as-root --bind-to core -np 2 -x OMP_NUM_THREADS)
  (($(nproc) >= 2)) || mpirun_args+=(--oversubscribe)
  run ddp/single OMP_NUM_THREADS=1 -- "$bin/ddp" "${ddp_args[@]}" --json "$results/ddp_single.jsonl"
  run ddp/mpi OMP_NUM_THREADS=1 -- mpirun "${mpirun_args[@]}" "$bin/ddp" --distributed "${ddp_args[@]}" \
    --bucket-cap-mb "$ddp_buckets" --json "$results/ddp_mpi.jsonl"
  # Three ranks on two cores (oversubscribed): checks the scaling model at another ring size.
  run ddp/mpi3 OMP_NUM_THREADS=1 -- mpirun --allow-run-as-root --oversubscribe --bind-to none -np 3 -x OMP_NUM_THREADS \
    "$bin/ddp" --distributed "${ddp_args[@]}" --bucket-cap-mb 25 --json "$results/ddp_mpi3.jsonl"
  "$python" "$root/bench/notes/scaling_model.py" "$results" >"$results/ddp_scaling.md"
  if ((with_libtorch)); then
    run ddp_torch OMP_NUM_THREADS=1 -- /usr/bin/python3 "$root/bench/ddp_torch.py" --steps b,c \
      --bucket-cap-mb "$ddp_buckets" --json "$results/ddp_torch.json" >"$results/ddp_torch.txt"
  fi
fi
record_load end
date -u +%Y-%m-%dT%H:%M:%SZ >"$results/finished"

# ---- the machine and the report
{
  lscpu
  echo
  grep -m1 '^flags' /proc/cpuinfo
} >"$results/lscpu.txt"
uname -srm >"$results/uname.txt"
c++ --version | head -1 >"$results/compiler.txt"
env | grep -E '^(OMP_|GOMP_|OPENBLAS_|BLIS_|MALLOC_|LD_LIBRARY_PATH=)' | sort >"$results/environment.txt" || true
readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 >"$results/libblas.txt" 2>/dev/null || true
args=()
((with_libtorch)) && args+=(--with-libtorch)
if [[ -n $merge ]]; then
  "$python" "$root/bench/report.py" "$results" --merge-into "$output" --stages "$merge" \
    --command "bench/run.sh ${args[*]} --merge $merge"
  log "updated the $merge sections of ${output#$root/} (raw results in ${results#$root/})"
  exit 0
fi
if [[ -n $skip ]]; then
  previous=$results/previous-report.md
  cp "$output" "$previous"
  "$python" "$root/bench/report.py" "$results" --output "$output" --command "bench/run.sh ${args[*]} --skip ${skip:1:-1}" \
    --keep-from "$previous" --stages "${skip:1:-1}"
else
  "$python" "$root/bench/report.py" "$results" --output "$output" --command "bench/run.sh ${args[*]}"
fi
log "wrote ${output#$root/} (raw results in ${results#$root/})"
