# Sourced by engine-d28.sh and remote-engine.sh: what a daemon run in a network namespace of its own
# needs from both — its pid from a pid file, a bounded stop, and the cgroup mounts `ip netns exec` hides.

# The pid in FILE when that process is alive; fails otherwise.
pid_from() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# SIGTERM, then up to 60 s for the process to end (dockerd gives containers 15 s, then stops its
# containerd), then SIGKILL. WHAT names it in the message.
stop_pid() {
  local pid=$1 what=$2 waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 60 ]; then
      echo "$what (pid $pid) still running after 60s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Inside `ip netns exec` (a fresh /sys without the cgroup mounts): mounts the hierarchies listed in
# FILE (lines of /proc/self/mounts recorded outside) exactly as the host has them.
mount_cgroups() {
  local src mp fstype opts _
  while read -r src mp fstype opts _; do
    mkdir -p "$mp"
    mount -t "$fstype" -o "$opts" "$src" "$mp"
  done <"$1"
}
