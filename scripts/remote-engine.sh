#!/usr/bin/env bash
# Docker engines that stand for other machines, for docknet's remote, fleet and swarm tests: each is a
# dockerd in a network namespace of its own (its own firewall, bridges and loopback), joined to the
# calling namespace or to another engine's by veth links, optionally with an sshd on its link address —
# so that `ssh://root@<address>` reaches "another host" whose iptables are not this machine's.
# The recipe is scripts/engine-d28.sh's (see /work/shared/notes/engines.md).
#
#   remote-engine.sh netns NAME                          create network namespace NAME (lo up)
#   remote-engine.sh link A:IF:ADDR/PFX B:IF:ADDR/PFX    a veth pair between namespaces A and B ("-" is
#                                                        the calling one), each end named IF with ADDR
#                                                        (none when ADDR is empty)
#   remote-engine.sh switch SW NAME:IF:ADDR/PFX…         namespace SW holding a bridge (a switch) and, for
#                                                        each NAME, a veth from it to the bridge: the
#                                                        end in NAME is IF with ADDR (a LAN of engines)
#   remote-engine.sh dockerd NAME [--tcp ADDR] [--engine 20|28]
#                                                        dockerd in NAME on unix:///run/NAME/docker.sock
#                                                        (and tcp://ADDR:2375, plain HTTP, with --tcp);
#                                                        bookworm's 20.10 by default, sid's 28.5 from
#                                                        engine-d28.sh's cache with --engine 28 (fill it
#                                                        with engine-d28.sh fetch); then the
#                                                        test image docknet/busybox:latest in it. Its host
#                                                        name is NAME (own UTS namespace), so /info names it
#   remote-engine.sh sshd NAME ADDR AUTHORIZED_KEYS      sshd in NAME listening on ADDR:22, root login with
#                                                        the keys of AUTHORIZED_KEYS only; its sessions get
#                                                        DOCKER_HOST of NAME's engine; prints the host key
#                                                        ("ssh-ed25519 AAAA…") for a known_hosts file
#   remote-engine.sh run NAME CMD [ARG…]                 CMD inside NAME with DOCKER_HOST set
#   remote-engine.sh down NAME                           stop sshd and dockerd (leaving any swarm), remove
#                                                        the namespace with its links, the data root, the
#                                                        run folder and the cgroups
#
# NAME must start with dnremote or dnswarm (the tests' own prefixes). Every command is idempotent.
# Needs: iproute2, docker.io (dockerd, containerd, runc), openssh-server (sshd; scripts/ensure-engine.sh
# installs it). Environment: ENGINE_WAIT (seconds for dockerd to answer, default 90).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
# shellcheck source=netns-daemon.sh
. "$here/netns-daemon.sh"
d28_prefix=${DOCKNET_CACHE:-/var/cache/docknet}/engine-d28/28.5.2

die() { echo "remote-engine.sh: $*" >&2; exit 1; }

check_name() {
  [[ $1 =~ ^(dnremote|dnswarm)[a-z0-9-]{0,12}$ ]] || die "engine name \"$1\" must start with dnremote or dnswarm (letters, digits, -)"
}

run_dir() { echo "/run/$1"; }
data_root() { echo "/var/lib/$1"; }
sock() { echo "unix://$(run_dir "$1")/docker.sock"; }
log_file() { echo "/var/log/docknet-$1.log"; }

engine_path() {
  local engine=$1
  if [ "$engine" = 28 ]; then
    echo "$d28_prefix/usr/sbin:$d28_prefix/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  else
    echo "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  fi
}

