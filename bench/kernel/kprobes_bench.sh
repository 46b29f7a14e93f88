# kmemrec hooks benchmark (not a test: it prints figures, fails only if a
# program fails).  Under -icount shift=0 guest time is an instruction count:
#  1. instructions per anonymous write fault: untraced, module loaded idle,
#     traced (every event kind, a reader draining), and untraced while a
#     session records another process (what a recording costs the rest
#     of the machine);
#  2. instructions per mmap+munmap pair with 50 and 1000 VMAs (the VMA
#     commit point's diff), untraced and traced;
# (kb_speed, kmemrec against ftrace, is its own case: speed_bench.sh.)
# kmr-timeout: 1800
# kmr-icount: shift=0
# kmr-bin: kb_faultcost kb_vmacost

kmr_module_loaded kmemrec && kmr_rmmod kmemrec
# First touches of guest memory cost more (struct page init): warm up.
kb_faultcost plain 150000 1 >/dev/null
kb_faultcost plain 150000 1 >/dev/null
kb_faultcost plain 16384 3 | tee -a figures.txt
kmr_insmod kmemrec
kb_faultcost plain 16384 3 | sed 's/plain/idle-loaded/' | tee -a figures.txt
kb_faultcost traced 16384 3 | tee -a figures.txt
kb_faultcost bystander 16384 3 | tee -a figures.txt
for n in 50 1000; do
	kb_vmacost plain $n 2000 | tee -a figures.txt
	kb_vmacost traced $n 2000 | tee -a figures.txt
done
