# Runs one libFuzzer target for ctest (see fuzz/CMakeLists.txt):
#   cmake -DFUZZER=<exe> -DCORPUS=<checked-in dir> -DSCRATCH=<build dir> -DMODE=fuzz|replay
#         -DDEFAULT_SECONDS=<n> -P run_fuzzer.cmake
# MODE=fuzz fuzzes for $ENV{TAPEGRAD_FUZZ_SECONDS} (else DEFAULT_SECONDS) seconds. libFuzzer writes new
# inputs to the first corpus directory it is given, so that is the scratch directory and the checked-in
# corpus only comes second (read, never written). Crashing inputs land in SCRATCH/artifacts/; copy them
# to the checked-in corpus once the bug is fixed. MODE=replay runs each checked-in file once.
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH}/corpus ${SCRATCH}/artifacts)
set(common -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -artifact_prefix=${SCRATCH}/artifacts/
           -print_final_stats=1)
if(MODE STREQUAL "fuzz")
  set(seconds ${DEFAULT_SECONDS})
  if(DEFINED ENV{TAPEGRAD_FUZZ_SECONDS})
    set(seconds $ENV{TAPEGRAD_FUZZ_SECONDS})
  endif()
  set(command ${FUZZER} ${common} -max_total_time=${seconds} ${SCRATCH}/corpus ${CORPUS})
else()
  set(command ${FUZZER} ${common} -runs=0 ${CORPUS})
endif()
message(STATUS "running: ${command}")
execute_process(COMMAND ${command} RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB artifacts ${SCRATCH}/artifacts/*)
  message(FATAL_ERROR "${FUZZER} failed (${result}); crashing inputs: ${artifacts}")
endif()
