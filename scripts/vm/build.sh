#!/usr/bin/env bash
# Builds docknet's test VM: Debian bookworm's stock kernel (which has 802.1Q VLAN sub-interfaces,
# ipvlan and dummy links as modules, unlike the machines' own kernel) booting a bookworm root
# filesystem with Docker 20.10, iptables, iproute2, busybox and the host's Node 20.
#
# Usage: bash scripts/vm/build.sh          builds once, then reuses; prints the image's folder last
#        DOCKNET_VM_REBUILD=1 bash scripts/vm/build.sh   builds again even if the cache holds it
#
# The image lives OUTSIDE the repository, in ${DOCKNET_CACHE:-/var/cache/docknet}/vm/<recipe-hash>/:
#   vmlinuz      the kernel of linux-image-6.1.0-*-amd64 (apt-get download + dpkg-deb -x)
#   initrd.img   a tiny uncompressed initramfs: static busybox + the virtio/ext4 modules needed to
#                mount the root disk (Debian builds virtio_blk and ext4 as modules)
#   root.ext4    the root filesystem (debootstrap + packages + kernel modules + node), a sparse
#                ext4 image made with mkfs.ext4 -d; run.sh boots it with snapshot=on so it is never
#                written to
#   manifest.txt what went in (versions), and the recipe the hash was computed from
# Images of other recipes are removed when a build finds them unused for two weeks; removing the
# whole folder by hand is always safe (the next run builds again, in about a minute).
# The recipe hash covers this script, the guest's init (guest-init.sh), the kernel package chosen
# and the node binary copied in: change any of them and the next run builds a new image.
#
# Why an ext4 disk image rather than a 9p root or one big initramfs: under software emulation every
# 9p request is a round trip through qemu, and dockerd, containerd and node are large binaries read on
# every boot; a block device is read through the guest's own page cache. Docker's overlay2 storage
# also needs a real filesystem (it does not work on 9p, and on an initramfs root runc cannot
# pivot_root). The project itself is still shared over 9p by run.sh, read-only.
#
# Needs root (debootstrap, chroot). Installs debootstrap and qemu-system-x86 from Debian when missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${DOCKNET_CACHE:-/var/cache/docknet}/vm
suite=bookworm
# The guest's packages. docker.io brings containerd and runc; kmod gives modprobe; busybox-static is
# the test image's only binary (and poweroff for the init); procps helps when debugging a boot.
packages=(docker.io containerd runc iptables iproute2 busybox-static kmod procps)
# Kernel module trees nothing in the VM uses: left out to keep the image small.
prune_modules=(drivers/gpu drivers/media drivers/infiniband drivers/staging drivers/iio drivers/net/wireless
  drivers/bluetooth drivers/scsi drivers/usb drivers/hid drivers/input drivers/isdn drivers/mtd sound net/bluetooth net/wireless net/mac80211)

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"

# Host tools, from Debian.
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi

# The mirror the host itself uses (deb822 sources first, then a classic sources.list).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

# The stock kernel: whatever bookworm's linux-image-amd64 points at (linux-image-6.1.0-NN-amd64).
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -1; }
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ]; then apt-get update -qq; kpkg=$(kernel_pkg); fi
[ -n "$kpkg" ] || die "cannot find bookworm's linux-image-6.1.0-*-amd64 (apt-cache depends linux-image-amd64)"
kver_pkg=$(apt-cache policy "$kpkg" | sed -n 's/^ *Candidate: //p')
kver=${kpkg#linux-image-}

node_bin=$(command -v node || true)
[ -n "$node_bin" ] || die "no node on this host (the project needs Node 20)"
node_bin=$(readlink -f "$node_bin")
node_ver=$("$node_bin" --version)
case "$node_ver" in v20.*) ;; *) die "node is $node_ver; the project needs Node 20" ;; esac

# The recipe: what the image is made of. Its hash names the cache folder.
recipe=$(
  printf 'build.sh %s\n' "$(sha256sum <"$here/build.sh" | cut -d' ' -f1)"
  printf 'guest-init.sh %s\n' "$(sha256sum <"$here/guest-init.sh" | cut -d' ' -f1)"
  printf 'kernel %s %s\n' "$kpkg" "$kver_pkg"
  printf 'node %s %s %s\n' "$node_bin" "$node_ver" "$(stat -c %s "$node_bin")"
  printf 'suite %s\n' "$suite"
)
hash=$(printf '%s\n' "$recipe" | sha256sum | cut -c1-16)
out=$cache_root/$hash

mkdir -p "$cache_root"
# One build at a time; a second caller waits and then finds the image.
exec 9>"$cache_root/.lock"
flock 9
if [ -f "$out/manifest.txt" ] && [ -z "${DOCKNET_VM_REBUILD:-}" ]; then
  touch "$out/manifest.txt" # last use, for the pruning below
  log "cached: $out"
  echo "$out"
  exit 0
fi

start=$(date +%s)
work=$(mktemp -d "$cache_root/.build-$hash.XXXXXX")
root=$work/root
cleanup() {
  # Never leave a mount behind inside the chroot, whatever failed.
  for m in "$root/proc" "$root/dev/pts" "$root/dev"; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

log "recipe $hash → $out"
log "debootstrap $suite (minbase) from $mirror"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

# Packages: with the same suites as the host (updates, security), so the guest's docker.io is the
# host's. policy-rc.d forbids maintainer scripts to start services: dockerd must never start in the
# chroot, where it would touch the host's iptables.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
log "apt-get install ${packages[*]}"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C sh -c \
  "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages[*]}" >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; die "apt-get install failed"; }
umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"

log "kernel $kpkg $kver_pkg (apt-get download + dpkg-deb -x)"
mkdir -p "$work/kernel"
(cd "$work/kernel" && apt-get -qq -o APT::Sandbox::User=root download "$kpkg=$kver_pkg") >/dev/null
dpkg-deb -x "$work/kernel/${kpkg}_"*.deb "$work/kernel/x"
mods=$work/kernel/x/lib/modules/$kver
[ -d "$mods" ] || die "no modules in $kpkg"
for p in "${prune_modules[@]}"; do rm -rf "${mods:?}/kernel/$p"; done
# bookworm is merged-/usr: /lib is a link to usr/lib, so the modules go to usr/lib/modules.
mkdir -p "$root/usr/lib/modules"
cp -a "$mods" "$root/usr/lib/modules/"
chroot "$root" depmod -a "$kver"
for m in 8021q ipvlan dummy macvlan vxlan veth bridge br_netfilter overlay 9p 9pnet_virtio; do
  chroot "$root" modinfo -k "$kver" -F filename "$m" >/dev/null || die "module $m missing from $kpkg"
done

log "node $node_ver from $node_bin"
cp "$node_bin" "$root/usr/local/bin/node"
# The host's node must run on bookworm's libc/libstdc++: ask the guest's loader, then run it.
if chroot "$root" ldd /usr/local/bin/node | grep -q 'not found'; then
  chroot "$root" ldd /usr/local/bin/node >&2
  die "node's libraries are not all in the guest"
fi
[ "$(chroot "$root" /usr/local/bin/node --version)" = "$node_ver" ] || die "node does not run in the guest root"

# The guest: its init, its name, and the mount points run.sh's shares and results use.
install -m 0755 "$here/guest-init.sh" "$root/sbin/docknet-init"
echo docknet-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 docknet-vm\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
: >"$root/etc/resolv.conf" # the guest has no network beyond what the tests make
mkdir -p "$root/results" "$root/etc/docker"
chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/locale" "$root/var/log/"*.log "$root/var/cache/debconf/"*-old

# Stage one: an initramfs that loads virtio + ext4, mounts the disk and hands over to its init.
log "initramfs"
ird=$work/initrd
mkdir -p "$ird"/{bin,dev,proc,sys,newroot}
cp "$root/bin/busybox" "$ird/bin/busybox"
for a in sh mount umount insmod sleep switch_root poweroff cat echo; do ln -s busybox "$ird/bin/$a"; done
# modprobe resolves the dependency order (and softdeps such as ext4's crc32c) once, here.
chroot "$root" modprobe -a -S "$kver" --show-depends virtio_pci virtio_blk crc32c_generic ext4 |
  awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$ird/modules.list"
while read -r m; do mkdir -p "$ird$(dirname "$m")"; cp "$root$m" "$ird$m"; done <"$ird/modules.list"
cat >"$ird/init" <<'EOF'
#!/bin/sh
# docknet test VM, stage one: load the drivers of the root disk, mount it, switch to its init.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "$m" 2>/dev/null || echo "initramfs: insmod $m failed"; done </modules.list
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if ! mount -t ext4 -o rw,noatime /dev/vda /newroot; then
  echo "initramfs: cannot mount /dev/vda"; poweroff -f
fi
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /sbin/docknet-init
EOF
chmod +x "$ird/init"
(cd "$ird" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) >"$work/initrd.img"

log "root.ext4 (mkfs.ext4 -d)"
cp "$work/kernel/x/boot/vmlinuz-$kver" "$work/vmlinuz"
used=$(du -sm "$root" | cut -f1)
# Room for Docker's images and containers in the guest; the file is sparse, so unused room costs nothing.
size=$((used + 3072))
# No journal: the disk is thrown away after every boot (snapshot=on), and journaling costs emulated writes.
mkfs.ext4 -q -F -L docknet-root -O ^has_journal -d "$root" "$work/root.ext4" "${size}M"

{
  echo "docknet test VM, built $(date -u +%FT%TZ) in $(( $(date +%s) - start ))s"
  echo "recipe hash $hash:"
  printf '%s\n' "$recipe" | sed 's/^/  /'
  echo "mirror $mirror"
  echo "kernel $kver"
  echo "root.ext4 ${size} MiB apparent, $(du -sm "$work/root.ext4" | cut -f1) MiB on disk, ${used} MiB of files"
  echo "packages:"
  chroot "$root" dpkg-query -W -f '  ${Package} ${Version}\n' "${packages[@]}"
} >"$work/manifest.txt"

rm -rf "$out"
mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.img" "$work/root.ext4" "$out/"
mv "$work/manifest.txt" "$out/manifest.txt" # last: its presence means the image is complete
# Images of other recipes unused for two weeks go (another checkout may still use a recent one).
find "$cache_root" -mindepth 2 -maxdepth 2 -name manifest.txt -mtime +14 ! -path "$out/*" -printf '%h\0' | xargs -0 -r rm -rf
log "built in $(( $(date +%s) - start ))s"
echo "$out"
