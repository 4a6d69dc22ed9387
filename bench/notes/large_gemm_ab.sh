#!/usr/bin/env bash
# bench/notes/large_gemm_ab.sh CONFIG THREADS ROUNDS: one training step (bench_train_step vs compare_libtorch,
# release build with -DTAPEGRAD_BENCH_LIBTORCH=ON) as tapegrad with oneDNN (default), tapegrad with TG_DNNL=0
# and libtorch tuned with each OPENBLAS_CORETYPE, processes interleaved round by round; prints medians.
cd "$(dirname "$0")/../.."
config=$1 threads=$2 rounds=$3
filter="--benchmark_filter=^train_step/$config/threads:$threads/"
ob=/usr/lib/x86_64-linux-gnu/openblas-openmp
tuned="MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 LD_LIBRARY_PATH=$ob"
for r in $(seq "$rounds"); do
  echo "round $r load $(cut -d' ' -f1-3 /proc/loadavg) cc1plus $(pgrep -c cc1plus)"
  for v in "tg_dnnl:env OMP_NUM_THREADS=$threads ./build/release/bench/bench_train_step" \
           "tg_blis:env TG_DNNL=0 OMP_NUM_THREADS=$threads ./build/release/bench/bench_train_step" \
           "lt_SkylakeX:env $tuned OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=$threads ./build/release/bench/compare_libtorch/compare_libtorch" \
           "lt_Zen:env $tuned OPENBLAS_CORETYPE=Zen OMP_NUM_THREADS=$threads ./build/release/bench/compare_libtorch/compare_libtorch" \
           "lt_Haswell:env $tuned OPENBLAS_CORETYPE=Haswell OMP_NUM_THREADS=$threads ./build/release/bench/compare_libtorch/compare_libtorch"; do
    name=${v%%:*} cmd=${v#*:}
    ms=$($cmd "$filter" 2>/dev/null | awk '/_median/ {print "real", $2, $3, "cpu", $4, $5}')
    echo "$config/$threads $name median_ms $ms"
  done
done
echo "end load $(cut -d' ' -f1-3 /proc/loadavg)"