answers() { DOCKER_HOST=$(sock "$1") docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

cmd_netns() {
  local name=$1
  check_name "$name"
  [ -e "/run/netns/$name" ] && return 0
  ip netns add "$name"
  ip netns exec "$name" ip link set lo up
  # From 0, dockerd turns forwarding on itself and sets FORWARD's policy to DROP, as on a fresh host.
  ip netns exec "$name" sysctl -qw net.ipv4.ip_forward=0
}

# Runs a command in namespace $1, or here for "-".
in_ns() {
  local ns=$1
  shift
  if [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

cmd_link() {
  local a=$1 b=$2 ns_a if_a addr_a ns_b if_b addr_b tmp
  IFS=: read -r ns_a if_a addr_a <<<"$a"
  IFS=: read -r ns_b if_b addr_b <<<"$b"
  for ns in "$ns_a" "$ns_b"; do [ "$ns" = - ] || check_name "$ns"; done
  # Already there (idempotent): the A end exists in its namespace.
  if in_ns "$ns_a" ip link show "$if_a" >/dev/null 2>&1; then return 0; fi
  # Made here under a temporary name, then each end moved and renamed (two ends may share a name).
  tmp=dnv$$
  ip link add "${tmp}a" type veth peer name "${tmp}b"
  for end in a b; do
    local ns=$ns_a ifname=$if_a addr=$addr_a
    [ $end = b ] && ns=$ns_b ifname=$if_b addr=$addr_b
    [ "$ns" = - ] || ip link set "${tmp}$end" netns "$ns"
    in_ns "$ns" ip link set "${tmp}$end" name "$ifname"
    [ -z "$addr" ] || in_ns "$ns" ip addr add "$addr" dev "$ifname"
    in_ns "$ns" ip link set "$ifname" up
  done
}

cmd_switch() {
  local sw=$1 member ns ifname addr port=0
  check_name "$sw"
  shift
  cmd_netns "$sw"
  ip netns exec "$sw" ip link show sw0 >/dev/null 2>&1 || {
    ip netns exec "$sw" ip link add sw0 type bridge
    ip netns exec "$sw" ip link set sw0 up
  }
  for member in "$@"; do
    IFS=: read -r ns ifname addr <<<"$member"
    check_name "$ns"
    port=$((port + 1))
    ip netns exec "$ns" ip link show "$ifname" >/dev/null 2>&1 && continue
    # The switch end is named after the member's position: names of up to 15 bytes, never two alike.
    cmd_link "$ns:$ifname:$addr" "$sw:p$port:"
    ip netns exec "$sw" ip link set "p$port" master sw0
  done
}

cmd_dockerd() {
  local name=$1 tcp='' engine=20
  check_name "$name"
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --tcp) tcp=$2; shift 2 ;;
      --engine) engine=$2; shift 2 ;;
      *) die "dockerd: unknown option $1" ;;
    esac
  done
  [ "$engine" = 20 ] || [ -x "$d28_prefix/usr/sbin/dockerd" ] || die "the 28.5 engine is not in the cache: run scripts/engine-d28.sh fetch first"
  [ -e "/run/netns/$name" ] || die "no namespace $name: run $0 netns $name first"
  local dir
  dir=$(run_dir "$name")
  mkdir -p "$dir"
  exec 8>"$dir/dockerd.lock"
  flock 8
  if ! answers "$name"; then
    if ! pid_from "$dir/docker.pid" >/dev/null; then
      awk '$2 == "/sys/fs/cgroup" || $2 ~ "^/sys/fs/cgroup/"' /proc/self/mounts >"$dir/cgroup.mounts"
      echo '{}' >"$dir/daemon.json"
      echo "=== $(date -Is) remote-engine.sh: starting dockerd ($engine) in netns $name${tcp:+, tcp://$tcp:2375}" >>"$(log_file "$name")"
      # 8>&-: the daemon must not hold this script's lock.
      setsid nohup ip netns exec "$name" unshare --uts bash "$self" _daemon "$name" "$engine" "$tcp" >>"$(log_file "$name")" 2>&1 </dev/null 8>&- &
    fi
    local waited=0 limit=${ENGINE_WAIT:-90}
    until answers "$name"; do
      if [ "$waited" -ge "$limit" ]; then
        echo "remote-engine.sh: dockerd in $name did not answer within ${limit}s; end of $(log_file "$name"):" >&2
        tail -n 30 "$(log_file "$name")" >&2
        exit 1
      fi
      sleep 1
      waited=$((waited + 1))
    done
  fi
  DOCKER_HOST=$(sock "$name") bash "$here/test-image.sh"
  echo "remote-engine.sh: Docker $(DOCKER_HOST=$(sock "$name") docker version --format '{{.Server.Version}}') answers in namespace $name on $(sock "$name")${tcp:+ and tcp://$tcp:2375}" >&2
}

# Inside `ip netns exec` (a fresh /sys without the cgroup mounts): mount them as the host has them,
# then become dockerd.
cmd_daemon() {
  local name=$1 engine=$2 tcp=$3 dir
  dir=$(run_dir "$name")
  hostname "$name"
  mount_cgroups "$dir/cgroup.mounts"
  local hosts=(--host "$(sock "$name")")
  [ -n "$tcp" ] && hosts+=(--host "tcp://$tcp:2375" --tls=false)
  exec env PATH="$(engine_path "$engine")" dockerd "${hosts[@]}" \
    --data-root "$(data_root "$name")" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" \
    --cgroup-parent "/$name" \
    --config-file "$dir/daemon.json"
}

