#include "own_memory.h"

#include <sys/prctl.h>

namespace kmr::recorder {

namespace {
int g_inherited = 0;
}  // namespace

void avoidHugePagesForSelf() {
  int was = ::prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
  g_inherited = was > 0 ? 1 : 0;
  if (!g_inherited) (void)::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
}

int inheritedThpDisable() { return g_inherited; }

}  // namespace kmr::recorder
