# A security-module domain change ends the session (issue 9 finding 5).
# AppArmor profile ksess_outer confines a child of a non-root recorder and
# sends its exec of /tmp/ksess_aa_img to profile ksess_inner with an
# environment-scrubbing transition (Px): AppArmor marks that exec secure
# while uids, gids, capabilities and dumpability stay the same, so only
# the kernel's secureexec tells.  The session must end at that exec (EXIT
# flagged EXEC_DENIED + SECUREEXEC, no snapshot of the new image).
# kmr-timeout: 300
# kmr-bin: ksess_check
# kmr-file: /usr/sbin/apparmor_parser:/kmr/bin/apparmor_parser

kmr_module_loaded kmemrec || kmr_insmod kmemrec
[ -d /sys/kernel/security/apparmor ] ||
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
[ -d /sys/kernel/security/apparmor ] || kmr_skip "AppArmor is not enabled in this kernel"
cat >/tmp/ksess.aa <<'PROFILE'
profile ksess_outer flags=(attach_disconnected) {
  file,
  capability,
  signal,
  ptrace,
  unix,
  network,
  /tmp/ksess_aa_img Px -> ksess_inner,
}

profile ksess_inner flags=(attach_disconnected) {
  file,
  capability,
  signal,
  ptrace,
  unix,
  network,
}
PROFILE
apparmor_parser -r /tmp/ksess.aa >parser.log 2>&1 || { cat parser.log; kmr_fail "apparmor_parser could not load the profiles"; }
ok=1
ksess_check lsm >lsm.log 2>&1 || ok=0
apparmor_parser -R /tmp/ksess.aa >>parser.log 2>&1 || true
cat lsm.log
[ $ok = 1 ] || kmr_fail "ksess_check lsm"
