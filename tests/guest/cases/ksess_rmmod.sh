# rmmod around exec (issue 9 finding 12).
# ptexec: a tracee stopped at PTRACE_EVENT_EXEC was followed before the
# stop (the exec task_work runs before any ptrace stop); rmmod is refused
# while the recorder's fd is open and unloads promptly once it is closed,
# the target still stopped.
# execloop: 40 times, the recorder closes its fd at a random moment while
# its target execs itself 4 times, and rmmod follows at once: it unloads or
# is refused (a pending exec hand-over holds a module reference), never
# hangs or crashes, and the module loads again.
# kmr-timeout: 600
# kmr-bin: ksess_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
ksess_check ptexec >ptexec.log 2>&1 || { cat ptexec.log; kmr_module_loaded kmemrec || kmr_insmod kmemrec; kmr_fail "ksess_check ptexec"; }
cat ptexec.log
ksess_check execloop 40 >execloop.log 2>&1 || { cat execloop.log; kmr_module_loaded kmemrec || kmr_insmod kmemrec; kmr_fail "ksess_check execloop"; }
cat execloop.log
kmr_module_loaded kmemrec || kmr_fail "kmemrec not loaded after the loop"
