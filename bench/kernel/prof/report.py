#!/usr/bin/env python3
"""Instructions by function from kmr_prof windows (bench/kernel/profile.sh).

usage: report.py KALLSYMS WINDOW [BASE] [--per N] [--top K]

WINDOW and BASE are the plugin's dumps (PREFIX.N); with BASE, each
function's count is WINDOW - BASE (what the traced run adds).  --per N
divides by N (e.g. the number of faults).  Kernel and module addresses
are named from the guest's /proc/kallsyms; user space is one line.
"""
import argparse
import bisect
import collections
import sys


def load_syms(path):
    syms = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 3 or parts[1] not in "tTwW":
            continue
        addr = int(parts[0], 16)
        if addr == 0:
            continue
        mod = parts[3].strip("[]") if len(parts) > 3 else ""
        syms.append((addr, parts[2], mod))
    syms.sort()
    return syms


def load_user_syms(path):
    """A static, non-PIE program's functions (nm), named "user"."""
    import subprocess
    out = subprocess.run(["nm", "-C", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2], "user"))
    syms.sort()
    return syms


def by_function(dump, syms, addrs, usyms=None, uaddrs=None):
    out = collections.Counter()
    for line in open(dump):
        vaddr, insns, count = line.split()
        vaddr = int(vaddr, 16)
        n = int(insns) * int(count)
        if vaddr < 0xffff800000000000:
            i = bisect.bisect_right(uaddrs, vaddr) - 1 if usyms else -1
            if i >= 0:
                out[(usyms[i][1][:60], "user")] += n
            else:
                out[("(user space)", "")] += n
            continue
        i = bisect.bisect_right(addrs, vaddr) - 1
        if i < 0:
            out[("(unknown kernel)", "")] += n
        else:
            out[(syms[i][1], syms[i][2])] += n
    return out


def blocks_of(a, syms, addrs):
    """FUNC's blocks in WINDOW (and BASE): +offset, instructions, runs."""
    def runs(dump):
        out = collections.Counter()
        if not dump:
            return out
        for line in open(dump):
            vaddr, insns, count = line.split()
            vaddr = int(vaddr, 16)
            i = bisect.bisect_right(addrs, vaddr) - 1
            if i >= 0 and syms[i][1] == a.blocks:
                out[(vaddr - syms[i][0], int(insns))] += int(count)
        return out
    win, base = runs(a.window), runs(a.base)
    print(f"{'offset':>8} {'insns':>6} {'runs':>10} {'insns/unit':>10}")
    for off, n in sorted(set(win) | set(base)):
        r = win[(off, n)] - base[(off, n)]
        print(f"{off:>#8x} {n:>6} {r / a.per:>10.2f} {r * n / a.per:>10.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kallsyms")
    ap.add_argument("window")
    ap.add_argument("base", nargs="?")
    ap.add_argument("--per", type=float, default=1.0)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--user-syms", metavar="PROGRAM",
                    help="name user-space blocks from this static program's symbols "
                    "(other programs at the same addresses are named wrongly: "
                    "compare against a window that runs them too)")
    ap.add_argument("--blocks", metavar="FUNC",
                    help="the blocks of FUNC instead: offset, length, runs per unit")
    a = ap.parse_args()
    syms = load_syms(a.kallsyms)
    addrs = [s[0] for s in syms]
    if a.blocks:
        return blocks_of(a, syms, addrs)
    usyms = load_user_syms(a.user_syms) if a.user_syms else None
    uaddrs = [s[0] for s in usyms] if usyms else None
    win = by_function(a.window, syms, addrs, usyms, uaddrs)
    base = (by_function(a.base, syms, addrs, usyms, uaddrs) if a.base
            else collections.Counter())
    keys = set(win) | set(base)
    rows = sorted(keys, key=lambda k: -abs(win[k] - base[k]))
    tw, tb = sum(win.values()), sum(base.values())
    by_mod = collections.Counter()
    for k in keys:
        by_mod[k[1] or ("user" if k[0] == "(user space)" else "kernel")] += win[k] - base[k]
    w = max([len(k[0]) + len(k[1]) + 3 for k in rows[: a.top]] + [20])
    head = ["window"] + (["base", "delta"] if a.base else [])
    print(f"{'function':<{w}} " + " ".join(f"{h:>12}" for h in head))
    for k in rows[: a.top]:
        name = k[0] + (f" [{k[1]}]" if k[1] else "")
        vals = [win[k]] + ([base[k], win[k] - base[k]] if a.base else [])
        print(f"{name:<{w}} " + " ".join(f"{v / a.per:>12.1f}" for v in vals))
    vals = [tw] + ([tb, tw - tb] if a.base else [])
    print(f"{'total':<{w}} " + " ".join(f"{v / a.per:>12.1f}" for v in vals))
    print()
    print("by part" + (" (delta)" if a.base else "") + ":")
    for m, v in by_mod.most_common():
        print(f"  {m:<20} {v / a.per:>12.1f}")


if __name__ == "__main__":
    sys.exit(main())
