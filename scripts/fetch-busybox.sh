#!/usr/bin/env bash
# Fetch Debian's statically linked busybox for i386 and x86-64 into a cache
# directory outside the repository, without installing anything system-wide:
# the .deb files are downloaded with `apt-get download` (using a private apt
# state directory that adds the i386 architecture, so the host's dpkg
# configuration is left alone) and unpacked with `dpkg-deb -x`.
#
#   scripts/fetch-busybox.sh            # fetch both into $X86RUN_CACHE
#   X86RUN_CACHE=/some/dir scripts/fetch-busybox.sh
#
# Results:  $X86RUN_CACHE/busybox         (i386; tests use it via busybox.rs)
#           $X86RUN_CACHE/busybox-x86_64  (x86-64)
# X86RUN_CACHE defaults to $HOME/.cache/x86run.  Idempotent: binaries that are
# already there are kept.  Needs a Debian/Ubuntu host with apt and network
# access to the Debian archive.
set -euo pipefail

cache="${X86RUN_CACHE:-$HOME/.cache/x86run}"
mkdir -p "$cache"

want=()
[[ -x "$cache/busybox" ]] || want+=(i386)
[[ -x "$cache/busybox-x86_64" ]] || want+=(amd64)
if [[ ${#want[@]} -eq 0 ]]; then
    echo "fetch-busybox: already present: $cache/busybox $cache/busybox-x86_64"
    exit 0
fi

for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "fetch-busybox: needs $tool (a Debian-based host)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A private apt state (package lists and cache) that knows amd64 and i386,
# built from the host's sources.  No root needed for this part, and the
# host's own lists and dpkg architectures are not touched.
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
apt_opts=(
    -o "APT::Architectures::=amd64"
    -o "APT::Architectures::=i386"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "Dir::Cache::archives=$work/archives"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
    -q
)
if [[ $(id -u) -ne 0 ]]; then
    apt_opts+=(-o "APT::Sandbox::User=$(id -un)")
fi

echo "fetch-busybox: reading Debian package lists (amd64 + i386)..."
# A partial failure (one mirror index out of sync, say) is not fatal as long
# as the busybox-static package can still be found below.
if ! apt-get "${apt_opts[@]}" update >"$work/update.log" 2>&1; then
    echo "fetch-busybox: warning: apt-get update reported errors:" >&2
    grep -E '^(E|W):' "$work/update.log" >&2 || cat "$work/update.log" >&2
fi

for arch in "${want[@]}"; do
    echo "fetch-busybox: downloading busybox-static:$arch"
    (cd "$work/debs" && apt-get "${apt_opts[@]}" download "busybox-static:$arch") || {
        echo "fetch-busybox: could not download busybox-static:$arch" >&2
        exit 1
    }
    deb="$(ls "$work"/debs/busybox-static_*_"$arch".deb)"
    dpkg-deb -x "$deb" "$work/x-$arch"
    bin="$work/x-$arch/bin/busybox"
    [[ -x "$bin" ]] || { echo "fetch-busybox: $deb has no bin/busybox" >&2; exit 1; }
    case "$arch" in
        i386) dest="$cache/busybox" ;;
        amd64) dest="$cache/busybox-x86_64" ;;
    esac
    cp "$bin" "$dest.tmp"
    chmod 755 "$dest.tmp"
    mv "$dest.tmp" "$dest"
    echo "fetch-busybox: $dest ($(basename "$deb"))"
done
