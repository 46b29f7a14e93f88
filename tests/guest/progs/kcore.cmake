# kcore's guest programs (tests/guest/cases/kcore_*.sh).
find_package(Threads REQUIRED)
set(kcore_reader kcore_rec.c kcore_model.c kcore_print.c)
kmr_guest_prog(kcore_check kcore_check.c kcore_errno.c kcore_life.c
  kcore_exec.c kcore_follow.c kcore_target.c ${kcore_reader})
kmr_guest_prog(kcore_dump kcore_dump.c ${kcore_reader})
foreach(p kcore_check kcore_dump)
  target_link_libraries(${p} PRIVATE Threads::Threads)
  set_target_properties(${p} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
endforeach()
