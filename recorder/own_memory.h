// The recorder's own memory: no transparent huge pages for it, the
// inherited setting for the programs it starts.
#pragma once

namespace kmr::recorder {

// Called once, first thing: the recorder's anonymous memory is faulted in
// 4 KiB pages from now on (prctl PR_SET_THP_DISABLE).  Why: with THP
// "always" (Debian's default) every 2 MiB-aligned stretch of a thread's
// malloc arena or of a large buffer that the recorder touches at all was
// a 2 MiB page, cleared whole: a recording of the issue 10 fault workload
// cleared ~7 MiB more than without (kmr_prof, BENCHMARKS.md), for ~2 MiB
// of anonymous memory it uses.  The recorder's working set is small and
// sequential: huge pages buy it no TLB reach worth that, and a
// tool that observes memory should leave a small footprint.  Failure
// (an old kernel, a seccomp filter) changes nothing else.
void avoidHugePagesForSelf();

// The setting the recorder inherited: LaunchedChild restores it in the
// child before exec, so a recorded program runs with THP as it would
// without kmemrec (PR_SET_THP_DISABLE is inherited across fork and exec).
int inheritedThpDisable();

}  // namespace kmr::recorder
