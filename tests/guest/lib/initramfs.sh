# shellcheck shell=bash
# Assemble the guest's initramfs: busybox, /init, the case scripts and their
# helpers, kernel modules (transport + under test), caller files.

# kmr_stage_busybox <root>: static busybox plus one symlink per applet.
kmr_stage_busybox() {
	local root=$1 bb=/bin/busybox a
	file -L "$bb" | grep -q 'statically linked' ||
		kmr_die "$bb is not static: apt-get install busybox-static"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root}
	cp "$bb" "$root/bin/busybox"
	for a in $("$bb" --list-full); do
		[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
	done
	# The kernel's built-in initramfs has /dev/console; make it explicit so
	# init has a console even before devtmpfs is mounted.
	[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
}

# kmr_stage_file <root> <host path> <guest path>: copy a file or directory.
# Dynamically linked ELF files get their shared libraries copied too (ldd),
# so a binary that is not static still runs; static ones need nothing.
kmr_stage_file() {
	local root=$1 src=$2 dst=$3 f
	[ -e "$src" ] || kmr_die "file to put in the guest does not exist: $src"
	mkdir -p "$root$(dirname "$dst")"
	cp -a -L "$src" "$root$dst" || kmr_die "cannot copy $src into the initramfs"
	while IFS= read -r -d '' f; do
		kmr_stage_libs "$root" "$f"
	done < <(find "$root$dst" -type f -perm -u+x -print0)
}

kmr_stage_libs() {
	local root=$1 f=$2 lib
	head -c4 "$f" | grep -q 'ELF' || return 0
	readelf -l "$f" 2>/dev/null | grep -q 'program interpreter' || return 0
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# kmr_stage_kmod <root> <module file...>: transport modules, decompressed
# (6.12 ships .ko.xz; busybox insmod wants plain ELF), in load order.
kmr_stage_kmod() {
	local root=$1
	shift
	kmr_stage_kmod_dir "$root" /kmr/kmod "$@"
}

# kmr_stage_kmod_dir <root> <guest dir> <module file...>: the same into any
# directory (kmr-kmod: modules go to /kmr/kmod-extra, loaded on demand by
# the guest helper kmr_kmod_load).
kmr_stage_kmod_dir() {
	local root=$1 dir=$2 f n
	shift 2
	mkdir -p "$root$dir"
	: >"$root$dir/order"
	for f in "$@"; do
		n=${f##*/}
		case $n in
		*.ko.xz) n=${n%.xz}; xz -dc "$f" >"$root$dir/$n" ;;
		*.ko.zst) n=${n%.zst}; zstd -qdc "$f" >"$root$dir/$n" ;;
		*.ko.gz) n=${n%.gz}; gzip -dc "$f" >"$root$dir/$n" ;;
		*) cp "$f" "$root$dir/$n" ;;
		esac
		echo "$n" >>"$root$dir/order"
	done
}

# kmr_pack_cpio <root> <out.cpio>: uncompressed newc archive (the kernel
# unpacks it faster than it would decompress one), owned by root.
kmr_pack_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$2" ||
		kmr_die "cpio failed for $1"
}
