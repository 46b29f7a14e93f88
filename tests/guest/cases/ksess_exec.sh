# Exec under sessions (issue 9 findings 5 and 7).
# many: 12 sessions on one target (more than any fixed per-mm table) all
# follow its exec (EXEC + EXEC snapshot) and all get its EXIT, without a
# kernel warning.
# secure: a non-root recorder follows its child through a plain exec, and
# the session ends (EXIT flagged EXEC_DENIED + SECUREEXEC, no snapshot of
# the new image) when the child execs a set-uid root copy and a copy with
# a file capability (setcap cap_net_raw+ep), which keeps the uids.
# kmr-timeout: 300
# kmr-bin: ksess_check
# kmr-file: /usr/sbin/setcap:/kmr/bin/setcap

kmr_module_loaded kmemrec || kmr_insmod kmemrec
ksess_check many 12 >many.log 2>&1 || { cat many.log; kmr_fail "ksess_check many"; }
cat many.log

fcap=/tmp/ksess_fcap
cp /kmr/bin/ksess_check $fcap
chmod 755 $fcap
setcap cap_net_raw+ep $fcap || kmr_fail "setcap on $fcap failed"
ksess_check secure $fcap >secure.log 2>&1 || { cat secure.log; kmr_fail "ksess_check secure"; }
cat secure.log
rm -f $fcap
