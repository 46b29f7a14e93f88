#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sign kmemrec.ko for a kernel that loads only signed modules (Secure Boot
# lockdown, module.sig_enforce=1) with a Machine Owner Key (MOK).
#
#   sign-module.sh --new-key DIR [--cn NAME]
#       once: a key pair DIR/MOK.priv (mode 0600) and DIR/MOK.der, and how to
#       enrol it: mokutil --import DIR/MOK.der, reboot, confirm in MokManager.
#   sign-module.sh --key DIR MODULE...
#       sign each module (.ko, .ko.xz, .ko.zst, .ko.gz: decompressed, signed,
#       compressed again) with DIR/MOK.priv and DIR/MOK.der, using the
#       sign-file of the kernel the module was built for (from its headers,
#       /lib/modules/<vermagic>/build/scripts/sign-file), or kmodsign
#       (Ubuntu) when there is none.  `modinfo -F signer MODULE` then shows
#       the key's CN.  A signature already there (Debian's DKMS signs its
#       builds with /var/lib/dkms/mok.pub) is replaced.
#
# DKMS can sign every build by itself: mok_signing_key and mok_certificate
# in /etc/dkms/framework.conf (dkms(8)).  kmemrec(4) has the whole recipe.
set -eu

die() { echo "sign-module.sh: $*" >&2; exit 1; }
usage() { sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

new_key() {
	dir=$1 cn=$2
	command -v openssl >/dev/null || die "needs openssl (apt install openssl)"
	[ ! -e "$dir/MOK.priv" ] || die "$dir/MOK.priv exists: not overwriting a key"
	mkdir -p "$dir"
	chmod 0700 "$dir"
	(umask 077 && openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 \
		-subj "/CN=$cn/" -outform DER -keyout "$dir/MOK.priv" -out "$dir/MOK.der" \
		-addext "extendedKeyUsage=codeSigning" 2>/dev/null) ||
		die "openssl could not make the key"
	cat <<-EOT
	Key pair: $dir/MOK.priv (keep it secret) and $dir/MOK.der ("$cn").
	Enrol it once (Secure Boot machines):
	  mokutil --import $dir/MOK.der     # asks for a one-time password
	  reboot                              # MokManager: Enroll MOK, enter the password
	Then sign each module build:
	  $0 --key $dir /lib/modules/\$(uname -r)/updates/dkms/kmemrec.ko*
	EOT
}

# The signing command for a module built for kernel $1.
signer_for() {
	for sf in "/lib/modules/$1/build/scripts/sign-file" \
		"/usr/src/linux-headers-$1/scripts/sign-file"; do
		[ -x "$sf" ] && { echo "$sf"; return; }
	done
	command -v kmodsign && return
	die "no sign-file for $1 (apt install linux-headers-$1) and no kmodsign"
}

# A signed module ends with its signature, a struct module_signature (12
# bytes, the last 4 the signature's length, big-endian) and this magic.
# Debian's DKMS signs its builds with its own key (/var/lib/dkms/mok.pub):
# drop every signature before adding ours, so modinfo and the kernel see
# ours.
strip_signatures() {
	while [ "$(tail -c 28 "$1" | tr -d '\n')" = "~Module signature appended~" ]; do
		len=$(tail -c 32 "$1" | head -c 4 | od -An -tu1 |
			awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
		size=$(stat -c %s "$1")
		[ "$len" -gt 0 ] && [ "$len" -lt "$size" ] || die "$1: bad signature length $len"
		truncate -s $((size - 28 - 12 - len)) "$1"
	done
}

sign_one() {
	mod=$1 dir=$2
	[ -f "$mod" ] || die "$mod: no such file"
	krel=$(modinfo -F vermagic "$mod" 2>/dev/null | cut -d' ' -f1)
	[ -n "$krel" ] || die "$mod: not a kernel module (no vermagic)"
	tool=$(signer_for "$krel")
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	case $mod in
	*.ko.xz) xz -dc "$mod" >"$tmp/m.ko"; z="xz -f --check=crc32 --lzma2=dict=1MiB" ;;
	*.ko.zst) zstd -qdc "$mod" >"$tmp/m.ko"; z="zstd -qf --rm" ;;
	*.ko.gz) gzip -dc "$mod" >"$tmp/m.ko"; z="gzip -f -n" ;;
	*.ko) cp "$mod" "$tmp/m.ko"; z="" ;;
	*) die "$mod: not a .ko, .ko.xz, .ko.zst or .ko.gz" ;;
	esac
	strip_signatures "$tmp/m.ko"
	"$tool" sha256 "$dir/MOK.priv" "$dir/MOK.der" "$tmp/m.ko" ||
		die "$mod: $tool failed"
	if [ -n "$z" ]; then
		$z "$tmp/m.ko"
		out=$(ls "$tmp"/m.ko.*)
	else
		out=$tmp/m.ko
	fi
	cat "$out" >"$mod"
	rm -rf "$tmp"
	trap - EXIT
	echo "signed $mod (for $krel) with \"$(modinfo -F signer "$mod")\""
}

[ $# -gt 0 ] || usage
case $1 in
-h | --help) usage 0 ;;
--new-key)
	[ $# -ge 2 ] || usage
	dir=$2 cn="kmemrec module signing key ($(hostname))"
	shift 2
	if [ "${1:-}" = --cn ]; then
		[ $# -ge 2 ] || usage
		cn=$2
	fi
	new_key "$dir" "$cn" ;;
--key)
	[ $# -ge 3 ] || usage
	dir=$2
	shift 2
	[ -r "$dir/MOK.priv" ] && [ -r "$dir/MOK.der" ] ||
		die "$dir must hold MOK.priv and MOK.der (make them with --new-key)"
	for m in "$@"; do sign_one "$m" "$dir"; done ;;
*) usage ;;
esac
