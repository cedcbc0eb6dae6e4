#!/usr/bin/env bash
# Runs FraudStream's whole test suite on a fresh Debian 12 machine with the .NET 10 SDK:
# installs the Debian packages the tests use (without recommended packages), then builds and tests
# the solution in Release. Extra arguments go to `dotnet test` (for example --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests call, as "command:package" pairs.
tools=("kcat:kcat" "docker-compose:docker-compose" "promtool:prometheus" "prometheus:prometheus" "git:git")

missing=()
for pair in "${tools[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

dotnet build FraudStream.sln -c Release --nologo -v q

# Run the tests, keeping their output to add up the per-project counts into one closing line and to name the
# failed tests again at the end.
log=$(mktemp)
err=$(mktemp)
results=$(mktemp)
trap 'rm -f "$log" "$err" "$results"' EXIT
status=0
dotnet test FraudStream.sln -c Release --no-build --nologo -v q --logger "console;verbosity=normal" "$@" \
  | tee "$results" || status=$?
passed=$(awk '/^ +Passed: +[0-9]+$/ {n += $2} END {print n + 0}' "$results")
failed=$(awk '/^ +Failed: +[0-9]+$/ {n += $2} END {print n + 0}' "$results")
# A test host that crashes ends its project's run early: its remaining tests are neither passed nor failed.
aborted=$(grep -c '^Test Run Aborted' "$results" || true)
if [ "$aborted" -gt 0 ]; then
  echo "tests: $aborted test run(s) aborted (a test host crashed; the reason is above), their remaining tests not run" >&2
  status=1
fi

# The benchmarks and the load harness measure nothing here (this machine is shared), but they must still run:
# every benchmark once with BenchmarkDotNet's dry job (its set-up checks that the layouts agree), and the harness
# end to end on a small topic: its last line in the documented form, the processor's latency measured, and a group of
# two processors draining it, its alerts compared with one processor's; then the processor with two stream threads.
# Only with the whole suite (no arguments).
if [ $# -eq 0 ]; then
  bin=${FRAUDSTREAM_ARTIFACTS:-artifacts}/bin # where Directory.Build.props puts the build
  if dotnet "$bin/FraudStream.Benchmarks/release/FraudStream.Benchmarks.dll" --filter '*' --job dry --inProcess >"$log" 2>&1; then
    echo "smoke: every benchmark ran once (dry job)"
  else
    tail -n 40 "$log" >&2
    echo "smoke: the benchmarks failed (dry job; output above)" >&2
    status=1
  fi
  if dotnet "$bin/FraudStream.LoadTest/release/FraudStream.LoadTest.dll" --calls 20000 --repeat 1 --latency-seconds 4 \
    --modes limit,fraudstream,naive,streamiz,group --group-size 2 >"$log" 2>"$err" \
    && tail -n 1 "$log" | grep -Eq '^limit=[0-9]+ fraudstream=[0-9]+ naive=[0-9]+ streamiz=[0-9]+ ratio_limit=[0-9]+\.[0-9]{2} ratio_naive=[0-9]+\.[0-9]{2} ratio_streamiz=[0-9]+\.[0-9]{2}$' \
    && grep -Eq '^latency_of=fraudstream .*p99_ms=[0-9.]+' "$log" \
    && grep -Eq '^group_size=2 group=[0-9]+ ' "$log" && grep -Eq '^alerts_one=[0-9]+ alerts_group=[0-9]+ .*share_of_one_in_group=(0\.9[0-9]*|1\.0+) ' "$log"; then
    echo "smoke: the load harness ran end to end: $(tail -n 1 "$log")"
  else
    tail -n 30 "$err" >&2
    tail -n 5 "$log" >&2
    echo "smoke: the load harness failed (--calls 20000 --repeat 1 --latency-seconds 4 with the group mode; output above)" >&2
    status=1
  fi
  # The processor as two stream threads (fraudstream run --threads 2): drained and its latency measured.
  if dotnet "$bin/FraudStream.LoadTest/release/FraudStream.LoadTest.dll" --calls 20000 --repeat 1 --latency-seconds 4 \
    --modes limit,fraudstream --threads 2 >"$log" 2>"$err" \
    && tail -n 1 "$log" | grep -Eq '^limit=[0-9]+ fraudstream=[0-9]+ naive=NA streamiz=NA ratio_limit=[0-9]+\.[0-9]{2} ' \
    && grep -Eq '^latency_of=fraudstream .*p99_ms=[0-9.]+' "$log"; then
    echo "smoke: the load harness ran the processor with two stream threads: $(tail -n 1 "$log")"
  else
    tail -n 30 "$err" >&2
    tail -n 5 "$log" >&2
    echo "smoke: the load harness failed with --threads 2 (--calls 20000 --repeat 1 --latency-seconds 4; output above)" >&2
    status=1
  fi
fi

# The failed tests again, each with the start of its message, where a log's tail shows them.
if [ "$failed" -gt 0 ]; then
  echo "failed tests:" >&2
  awk '/^  Failed [^ ]/ {show = 1; lines = 0; print; next}
       /^  (Stack Trace:|Passed |Skipped )/ {show = 0}
       show && lines < 12 {print; lines++}' "$results" >&2
fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
