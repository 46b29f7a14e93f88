kmr_guest_prog(kprobes_check kprobes_check.c kprobes_rec.c kprobes_oracle.c)
