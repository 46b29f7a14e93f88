# ksess's guest programs (tests/guest/cases/ksess_*.sh): the session life
# cycle, on the kcore reader and model.
kmr_guest_prog(ksess_check ksess_check.c ksess_end.c ksess_exec.c
  ksess_pidns.c ksess_missed.c ksess_leak.c kcore_target.c
  kcore_rec.c kcore_model.c kcore_print.c)
target_link_libraries(ksess_check PRIVATE Threads::Threads)
set_target_properties(ksess_check PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
