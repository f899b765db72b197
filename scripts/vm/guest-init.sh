#!/bin/bash
# docknet test VM, stage two: PID 1 of the guest (installed as /sbin/docknet-init by build.sh; the
# initramfs switches to it). No systemd: it mounts what Docker needs, loads the kernel modules the
# tests are about, starts dockerd (which runs its own containerd), builds the test image, runs what
# run.sh asked for and powers off. Whatever happens, it writes an exit code and powers off, so that
# run.sh never waits for a guest that has nothing more to say.
#
# run.sh's request comes through the writable 9p share "results" as request.sh (bash, sourced):
#   PROJECT=/work/main           where the read-only 9p share "docknet" is mounted (the host's path)
#   TESTS=(dist/test/vm/x.vm.js) compiled jest files, or *.sh files run with bash (a debugging aid)
# Written back to the same share: exit-code, jest.json, timings, dockerd.log.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb

say() { echo "docknet-vm: $*"; }
# Milestones in host-comparable time: the guest's clock starts from the host's (qemu's RTC).
mark() { echo "$1 $(date +%s.%N)" >>/run/timings; say "$1 (guest uptime $(cut -d' ' -f1 /proc/uptime)s)"; }

finish() {
  local code=$1
  mark finished
  if mountpoint -q /results; then
    echo "$code" >/results/exit-code.tmp && mv /results/exit-code.tmp /results/exit-code
    cp /run/timings /results/timings 2>/dev/null
    cp /var/log/dockerd.log /results/dockerd.log 2>/dev/null
    sync
    umount /results
  fi
  say "exit code $code; powering off"
  sync
  busybox poweroff -f
  sleep 60 # poweroff -f does not return; if it ever did, PID 1 must not exit
}
fail() { say "error: $*"; finish 125; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# cgroup v2 only: Docker 20.10 and runc 1.1 drive it with the cgroupfs driver, no systemd needed.
mount -t cgroup2 cgroup2 /sys/fs/cgroup
boot_epoch=$(awk -v now="$(date +%s.%N)" '{ printf "%.3f", now - $1 }' /proc/uptime)
echo "kernel-started $boot_epoch" >/run/timings
mark init-started
hostname docknet-vm
ip link set lo up

modprobe 9pnet_virtio && modprobe 9p || fail "cannot load 9p"
mkdir -p /results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results || fail "cannot mount the results share"
[ -f /results/request.sh ] || fail "no request.sh in the results share"
PROJECT=/work/main
TESTS=()
# shellcheck disable=SC1091
source /results/request.sh
mkdir -p "$PROJECT"
# The project, read-only; loose caching is safe on a share nobody writes to during the run.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro docknet "$PROJECT" ||
  fail "cannot mount the project share at $PROJECT"
# run.sh's second disk holds node_modules: much faster to load than through 9p.
if [ -b /dev/vdb ]; then
  mount -t ext4 -o ro,noatime /dev/vdb "$PROJECT/node_modules" || fail "cannot mount the node_modules disk"
fi

# The link types under test, and the netfilter pieces iptables (nft backend) and Docker use.
modules=(8021q ipvlan dummy macvlan veth bridge br_netfilter vxlan overlay
  nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack nft_ct
  ip_tables iptable_filter iptable_nat x_tables xt_conntrack xt_MASQUERADE xt_addrtype xt_comment
  xt_mark xt_tcpudp xt_nat xt_multiport xt_state ipt_REJECT nf_reject_ipv4 ip6_tables ip6table_filter ip6table_nat)
failed=()
for m in "${modules[@]}"; do modprobe "$m" 2>/dev/null || failed+=("$m"); done
[ ${#failed[@]} -eq 0 ] || say "modules that did not load: ${failed[*]}"
mark modules-loaded

# dockerd starts and supervises its own containerd when no system containerd socket is given.
mkdir -p /var/log
dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 600); do
  docker version >/dev/null 2>&1 && break
  sleep 0.5
done
docker version >/dev/null 2>&1 || { tail -30 /var/log/dockerd.log; fail "dockerd did not answer within 300s"; }
mark dockerd-answering
say "$(docker version -f 'Docker {{.Server.Version}} (API {{.Server.APIVersion}}), kernel {{.Server.KernelVersion}}')"

# The test image, exactly as the host gets it: the project's own script.
cd "$PROJECT" || fail "cannot enter $PROJECT"
bash scripts/test-image.sh || fail "building docknet/busybox:latest failed"
mark image-ready

jest_files=()
code=0
for t in "${TESTS[@]}"; do
  case "$t" in
    *.sh)
      say "running $t"
      bash "$t" || code=$?
      ;;
    *) jest_files+=("$t") ;;
  esac
done
if [ ${#jest_files[@]} -gt 0 ]; then
  mark tests-started
  # The VM's own jest config: *.vm.js only, no transform (the files are compiled already).
  node node_modules/jest/bin/jest.js --config scripts/vm/jest.config.json --ci --verbose \
    --json --outputFile=/results/jest.json --runTestsByPath "${jest_files[@]}" || code=$?
  mark tests-finished
fi
finish "$code"
