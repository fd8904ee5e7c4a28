#!/usr/bin/env bash
# Builds the Debian i386 root filesystem that tests and benchmarks run
# programs from, with debootstrap, into a cache outside the repository.
# Idempotent: an existing complete root filesystem is reused.
#   X86RUN_ROOTFS   where to build it (default: $X86RUN_CACHE/rootfs-i386,
#                   X86RUN_CACHE defaulting to $HOME/.cache/x86run)
set -euo pipefail
cache=${X86RUN_CACHE:-$HOME/.cache/x86run}
root=${X86RUN_ROOTFS:-$cache/rootfs-i386}
suite=${X86RUN_SUITE:-bookworm}
mirror=${X86RUN_MIRROR:-http://deb.debian.org/debian}
packages=bash,coreutils,grep,sed,gawk,findutils,diffutils,python3,perl,sqlite3,xz-utils,bzip2,gzip,lua5.4,file,busybox

if [ -f "$root/.x86run-complete" ]; then
  echo "rootfs: $root (cached)"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi
rm -rf "$root"
mkdir -p "$(dirname "$root")"
echo "rootfs: building $suite i386 in $root"
debootstrap --arch=i386 --variant=minbase --include="$packages" "$suite" "$root" "$mirror"
rm -rf "$root/var/cache/apt/archives/"*.deb
touch "$root/.x86run-complete"
echo "rootfs: done"
