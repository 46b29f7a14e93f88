# Installed for real: the tools from the kmemrec .deb (unpacked into the
# initramfs with their shared libraries) and the module DKMS built for this
# kernel on the host (tests/install/deb_test.sh, then guest_stage.sh puts
# both in /var/tmp/kmemrec-install).  `kmemrec doctor` must say ready with
# that module loaded, and name the problem with the module unloaded, with
# the device chmod 000 (for a non-root user), and with the module built for
# the other kernel installed.  The installed kmemrec records a real program
# and the installed kmemreplay replays it.  Run by tests/run-all.sh after
# the packages step: `run.sh --tier install`.
# kmr-tier: install
# kmr-bin: kmrt-fork fetch_check
# kmr-file: /var/tmp/kmemrec-install:/kmr/install
# kmr-timeout: 240

inst=/kmr/install
export PATH=$inst/root/usr/bin:$PATH
krel=$(uname -r)
mine=$inst/modules/$krel/kmemrec.ko
[ -f "$mine" ] || kmr_fail "no DKMS build staged for $krel: $(ls $inst/modules)"
other=$(ls -d $inst/modules/*/ | grep -v "/$krel/" | head -1)
# kernel releases as literal text in a regex: 6.12.117+deb12-amd64 has a "+"
re() { printf '%s' "$1" | sed 's/[.+]/\\&/g'; }
assert_eq "$(command -v kmemrec)" "$inst/root/usr/bin/kmemrec" "kmemrec from the .deb"
trap 'chmod 0600 /dev/kmemrec 2>/dev/null' EXIT

doctor() { # doctor OUT: runs kmemrec doctor, prints it, returns its status
	rc=0
	kmemrec doctor >"$1" 2>&1 || rc=$?
	cat "$1"
	return $rc
}

# The harness loaded its own build of kernel/: replace it by the DKMS one,
# installed where DKMS puts it.
kmr_rmmod kmemrec
mkdir -p /lib/modules/$krel/updates/dkms
cp "$mine" /lib/modules/$krel/updates/dkms/kmemrec.ko

# 1. Module not loaded.
rc=0; doctor unloaded.txt || rc=$?
assert_eq $rc 1 "doctor exit, module unloaded"
assert_grep "FAIL +module +kmemrec is not loaded" unloaded.txt
assert_grep "fix: modprobe kmemrec" unloaded.txt
assert_grep "^not ready" unloaded.txt
rc=0; kmemrec -o x.kmr -- kmrt-fork 2>rec_err.txt || rc=$?
assert_eq $rc 1 "kmemrec exit, module unloaded"
assert_grep "Run .kmemrec doctor." rec_err.txt

# 2. Loaded: ready.
insmod /lib/modules/$krel/updates/dkms/kmemrec.ko || kmr_fail "insmod of the DKMS build failed"
rc=0; doctor ready.txt || rc=$?
assert_eq $rc 0 "doctor exit, module loaded"
assert_grep "^ready: recording should work" ready.txt
assert_grep "ok +module build +.*built for $(re "$krel")" ready.txt
# just loaded, never used: the module hooks nothing
assert_grep "ok +module +kmemrec is loaded; no hook is in" ready.txt

# 3. The installed tools record and replay a real program.
kmemrec -q -o fork.kmr -- kmrt-fork -n 64 || kmr_fail "installed kmemrec failed"
kmemreplay --json fork.kmr >summary.json || kmr_fail "installed kmemreplay failed"
cow=$(sed -n 's/.*"cow": *\([0-9]*\).*/\1/p' summary.json | head -1)
assert_grep '"comm": *"kmrt-fork"' summary.json
assert_ge "${cow:-0}" 32 "CoW events of kmrt-fork -n 64 (the parent writes 32 pages after fork)"

# 4. The device closed to everyone (root bypasses the mode: ask as nobody).
chmod 000 /dev/kmemrec
rc=0; fetch_check as-uid 65534 kmemrec doctor >denied.txt 2>&1 || rc=$?
cat denied.txt
assert_eq $rc 1 "doctor exit, device 000"
assert_grep "FAIL +device +/dev/kmemrec \(mode 0000\) cannot be opened by you" denied.txt
assert_grep "60-kmemrec.rules" denied.txt
chmod 0600 /dev/kmemrec

# 5. The module built for the other kernel: the kernel refuses it, doctor
# says why instead of crashing.
[ -n "$other" ] || kmr_fail "no module of another kernel staged"
kmr_rmmod kmemrec
cp "$other/kmemrec.ko" /lib/modules/$krel/updates/dkms/kmemrec.ko
assert_fails insmod /lib/modules/$krel/updates/dkms/kmemrec.ko
rc=0; doctor mismatch.txt || rc=$?
assert_eq $rc 1 "doctor exit, module of another kernel"
assert_grep "FAIL +module +kmemrec is not loaded: .* was built for $(re "$(basename "$other")"), not for $(re "$krel")" mismatch.txt
assert_grep "dkms autoinstall -k $(re "$krel")" mismatch.txt

# Leave the harness's module loaded, as found.
rm -f /lib/modules/$krel/updates/dkms/kmemrec.ko
kmr_insmod kmemrec
