#!/usr/bin/env bash
# The demo: generates a day of realistic call traffic (with scams) and scores it with the shipped
# model, printing where the alerts and dead letters went. Options: CALLS (default 200000), SEED.
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${CALLS:-200000}"
seed="${SEED:-20261129}"
out="${OUT:-out/demo}"
mkdir -p "$out"
dotnet build src/FraudStream.Cli -c Release --nologo -v q >&2
fs() { dotnet artifacts/bin/FraudStream.Cli/release/fraudstream.dll "$@"; }
echo "== generating $calls calls (seed $seed) into $out" >&2
fs generate --calls "$calls" --seed "$seed" --out "$out" | tail -n 1 >&2
echo "== scoring them with models/default.zip" >&2
fs score --input "$out/calls.ndjson" --alerts "$out/alerts.ndjson" --dlq "$out/dead-letters.ndjson"
echo "== quality against the generator's labels" >&2
fs evaluate --data "$out" | tail -n 1 >&2
echo "== a few alerts ($out/alerts.ndjson):" >&2
head -n 3 "$out/alerts.ndjson" >&2
