#!/usr/bin/env bash
# The demo: `fraudstream demo` - an embedded Kafka broker, realistic call traffic generated live
# (start = now) at a steady rate, the streaming service with the shipped model (metrics on
# 127.0.0.1:9464), and a live console view of what it finds. Ctrl+C stops it cleanly.
# Options are passed through, e.g. scripts/demo.sh --rate 5000 --duration 60 (see docs/demo.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build first, with its messages on stderr, so standard output carries only the demo's own output.
dotnet build src/FraudStream.Cli -c Release --nologo -v q >&2
exec dotnet run -c Release --no-build --project src/FraudStream.Cli -- demo "$@"
