#!/usr/bin/env bash
# Builds the Strata distribution (without running the tests) and runs the demo job in a new work directory.
set -euo pipefail
cd "$(dirname "$0")"

./mvnw -B -q package -DskipTests

workdir=$(mktemp -d "${TMPDIR:-/tmp}/strata-demo.XXXXXX")
echo "Strata work directory: $workdir"
status=0
distribution/target/strata/bin/strata local demo --workdir "$workdir" || status=$?
echo "Strata work directory: $workdir (exit code $status)"
exit "$status"
