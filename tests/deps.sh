#!/bin/bash
# Installs, with apt-get, everything kmemrec needs to build and test on a
# fresh Debian 12 machine (run as root).  The guest harness installs its own
# kernel headers and images per kernel (tests/guest/lib/kernels.sh).
set -euo pipefail

pkgs=(
	# userspace build
	build-essential cmake pkg-config
	capnproto libcapnp-dev libzstd-dev libxxhash-dev
	libcli11-dev catch2 nlohmann-json3-dev
	# tools the tests call
	zstd python3 perl xz-utils
	# guest harness: QEMU, busybox initramfs, module build
	qemu-system-x86 busybox-static cpio kmod make gcc pahole file
	# ksess_lsm loads AppArmor profiles in the guest with the host's parser
	apparmor
	# rendering test: headless Chromium screenshots the SVG heatmap
	chromium
	# packaging and install tests (tests/install): man --warnings, cpack's
	# dpkg-shlibdeps, DKMS
	man-db groff-base dpkg-dev dkms
	# fuzz/run.sh: libFuzzer, ASan and UBSan come with clang's runtime
	clang libclang-rt-14-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update
	apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-install-recommends "${missing[@]}"
fi
