#!/bin/sh
# Fetch Debian's packaged kernel (the image linux-image-amd64 depends on)
# into a cache directory for scripts/linux_vm.py, WITHOUT installing it:
# `apt-get download` fetches the .deb, only its /boot/vmlinuz-* and
# /boot/config-* are unpacked (dpkg-deb's file system archive; the
# 400 MB of modules are not needed: what the VM uses is built in), the
# .deb is deleted. The host's /boot, its package database and its boot
# loader are never touched. Run by `make deps` (after apt-get update) or
# `make linux-image`; does nothing when the cache already holds that
# version.
#
#     scripts/get_linux.sh CACHE_DIR
set -eu
dest=${1:?usage: get_linux.sh CACHE_DIR}

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	echo "get_linux: apt-cache cannot resolve linux-image-amd64 (run apt-get update, or make deps)" >&2
	exit 1
fi
ver=${pkg#linux-image-}
if [ -f "$dest/vmlinuz-$ver" ]; then
	ln -sfn "vmlinuz-$ver" "$dest/vmlinuz"
	echo "get_linux: $dest/vmlinuz-$ver is there ($pkg)"
	exit 0
fi

mkdir -p "$dest"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringtail-linux.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp"        # apt's download sandbox user must be able to write it
echo "get_linux: downloading $pkg (not installing it)"
(cd "$tmp" && apt-get download -q "$pkg")
deb=$(ls "$tmp"/*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./boot/vmlinuz-$ver" "./boot/config-$ver"
mv "$tmp/boot/config-$ver" "$dest/config-$ver"
mv "$tmp/boot/vmlinuz-$ver" "$dest/vmlinuz-$ver"
ln -sfn "vmlinuz-$ver" "$dest/vmlinuz"
echo "get_linux: $dest/vmlinuz-$ver ($(dpkg-deb -f "$deb" Version))"
