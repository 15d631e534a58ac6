#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan, build-fuzz/) and runs each for a
# bounded time, two at a time, from seeds gathered into build-fuzz/seeds/: the hand-made seeds of
# fuzz/corpus/, the inputs kept in tests/data/fuzz_regressions/, the records and configs of the
# repository and, when ACL_TEST_DATA names the data folder, its records, annotations and CSVs.
# Prints executions, coverage and the result per harness; exits non-zero on any crash, leak,
# timeout, out-of-memory or sanitizer report, printing the paths of the inputs that caused it
# (build-fuzz/artifacts/). The corpora found are kept in build-fuzz/corpus/ for the next run.
#
#   bash scripts/fuzz.sh [SECONDS_PER_HARNESS]        (default 60)
#
# Environment: ACL_FUZZ_TARGETS (space separated) runs a subset; ACL_FUZZ_JOBS harnesses at once
# (default 2); ACL_JOBS build jobs (default nproc).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] ||
  { echo "fuzz: SECONDS_PER_HARNESS must be a positive integer, got '$seconds'" >&2; exit 2; }
build="$root/build-fuzz"
sep=$'\n--acl-fuzz-file--\n'  # fuzz/scratch.h kFileSeparator

bash "$root/scripts/install_packages.sh" clang libclang-rt-14-dev

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DACL_FUZZ=ON -DACL_CUDA=OFF \
  -DACL_MPI=OFF -DACL_BUILD_TESTS=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "${launcher[@]}" >/dev/null
