#!/bin/sh
# mkiso.sh OUT.iso KERNEL.elf GRUB.cfg [PROGRAM...]
# Build a GRUB (BIOS, Multiboot2) ISO. Each PROGRAM becomes a Multiboot2
# module named after its file; the kernel finds programs by that name.
set -eu
out=$1; kernel=$2; cfg=$3; shift 3
stage=$(mktemp -d "${TMPDIR:-/tmp}/ringtail-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/progs"
# Debug info stays in build/kernel.elf for gdb; the ISO gets a lean copy.
x86_64-linux-gnu-objcopy --strip-debug "$kernel" "$stage/boot/kernel.elf" 2>/dev/null ||
	objcopy --strip-debug "$kernel" "$stage/boot/kernel.elf"
mods=""
for p in "$@"; do
	name=$(basename "$p")
	cp "$p" "$stage/boot/progs/$name"
	mods="$mods	module2 /boot/progs/$name $name
"
done
# Replace the @MODULES@ line of the template with one module2 line each.
awk -v mods="$mods" '/@MODULES@/ { printf "%s", mods; next } { print }' \
	"$cfg" > "$stage/boot/grub/grub.cfg"
grub-mkrescue --quiet -o "$out" "$stage" \
	--install-modules="multiboot2 normal smbios test echo" \
	--locales= --fonts= --themes= >/dev/null 2>&1 ||
	grub-mkrescue -o "$out" "$stage"
