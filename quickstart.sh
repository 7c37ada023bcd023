#!/usr/bin/env bash
# Builds the Strata distribution (without running the tests), starts a node A on a new work directory with the
# default configuration (local disk, remote storage in the directory remote/ inside it), and drives it through
# the client: a tenant, a timeline, writes, a branch, writes on both branches, reads of both at several LSNs.
# Then shows tiering: stops A cleanly (it finishes its uploads), starts a node B on a second, empty work
# directory whose remote storage is A's bucket, attaches the tenant there under generation 2 and reads the same
# pages (B downloads layers as reads need them). Stops B at the end.
set -euo pipefail
cd "$(dirname "$0")"

./mvnw -B -q package -DskipTests 2>&1 | grep -v '^WARNING' || true
strata=distribution/target/strata/bin/strata
[ -x "$strata" ] || { echo "build failed: $strata is missing" >&2; exit 1; }

workdir=$(mktemp -d "${TMPDIR:-/tmp}/strata-node.XXXXXX")
step() { printf '\n$ strata %s\n' "$*"; "$strata" "$@"; }

node=
url=
trap 'if [ -n "$node" ]; then kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; fi' EXIT

# start_node DIR: runs a node on DIR in the background and waits for its address; sets node and url.
start_node() {
  "$strata" server --workdir "$1" > "$1/server.log" 2>&1 &
  node=$!
  for _ in $(seq 1 300); do
    [ -s "$1/metadata.json" ] && break
    kill -0 "$node" 2>/dev/null || { cat "$1/server.log" >&2; exit 1; }
    sleep 0.2
  done
  [ -s "$1/metadata.json" ] || { echo "the node wrote no $1/metadata.json within 60 s" >&2; cat "$1/server.log" >&2; exit 1; }
  url=$(sed -n 's/.*"http":"\([^"]*\)".*/\1/p' "$1/metadata.json")
  echo "node started: $(grep -m1 "listening on" "$1/server.log" | sed 's/, remote storage .*/)/')"
}

# stop_node: SIGTERM, as a service manager would; the node flushes what it holds in memory and finishes its
# uploads before it exits.
stop_node() {
  kill -TERM "$node"
  for _ in $(seq 1 600); do
    kill -0 "$node" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$node" 2>/dev/null; then
    echo "the node did not stop within 60 s after SIGTERM; killing it" >&2
    kill -KILL "$node"
    exit 1
  fi
  wait "$node" 2>/dev/null || true
  node=
}

step init --workdir "$workdir" --listen 127.0.0.1:0
start_node "$workdir"
echo "node A: [remote_storage] provider = \"localfs\", root = \"remote\" (the bucket is $workdir/remote)"

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

# reads FILE: the pages of both branches (and main at the branch point) from the node at $url, printed and
# appended to FILE.
reads() {
  local out=$1 args
  for args in "$main $users" "$main $orders" "$feature $users" "$feature $orders" "$main $users $branch_point"; do
    set -- $args
    printf '\n$ strata get --server %s --tenant %s --timeline %s --key %s%s\n' "$url" "$tenant" "$1" "$2" "${3:+ --lsn $3}"
    "$strata" get --server "$url" --tenant "$tenant" --timeline "$1" --key "$2" ${3:+--lsn "$3"} | tee -a "$out"
  done
}
reads "$workdir/pages-a.txt"
step timeline list --server "$url" --tenant "$tenant"

echo
echo "stopping node A (SIGTERM)"
stop_node
bucket="$workdir/remote"
echo "node A stopped; its bucket $bucket holds, for tenant $tenant:"
for timeline in "$main" "$feature"; do
  objects="$bucket/tenants/$tenant/timelines/$timeline"
  printf '  timeline %s: %s layer file(s), %s\n' "$timeline" "$(find "$objects" -name '*__*' | wc -l | tr -d ' ')" \
    "$(cd "$objects" && ls -d index_part.json-* | sed 's/%$//' | paste -sd ' ' -)"
done

workdir_b=$(mktemp -d "${TMPDIR:-/tmp}/strata-node.XXXXXX")
step init --workdir "$workdir_b" --listen 127.0.0.1:0
# Node B's remote storage is node A's bucket (an absolute path; a relative root is inside the work directory).
sed -e "s|^root = \"remote\"$|root = \"$bucket\"|" -e 's/^node_id = 1$/node_id = 2/' "$workdir_b/strata.toml" \
  > "$workdir_b/strata.toml.new"
mv "$workdir_b/strata.toml.new" "$workdir_b/strata.toml"
grep -qx "root = \"$bucket\"" "$workdir_b/strata.toml" || { echo "could not set root in $workdir_b/strata.toml" >&2; exit 1; }
echo "node B: [remote_storage] root = \"$bucket\""
start_node "$workdir_b"
step tenant attach --server "$url" --tenant "$tenant" --generation 2
layers_b() { find "$workdir_b/tenants" -name '*__*' ! -name '*.___temp' 2>/dev/null | wc -l | tr -d ' '; }
echo "node B holds $(layers_b) layer file(s) locally before reading"
reads "$workdir_b/pages-b.txt"
echo
echo "node B holds $(layers_b) layer file(s) locally after reading (downloaded on demand)"
if cmp -s "$workdir/pages-a.txt" "$workdir_b/pages-b.txt"; then
  echo "node B served the same pages as node A"
else
  echo "node B served different pages from node A:" >&2
  diff "$workdir/pages-a.txt" "$workdir_b/pages-b.txt" >&2 || true
  exit 1
fi

stop_node
trap - EXIT
echo
echo "nodes stopped; work directories: A $workdir, B $workdir_b (server logs: server.log in each)"