build_start=$(date +%s)
cmake --build "$build" --target acl_fuzzers -j "${ACL_JOBS:-$(nproc)}"
echo "fuzz: harnesses built in $(( $(date +%s) - build_start )) s"
# The harness list is fuzz/CMakeLists.txt's ACL_FUZZ_TARGETS: one executable fuzz_<target> each.
all_targets=()
for exe in "$build"/fuzz/fuzz_*; do [[ -x "$exe" ]] && all_targets+=("${exe##*/fuzz_}"); done
((${#all_targets[@]})) || { echo "fuzz: no harness executables in $build/fuzz" >&2; exit 1; }
read -r -a targets <<< "${ACL_FUZZ_TARGETS:-${all_targets[*]}}"

# ---- seeds -----------------------------------------------------------------------------------
seeds="$build/seeds"
rm -rf "$seeds"
for t in "${targets[@]}"; do mkdir -p "$seeds/$t"; done
seed() {  # seed TARGET < bytes; named by content (pipelines run it in a subshell)
  [[ -d "$seeds/$1" ]] || { cat >/dev/null; return 0; }
  local tmp
  tmp="$(mktemp "$seeds/$1/.new.XXXXXX")"
  cat > "$tmp"
  mv "$tmp" "$seeds/$1/$(sha1sum < "$tmp" | cut -c1-40)"
}
for t in "${targets[@]}"; do
  for f in "$root/fuzz/corpus/$t"/* "$root/tests/data/fuzz_regressions/$t"/*; do
    [[ -f "$f" && "$f" != *.expect ]] && seed "$t" < "$f"
  done
done

data_dirs=("$root/tests/data/wfdb")
if [[ -n "${ACL_TEST_DATA:-}" ]]; then
  if [[ -d "$ACL_TEST_DATA" ]]; then
    for d in "$ACL_TEST_DATA"/*/; do data_dirs+=("${d%/}"); done
  else
    echo "fuzz: ACL_TEST_DATA=$ACL_TEST_DATA is not a directory; its seeds are skipped" >&2
  fi
else
  echo "fuzz: ACL_TEST_DATA is not set; seeds from the data folder are skipped"
fi
for d in "${data_dirs[@]}"; do
  for hea in "$d"/*.hea; do
    [[ -f "$hea" ]] || continue
    seed wfdb_header < "$hea"
    # The first signal line's file and the record line's signal count.
    read -r sig_file n_sig < <(awk '/^[[:space:]]*#/ || NF == 0 {next}
      !rec {n = $2; rec = 1; next} {print $1, n; exit}' "$hea") || true
    [[ -n "${sig_file:-}" && -f "$d/$sig_file" ]] || continue
    { cat "$hea"; printf '%s' "$sep"; head -c 16000 "$d/$sig_file"; } | seed wfdb_record
    ch=$(( (${n_sig:-1} - 1) & 7 ))
    for sel in $(seq 0 12); do
      { printf "\\x$(printf %02x "$sel")\\x$(printf %02x "$ch")"; head -c 4096 "$d/$sig_file"; } |
        seed wfdb_formats
    done
    [[ "$sig_file" == *.mat ]] && head -c 64 "$d/$sig_file" | seed mat4
  done
  for f in "$d"/*.atr; do [[ -f "$f" ]] && head -c 16384 "$f" | seed wfdb_annotation; done
  for f in "$d"/*.csv; do [[ -f "$f" ]] && head -c 16384 "$f" | seed csv; done
done
if [[ -n "${ACL_TEST_DATA:-}" && -d "$ACL_TEST_DATA" ]]; then
  for f in "$ACL_TEST_DATA"/*.csv "$ACL_TEST_DATA"/labels/*.csv; do
    [[ -f "$f" ]] && head -c 16384 "$f" | seed csv
  done
  db="$ACL_TEST_DATA/labels/ptbxl_database_subset.csv"
  [[ -f "$db" ]] && { printf '\x00'; head -c 16384 "$db"; } | seed ptbxl
  st="$ACL_TEST_DATA/labels/scp_statements.csv"
  [[ -f "$st" ]] && { printf '\x01'; head -c 16384 "$st"; } | seed ptbxl
fi
for f in "$root"/configs/*.json; do
  seed experiment_config < "$f"
  seed eval_config < "$f"
done

# Dictionaries: the committed ones, and for the configs every key name the configs use.
dicts="$build/dict"
mkdir -p "$dicts"
{
  cat "$root/fuzz/dict/json.dict"
  grep -ho '"[a-z_0-9]*"[[:space:]]*:' "$root"/configs/*.json | grep -o '"[a-z_0-9]*"' |
    sort -u | sed 's/"/\\"/g; s/^/"/; s/$/"/'
} > "$dicts/config.dict"
dict_of() {
  case "$1" in
    wfdb_header | wfdb_record) echo "$root/fuzz/dict/wfdb_header.dict" ;;
    csv | ptbxl) echo "$root/fuzz/dict/csv.dict" ;;
    safetensors) echo "$root/fuzz/dict/safetensors.dict" ;;
    cache) echo "$root/fuzz/dict/cache.dict" ;;
    experiment_config | eval_config) echo "$dicts/config.dict" ;;
  esac
}
max_len_of() {
  case "$1" in
    mat4) echo 256 ;;
    wfdb_header | safetensors) echo 4096 ;;
    cache | experiment_config | eval_config) echo 8192 ;;
    *) echo 20000 ;;
  esac
}

# ---- run -------------------------------------------------------------------------------------
logs="$build/logs"
artifacts="$build/artifacts"
rm -rf "$logs"
mkdir -p "$logs" "$artifacts"
export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:${UBSAN_OPTIONS:-}"
run_one() {
  local t="$1" dict
  dict="$(dict_of "$t")"
  mkdir -p "$build/corpus/$t"
  set +e
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -timeout=10 -max_len="$(max_len_of "$t")" -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" ${dict:+-dict="$dict"} \
    "$build/corpus/$t" "$seeds/$t" > "$logs/$t.log" 2>&1
  echo $? > "$logs/$t.rc"
  set -e
}
echo "fuzz: ${#targets[@]} harnesses, $seconds s each, ${ACL_FUZZ_JOBS:-2} at a time;" \
  "$(find "$seeds" -type f | wc -l) seeds"
run_start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if ((running >= ${ACL_FUZZ_JOBS:-2})); then wait -n; running=$((running - 1)); fi
done
wait

# ---- report ----------------------------------------------------------------------------------
failed=0
printf '%-18s %12s %8s %8s %8s  %s\n' harness executions cov ft corpus result
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  rc="$(cat "$logs/$t.rc" 2>/dev/null || echo missing)"
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)"
  ft="$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)"
  corp="$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)"
  result=ok
  if [[ "$rc" != 0 ]] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|acl fuzz finding' "$log"; then
    result="FAILED (exit $rc; log $log)"
    failed=1
  fi
  printf '%-18s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
echo "fuzz: ran in $(( $(date +%s) - run_start )) s"
if ((failed)); then
  for t in "${targets[@]}"; do
    grep -h "Test unit written to" "$logs/$t.log" 2>/dev/null | sed "s/^/fuzz: $t: /" || true
    grep -hE '^(SUMMARY|acl fuzz finding|.*runtime error:|terminate called|  what\(\))' \
      "$logs/$t.log" 2>/dev/null | head -4 | sed "s/^/fuzz: $t: /" || true
  done
  echo "fuzz: FAILED; replay an input with build-fuzz/fuzz/fuzz_<harness> <file>" >&2
  exit 1
fi
echo "fuzz: passed"