cmd_sshd() {
  local name=$1 addr=$2 keys=$3 dir
  check_name "$name"
  [ -x /usr/sbin/sshd ] || die "sshd is not installed (Debian: apt-get install openssh-server; scripts/ensure-engine.sh does it)"
  [ -f "$keys" ] || die "no authorized keys file $keys"
  dir=$(run_dir "$name")/ssh
  mkdir -p "$dir" /run/sshd
  chmod 0755 /run/sshd
  [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/host_ed25519"
  cp "$keys" "$dir/authorized_keys"
  chmod 0600 "$dir/authorized_keys"
  cat >"$dir/sshd_config" <<EOF
# docknet test sshd for engine $name: root with the test's key only, on the test link.
ListenAddress $addr
Port 22
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 100
MaxSessions 100
PrintMotd no
SetEnv DOCKER_HOST=$(sock "$name")
EOF
  if ! pid_from "$dir/sshd.pid" >/dev/null; then
    /usr/sbin/sshd -t -f "$dir/sshd_config"
    # sshd detaches itself; its sessions live in namespace $name.
    ip netns exec "$name" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
    local waited=0
    until pid_from "$dir/sshd.pid" >/dev/null; do
      [ "$waited" -ge 20 ] && die "sshd in $name did not start; see $dir/sshd.log"
      sleep 0.5
      waited=$((waited + 1))
    done
  fi
  cut -d' ' -f1,2 "$dir/host_ed25519.pub"
}

cmd_run() {
  local name=$1
  check_name "$name"
  shift
  exec ip netns exec "$name" env DOCKER_HOST="$(sock "$name")" "$@"
}

cmd_down() {
  local name=$1 dir pid
  check_name "$name"
  dir=$(run_dir "$name")
  if pid=$(pid_from "$dir/ssh/sshd.pid"); then stop_pid "$pid" "remote-engine.sh: sshd of $name"; fi
  # Its own sessions (sshd children) go too: they hold the namespace.
  if [ -e "/run/netns/$name" ]; then
    for pid in $(ip netns pids "$name" 2>/dev/null); do
      case $(cat "/proc/$pid/comm" 2>/dev/null) in sshd) kill -TERM "$pid" 2>/dev/null || true ;; esac
    done
  fi
  if answers "$name"; then
    local state
    state=$(DOCKER_HOST=$(sock "$name") docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || true)
    if [ "$state" != inactive ] && [ -n "$state" ]; then DOCKER_HOST=$(sock "$name") docker swarm leave --force >/dev/null 2>&1 || true; fi
    local ids
    ids=$(DOCKER_HOST=$(sock "$name") docker ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || DOCKER_HOST=$(sock "$name") docker rm -f $ids >/dev/null 2>&1 || true
  fi
  if pid=$(pid_from "$dir/docker.pid"); then stop_pid "$pid" "remote-engine.sh: dockerd of $name"; fi
  # Whatever is left in the namespace (a containerd that outlived its dockerd, shims) goes with it.
  if [ -e "/run/netns/$name" ]; then
    for pid in $(ip netns pids "$name" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.5
    ip netns del "$name"
  fi
  if grep -q " $(data_root "$name")[/ ]" /proc/self/mounts || grep -q " $dir[/ ]" /proc/self/mounts; then
    echo "remote-engine.sh: mounts under $(data_root "$name") or $dir remain; leaving the folders" >&2
  else
    rm -rf --one-file-system "$(data_root "$name")" "$dir"
  fi
  for cg in /sys/fs/cgroup/*/"$name"; do [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null; done
  rm -f "$(log_file "$name")"
  return 0
}

case ${1:-} in
  netns) shift; cmd_netns "$@" ;;
  link) shift; cmd_link "$@" ;;
  switch) shift; cmd_switch "$@" ;;
  dockerd) shift; cmd_dockerd "$@" ;;
  sshd) shift; cmd_sshd "$@" ;;
  run) shift; cmd_run "$@" ;;
  down) shift; cmd_down "$@" ;;
  _daemon) shift; cmd_daemon "$@" ;;
  *) echo "usage: $0 netns NAME | link A:IF:ADDR B:IF:ADDR | switch SW NAME:IF:ADDR… | dockerd NAME [--tcp ADDR] [--engine 20|28] | sshd NAME ADDR KEYS | run NAME CMD… | down NAME" >&2; exit 2 ;;
esac
