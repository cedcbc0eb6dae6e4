#!/usr/bin/env bash
# Runs FraudStream's whole test suite on a fresh Debian 12 machine with the .NET 10 SDK:
# installs the Debian packages the tests use (without recommended packages), then builds and tests
# the solution in Release. Extra arguments go to `dotnet test` (for example --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests call, as "command:package" pairs.
tools=("kcat:kcat" "docker-compose:docker-compose" "promtool:prometheus")

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
dotnet test FraudStream.sln -c Release --no-build --nologo -v q --logger "console;verbosity=normal" "$@"
