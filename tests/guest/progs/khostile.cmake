# teeth's guest programs: hostile input and races (cases khostile_*, krace_*).
find_package(Threads REQUIRED)
kmr_guest_prog(khostile khostile.c khostile_ioctl.c khostile_ctl.c kh_common.c)
kmr_guest_prog(krace krace.c krace_exit.c krace_sessions.c krace_walk.c
  krace_rmmod.c krace_kretprobe.c kh_common.c)
foreach(p khostile krace)
  target_link_libraries(${p} PRIVATE Threads::Threads)
  target_compile_options(${p} PRIVATE -Wall -Wextra)
  set_target_properties(${p} PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
endforeach()
