#!/usr/bin/env bash
# Sanitizer builds: runs the CPU test suite under AddressSanitizer + LeakSanitizer + UBSan, and the
# threaded tests under ThreadSanitizer. Exits non-zero on any sanitizer report or failing test.
#
#   bash scripts/sanitize.sh [address|thread|all]      (default all)
#
#   address  build-asan/ (-DACL_SANITIZE=address,undefined, CUDA off): every CPU test, ctest -j
#   thread   build-tsan/ (-DACL_SANITIZE=thread, CUDA off): builds and runs only the test
#            executables that start threads (see tsan_tests below)
#
# Environment: ACL_JOBS sets build and test jobs (default: nproc); ACL_TEST_DATA as for the normal
# suite (tests of the real records skip without it). Build directories sit beside build/ in the
# source tree and are reused (incremental).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"
case "$mode" in
  address|thread|all) ;;
  *) echo "sanitize.sh: unknown mode '$mode' (expected address, thread or all)" >&2; exit 2 ;;
esac
jobs="${ACL_JOBS:-$(nproc)}"

# The test executables that run code on more than one thread: the CPU kernels' thread pool (every
# kernel split at 1, 2, 3 and 5 threads; the host caching allocator's free lists), the pretraining
# batch loader (its reader thread, shutdown while busy or blocked), the trainer that consumes both
# (also in the patient order of the patient-positive runs), and acl_prepare's worker pool
# (test_prepare runs it with 1 and 3 threads). The MPI tests start no threads of their own
# (collectives poll for their timeout on the calling thread).
tsan_tests=(kernels/test_cpu_threads engine/test_host_cache train/pretrain/test_batch_loader
            train/pretrain/test_pretrain train/pretrain/test_objective_positives
            train/prepare/test_prepare)

cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=Debug -DACL_CUDA=OFF)
if command -v ccache >/dev/null; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

# Every report stops its process: a sanitizer finding is a failed test, never a log line.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

run_address() {
  local build="$root/build-asan"
  echo "sanitize: ASan + UBSan build in $build"
  cmake -S "$root" -B "$build" "${cmake_args[@]}" -DACL_SANITIZE=address,undefined >/dev/null || return
  # The test executables and the two tools the suite runs as processes (the kill-anywhere and
  # rank-failure tests start acl_train on a cache made by acl_prepare); the other tools' mains are
  # not run by the suite, and skipping them saves part of the instrumented compile.
  local targets
  targets=$(ninja -C "$build" -t targets all | sed -n 's/^\(test_[A-Za-z0-9_]*\): phony$/\1/p') || return
  [[ -n "$targets" ]] || { echo "sanitize: no test targets in $build" >&2; return 1; }
  targets+=" acl_train acl_prepare"
  # shellcheck disable=SC2086
  cmake --build "$build" -j "$jobs" --target $targets || return
  (cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

run_thread() {
  local build="$root/build-tsan" t
  echo "sanitize: TSan build in $build"
  cmake -S "$root" -B "$build" "${cmake_args[@]}" -DACL_SANITIZE=thread >/dev/null || return
  local targets=()
  for t in "${tsan_tests[@]}"; do targets+=("$(basename "$t")"); done
  cmake --build "$build" -j "$jobs" --target "${targets[@]}" || return
  # One process per executable (all its tests), from the directory ctest would run it in.
  local status=0
  for t in "${tsan_tests[@]}"; do
    echo "sanitize: tsan $t"
    (cd "$build/$(dirname "$t")" && "./$(basename "$t")" --gtest_brief=1) || status=1
  done
  return "$status"
}

# Both builds run even when the first fails, so one CI run shows every finding. (set -e does not
# apply inside a function called from `||`, hence the explicit returns above.)
start=$(date +%s)
failed=()
if [[ "$mode" == address || "$mode" == all ]]; then run_address || failed+=(address); fi
if [[ "$mode" == thread || "$mode" == all ]]; then run_thread || failed+=(thread); fi
if (( ${#failed[@]} )); then
  echo "sanitize: FAILED (${failed[*]}) after $(( $(date +%s) - start )) s" >&2
  exit 1
fi
echo "sanitize: $mode clean in $(( $(date +%s) - start )) s"
