#!/usr/bin/env bash
# Runs FraudStream's whole test suite on a fresh Debian 12 machine with the .NET 10 SDK:
# installs the Debian packages the tests use (without recommended packages), then builds and tests
# the solution in Release. Extra arguments go to `dotnet test` (for example --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests call, as "command:package" pairs.
tools=("kcat:kcat" "docker-compose:docker-compose" "promtool:prometheus" "git:git")

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

# Run the tests, keeping their output to add up the per-project counts into one closing line.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test FraudStream.sln -c Release --no-build --nologo -v q --logger "console;verbosity=normal" "$@" \
  | tee "$log" || status=$?
passed=$(awk '/^ +Passed: +[0-9]+$/ {n += $2} END {print n + 0}' "$log")
failed=$(awk '/^ +Failed: +[0-9]+$/ {n += $2} END {print n + 0}' "$log")
echo "tests: $passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
