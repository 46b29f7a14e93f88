# kwalk's guest programs (tests/guest/cases/kwalk_*.sh): page-table walks,
# PFN privilege, ring memory, snapshots.  Reuses kcore's reader and model.
kmr_guest_prog(kwalk_check kwalk_check.c kwalk_util.c kwalk_race.c
  kwalk_snap.c kwalk_ring.c kwalk_pfn.c
  kcore_target.c kcore_rec.c kcore_model.c kcore_print.c)
target_link_libraries(kwalk_check PRIVATE Threads::Threads)
set_target_properties(kwalk_check PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
