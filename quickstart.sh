#!/usr/bin/env bash
# Builds the Strata distribution (without running the tests), starts a node on a new work directory with the
# default configuration (local disk), and drives it through the client: a tenant, a timeline, writes, a branch,
# writes on both branches, reads of both at several LSNs. Stops the node at the end.
set -euo pipefail
cd "$(dirname "$0")"

./mvnw -B -q package -DskipTests 2>&1 | grep -v '^WARNING' || true
strata=distribution/target/strata/bin/strata
[ -x "$strata" ] || { echo "build failed: $strata is missing" >&2; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/strata-node.XXXXXX")
step() { printf '\n$ strata %s\n' "$*"; "$strata" "$@"; }

step init --workdir "$workdir" --listen 127.0.0.1:0
"$strata" server --workdir "$workdir" > "$workdir/server.log" 2>&1 &
node=$!
trap 'kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  [ -s "$workdir/metadata.json" ] && break
  kill -0 "$node" 2>/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
  sleep 0.2
done
url=$(sed -n 's/.*"http":"\([^"]*\)".*/\1/p' "$workdir/metadata.json")
echo "node started: $(grep -m1 "listening on" "$workdir/server.log")"

id() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
tenant=$(id)
main=$(id)
feature=$(id)
users=rel:1663/5/16384/0/0
orders=rel:1663/5/16385/0/0

step tenant create --server "$url" --tenant "$tenant"
step timeline create --server "$url" --tenant "$tenant" --timeline "$main"
step put --server "$url" --tenant "$tenant" --timeline "$main" --key "$users" --text "users: alice"
step put --server "$url" --tenant "$tenant" --timeline "$main" --key "$orders" --text "orders: none"
branch_point=$("$strata" put --server "$url" --tenant "$tenant" --timeline "$main" --key "$users" --append ", bob" | sed 's/acked //')
echo "appended ', bob' to users on main at $branch_point"
step timeline branch --server "$url" --tenant "$tenant" --from "$main" --at "$branch_point" --timeline "$feature"
step put --server "$url" --tenant "$tenant" --timeline "$feature" --key "$orders" --text "orders: #1 carol"
step put --server "$url" --tenant "$tenant" --timeline "$main" --key "$users" --overwrite "7:ALICE"
step get --server "$url" --tenant "$tenant" --timeline "$main" --key "$users"
step get --server "$url" --tenant "$tenant" --timeline "$main" --key "$orders"
step get --server "$url" --tenant "$tenant" --timeline "$feature" --key "$users"
step get --server "$url" --tenant "$tenant" --timeline "$feature" --key "$orders"
step get --server "$url" --tenant "$tenant" --timeline "$main" --key "$users" --lsn "$branch_point"
step timeline list --server "$url" --tenant "$tenant"

kill "$node"
wait "$node" || true
trap - EXIT
echo
echo "node stopped; work directory: $workdir (server log: $workdir/server.log)"
