#!/usr/bin/env bash
# What an idle fleet member holds, by store (heaptrack's live heap, not RSS): kdeck on one
# synthetic cluster (the dashboard alone), then on two (the dashboard's cluster and one idle
# member); the member's cost is the difference. kdeck is killed once every row is live and has
# settled, so heaptrack's "leaked" is the heap live at that moment.
#
# Usage: bash benches/heap_profile.sh [pods per cluster, default 10000]
# Needs heaptrack (apt-get install heaptrack), tmux and python3. Builds kdeck with the system
# allocator (feature `system-alloc`): heaptrack hooks malloc, which mimalloc bypasses.
set -euo pipefail
cd "$(dirname "$0")/.."
pods="${1:-10000}"
for tool in heaptrack heaptrack_print tmux python3; do
  command -v "$tool" >/dev/null || { echo "heap_profile: $tool not found (apt-get install heaptrack tmux python3)" >&2; exit 1; }
done
dir="$(mktemp -d /tmp/kdeck-heap.XXXXXX)"
cargo build --quiet --features system-alloc --bin kdeck
cp target/debug/kdeck "$dir/kdeck"
socket="kdeck-heap-$$"
sims=()
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  for pid in "${sims[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# The e2e bench's shape of a 10k-pod cluster: a node per 10 pods, a namespace per 50.
topology="synthetic:pods=$pods,nodes=$(( (pods + 9) / 10 )),zones=3,namespaces=$(( (pods + 49) / 50 )),churn=0"
for i in 1 2; do
  "$dir/kdeck" sim --topology "$topology" --latency 0ms --seed "$i" --cluster-name "heap-c$i" \
    --log-file "$dir/sim$i.log" --write-kubeconfig "$dir/kc$i" >"$dir/sim$i.out" 2>&1 &
  sims+=("$!")
done
deadline=$((SECONDS + 120))
until [ -s "$dir/kc1" ] && [ -s "$dir/kc2" ]; do
  [ $SECONDS -lt $deadline ] || { echo "heap_profile: the sims did not write their kubeconfigs" >&2; exit 1; }
  sleep 0.5
done

# run TAG CONTEXTS ROWS: kdeck under heaptrack until ROWS lines of the screen say live, then
# 30 s more, then SIGKILL.
run() {
  local tag="$1" contexts="$2" rows="$3"
  tmux -L "$socket" new-session -d -s "$tag" -x 200 -y 50 \
    "env XDG_CONFIG_HOME=$dir/cfg XDG_STATE_HOME=$dir/state KUBECONFIG=$dir/kc1:$dir/kc2 \
     heaptrack -o $dir/$tag $dir/kdeck --context $contexts --log-file $dir/$tag.log; sleep 3600"
  local deadline=$((SECONDS + 300))
  until [ "$(tmux -L "$socket" capture-pane -p -t "$tag" | grep -cE 'api: live|heap-c[0-9] +live')" -ge "$rows" ]; do
    [ $SECONDS -lt $deadline ] || { echo "heap_profile: $tag not live after 300 s" >&2; exit 1; }
    sleep 1
  done
  sleep 30
  pkill -KILL -f "^$dir/kdeck --context $contexts " || true
  # heaptrack finishes writing its file once the process is gone
  deadline=$((SECONDS + 120))
  while pgrep -f "heaptrack.*-o $dir/$tag " >/dev/null; do
    [ $SECONDS -lt $deadline ] || break
    sleep 1
  done
  tmux -L "$socket" kill-session -t "$tag"
  heaptrack_print -f "$dir/$tag.zst" --print-peaks 0 --print-allocators 0 --print-temporary 0 \
    -F "$dir/$tag.stacks" --flamegraph-cost-type leaked >/dev/null 2>&1
}
# The dashboard's header says `api: live`; with two contexts, so does each fleet row.
run dashboard heap-c1 1
run fleet heap-c1,heap-c2 3

python3 - "$dir/dashboard.stacks" "$dir/fleet.stacks" "$pods" <<'EOF'
import collections, re, sys

def holders(path):
    """Live bytes by holder: each kind's reflector store, the pod index, HTTP connections, the
    rest. A store is its `apply_watcher_event` instance (one per kind, told apart by the symbol's
    hash), named by the type that instance clones into the store."""
    stacks = []
    for line in open(path):
        stack, _, n = line.rstrip("\n").rpartition(" ")
        stacks.append((stack, stack.split(";"), int(n)))
    kinds = {}
    for stack, frames, _ in stacks:
        at = [i for i, f in enumerate(frames) if "apply_watcher_event" in f]
        if at:
            h = re.search(r"::h(\w{6})", frames[at[0]]).group(1)
            cloned = re.findall(r"(\w+)\$u20\$as\$u20\$core\.\.clone", ";".join(frames[at[0]:]))
            if cloned:
                kinds.setdefault(h, cloned[0])
    out = collections.Counter()
    for stack, frames, n in stacks:
        at = [i for i, f in enumerate(frames) if "apply_watcher_event" in f]
        if at:
            h = re.search(r"::h(\w{6})", frames[at[0]]).group(1)
            key = "store " + kinds.get(h, h)
        elif "PodIndex" in stack:
            key = "pod index"
        elif "hyper" in stack:
            key = "HTTP connections (hyper)"
        else:
            key = "other"
        out[key] += n
    return out

dash, fleet, pods = holders(sys.argv[1]), holders(sys.argv[2]), sys.argv[3]
rows = sorted(set(dash) | set(fleet), key=lambda k: -(fleet[k] - dash[k]))
print(f"live heap (heaptrack), clusters of {pods} pods: dashboard alone vs fleet of 2 (one idle member)")
print(f"{'holder':<34}{'dashboard MB':>14}{'fleet MB':>10}{'member MB':>11}")
for k in rows:
    print(f"{k:<34}{dash[k]/1e6:>14.2f}{fleet[k]/1e6:>10.2f}{(fleet[k]-dash[k])/1e6:>11.2f}")
total = lambda c: sum(c.values())
print(f"{'total':<34}{total(dash)/1e6:>14.2f}{total(fleet)/1e6:>10.2f}{(total(fleet)-total(dash))/1e6:>11.2f}")
EOF
echo "heaptrack files: $dir/dashboard.zst, $dir/fleet.zst (heaptrack_print -f FILE --print-leaks)"
