kmr_guest_prog(kprobes_check kprobes_check.c kprobes_target.c kprobes_rec.c
               kprobes_oracle.c)
kmr_guest_prog(kprobes_threads kprobes_threads.c kprobes_rec.c kprobes_oracle.c)
find_package(Threads REQUIRED)
target_link_libraries(kprobes_threads PRIVATE Threads::Threads)
