#!/usr/bin/env bash
# Runs compiled jest test files inside docknet's test VM (Debian bookworm's kernel, which has 802.1Q
# VLAN sub-interfaces and ipvlan; see build.sh), against a Docker 20.10 engine that lives only in the
# guest: nothing here touches the host's engine, firewall or links.
#
# Usage: npm run test:vm      (npm run build && bash scripts/vm/run.sh dist/test/vm/*.vm.js)
#        bash scripts/vm/run.sh dist/test/vm/host-shim.vm.js      one file, after npm run build
#   Test files are paths inside the project (relative to its root, or absolute under it). A *.sh file
#   is run with bash in the guest instead (from the project root, after dockerd answers): a debugging aid.
#   Exit code: the tests' (jest's) exit code; 124 when the guest was killed after the timeout; 125
#   when the guest failed before it could run the tests. The last line sums the tests up:
#   "vm (Debian 6.1 kernel): N passed, N failed, N skipped (Ns)".
# Environment:
#   DOCKNET_VM_TIMEOUT  seconds before a hung guest is killed (default 1800; the tests take about 600)
#   DOCKNET_VM_MEMORY   guest memory in MiB (default 3072)
#   DOCKNET_VM_RESULTS  folder for the results (default: a new folder under /tmp); it receives
#                       console.log (the guest's serial console), jest.json, exit-code, timings, dockerd.log
#   DOCKNET_VM_QUIET=1  do not stream the console to the terminal (it still goes to console.log)
#   DOCKNET_CACHE       where build.sh keeps the image (default /var/cache/docknet)
#   DOCKNET_VM_CPU      qemu's -cpu model (default max: every feature TCG emulates)
#
# The guest boots under software emulation (qemu -accel tcg: nested KVM does not work on these
# machines), so it is several times slower than the host: the VM's jest config gives tests 10 minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
timeout_s=${DOCKNET_VM_TIMEOUT:-1800}
memory=${DOCKNET_VM_MEMORY:-3072}

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 125; }
[ $# -gt 0 ] || die "usage: run.sh TESTFILE… (compiled jest files, e.g. dist/test/vm/segments.vm.js)"

# Test files as paths relative to the project, checked on the host before anything boots.
tests=()
for f in "$@"; do
  case "$f" in /*) abs=$f ;; *) abs=$PWD/$f ;; esac
  abs=$(readlink -f "$abs" 2>/dev/null || true)
  [ -n "$abs" ] && [ -f "$abs" ] || die "$f: no such file (run npm run build first for dist/ files)"
  case "$abs" in "$project"/*) ;; *) die "$f is not inside the project $project (only the project is shared)" ;; esac
  rel=${abs#"$project"/}
  # A compiled test older than its source means the build is stale.
  case "$rel" in dist/*.js)
    src=${rel#dist/}
    src=$project/${src%.js}.ts
    [ ! -f "$src" ] || [ ! "$src" -nt "$abs" ] || log "warning: $rel is older than ${src#"$project"/}: run npm run build"
    ;;
  esac
  tests+=("$rel")
done

image=$(bash "$here/build.sh") || die "build.sh failed"
image=${image##*$'\n'}
[ -f "$image/manifest.txt" ] || die "build.sh did not produce an image"

# node_modules as a read-only disk image, mounted over the 9p share's node_modules in the guest:
# through 9p, every node start that loads the CLI's ~400 files costs 10–20 s more under emulation.
# Cached beside the VM image, keyed by npm's own record of what is installed.
[ -f "$project/node_modules/.package-lock.json" ] || die "no node_modules in $project: run npm ci && npm run build"
deps_dir=$(dirname "$image")/node_modules
deps_hash=$(cat "$project/node_modules/.package-lock.json" "$project/package-lock.json" | sha256sum | cut -c1-16)
deps=$deps_dir/$deps_hash.ext4
if [ ! -f "$deps" ]; then
  mkdir -p "$deps_dir"
  (
    flock 9
    if [ ! -f "$deps" ]; then
      log "node_modules disk $deps"
      size=$(( $(du -sm "$project/node_modules" | cut -f1) * 5 / 4 + 64 ))
      mkfs.ext4 -q -F -L node_modules -O ^has_journal -d "$project/node_modules" "$deps.tmp" "${size}M"
      mv "$deps.tmp" "$deps"
      # Older snapshots of node_modules are of no further use.
      find "$deps_dir" -name '*.ext4' ! -path "$deps" -mmin +60 -delete
    fi
  ) 9>"$deps_dir/.lock"
fi

results=${DOCKNET_VM_RESULTS:-$(mktemp -d /tmp/docknet-vm.XXXXXX)}
mkdir -p "$results"
rm -f "$results"/{exit-code,jest.json,timings,dockerd.log,console.log,request.sh}
{
  printf 'PROJECT=%q\n' "$project"
  printf 'TESTS=('
  printf '%q ' "${tests[@]}"
  printf ')\n'
} >"$results/request.sh"
console=$results/console.log
: >"$console"

log "image $image"
log "results and console log in $results (timeout ${timeout_s}s)"
qemu_start=$(date +%s.%N)
# -snapshot: the cached disk is only read; the guest's writes go to a temporary file qemu deletes.
# The console goes to a file (no terminal raw mode, nothing lost when the terminal goes away).
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
  -accel tcg -machine q35 -cpu "${DOCKNET_VM_CPU:-max}" -smp 2 -m "$memory" \
  -nodefaults -no-user-config -display none -no-reboot \
  -chardev file,id=con,path="$console" -serial chardev:con \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "console=ttyS0 root=/dev/vda rw quiet apparmor=0 panic=-1" \
  -drive file="$image/root.ext4",if=virtio,format=raw,snapshot=on \
  -drive file="$deps",if=virtio,format=raw,readonly=on \
  -virtfs local,path="$project",mount_tag=docknet,security_model=none,readonly=on \
  -virtfs local,path="$results",mount_tag=results,security_model=none \
  -device virtio-rng-pci -nic none </dev/null &
qemu=$!
if [ -z "${DOCKNET_VM_QUIET:-}" ]; then
  tail -n +1 -f --pid="$qemu" "$console" &
  tailer=$!
fi
status=0
wait "$qemu" || status=$?
qemu_end=$(date +%s.%N)
[ -z "${tailer:-}" ] || wait "$tailer" 2>/dev/null || true

if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  log "the guest did not power off within ${timeout_s}s: killed (DOCKNET_VM_TIMEOUT)"
  exit 124
fi
[ -f "$results/exit-code" ] || die "qemu exited ($status) without the guest writing an exit code; see $console"
code=$(cat "$results/exit-code")

# Timings from the guest's milestones (its clock starts from the host's).
if [ -f "$results/timings" ]; then
  awk -v q="$qemu_start" -v e="$qemu_end" '
    { t[$1] = $2 }
    END {
      if ("dockerd-answering" in t) printf "run.sh: boot: %.0fs from qemu start to dockerd answering\n", t["dockerd-answering"] - q
      if ("tests-started" in t && "tests-finished" in t) printf "run.sh: tests: %.0fs\n", t["tests-finished"] - t["tests-started"]
      printf "run.sh: total: %.0fs from qemu start to power off\n", e - q
    }' "$results/timings" >&2
fi
log "exit code $code (results: $results)"
if [ -f "$results/jest.json" ]; then
  # The kernel as the manifest names it (6.1.0-57-amd64 → 6.1).
  kernel=$(sed -n 's/^kernel \([0-9]*\.[0-9]*\).*/\1/p' "$image/manifest.txt")
  tests_s=$(awk '$1 == "tests-started" { a = $2 } $1 == "tests-finished" { b = $2 } END { if (a && b) printf "%.0f", b - a }' "$results/timings" 2>/dev/null)
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`vm (Debian ${process.argv[2]} kernel): ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped (${process.argv[3] || "?"}s)`);
  ' "$results/jest.json" "$kernel" "$tests_s"
fi
exit "$code"
