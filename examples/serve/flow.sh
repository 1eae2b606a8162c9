#!/usr/bin/env bash
# The README's flow through a server, end to end, on a fresh lab workspace:
#   examples/serve/flow.sh [PORT]        (from the repository root; default port 18080)
# Starts "rotguard serve" on 127.0.0.1:PORT over a new embedded workspace in a temporary
# folder, adds an admin, a steward and two teams, runs every step in client mode with each
# person's own token, then stops the server. Nothing is left behind but the printed output.
set -euo pipefail
PORT=${1:-18080}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
RG="node $REPO/bin/rotguard.js"
LAB=$(mktemp -d "${TMPDIR:-/tmp}/rotguard-lab-XXXXXX")
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$LAB"' EXIT
unset ROTGUARD_URL ROTGUARD_TOKEN ROTGUARD_TEAM

token() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))'; }

# On the lab's machine: the workspace, the first admin, the server.
$RG init "$LAB" >/dev/null
ROOT=$($RG users add root --team '*' --role admin --json --workspace "$LAB" | token)
$RG serve --port "$PORT" --workspace "$LAB" --log-level warn &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# From here on, client mode: every command is an API call as the token's identity.
export ROTGUARD_URL="http://127.0.0.1:$PORT"
as() { local who=$1; shift; ROTGUARD_TOKEN=${!who} $RG "$@"; }
STEW=$(as ROOT users add stew --team '*' --role steward --json | token)
ANA=$(as ROOT users add ana --team chem-a --role scientist --json | token)
MAX=$(as ROOT users add max --team chem-a --role modeler --json | token)
ADA=$(as ROOT users add ada --team chem-a --role approver --json | token)
BEA=$(as ROOT users add bea --team chem-b --role scientist --json | token)

cd "$REPO"
as STEW endpoints add solubility --unit M --transform log10 --min 1e-12 --max 10
as STEW protocols add kinetic --endpoint solubility --unit uM --site s1 --param pH=7.4
as STEW gate set solubility --min-test-size 10 --require-split any --max-mae 1.5
as ANA ingest examples/solubility-sample.csv --mapping examples/serve/mapping.yaml
as MAX datasets create --endpoint solubility
as MAX build examples/serve/recipe.yaml
as MAX promote sol-rf@1 --to champion --reason "reviewed" && exit 1 || echo "(refused, as it must be)"
as ADA promote sol-rf@1 --to champion --reason "validation reviewed"
as ANA predict --model sol-rf@champion examples/serve/query.csv --out "$LAB/predictions.csv"
as ANA trace "$(sed -n 2p "$LAB/predictions.csv" | cut -d, -f1)" | head -4
as BEA models show sol-rf && exit 1 || echo "(hidden from chem-b, as it must be)"
as ROOT teams grant chem-a --to chem-b
as BEA models show sol-rf | head -2
as MAX monitor run --model sol-rf
as MAX policy apply --policy examples/serve/policy.yaml
as ANA audit --out "$LAB" | tail -3
echo "flow complete"
