// Matching the VMA lives of two runs by identity, never by address (ASLR
// moves every base independently).
//
//   file-backed      path and file offset (pgoff) and protection; the main
//                    executable is "<exe>" on both sides (its path may
//                    differ between the two builds being compared): a file
//                    whose name starts with the trace's comm
//   [heap] [stack]   by name
//   [vdso] [vvar]    by name
//   [anon:name]      by name
//   anonymous        right after a file mapping (a library's bss): by that
//                    file; otherwise by order of creation, size and
//                    protection
//
// Lives fall into classes (the identity without order: the path, the name,
// "anonymous after X", "anonymous" — and the image, counted in execs); two
// classes of the same key are aligned in creation order by a banded
// dynamic programme that maximises the summed similarity (same offset,
// protection and size score highest), so one extra or missing mapping does
// not shift every later pair.  Files left over are tried once more by file
// name without version numbers (libfoo.so.1.2 vs libfoo.so.1.3).
//
// Confidence:
//   exact   the identity is unique on both sides (one [heap], one
//           libc.so.6 r-xp at offset 0x28, one bss after libc)
//   strong  aligned by creation order among several of the same identity,
//           with the same size and protection
//   weak    aligned with a different size, offset or protection, or by a
//           file name without version numbers
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vma_life.h"

namespace kmr::replayer {

enum class MatchConfidence : uint8_t { Exact, Strong, Weak };
std::string_view confidenceName(MatchConfidence c);

struct LifeMatch {
  uint32_t a = VmaLife::kNone;
  uint32_t b = VmaLife::kNone;
  MatchConfidence confidence = MatchConfidence::Weak;
  std::string how;  // "path+offset", "name", "creation order", ...
};

// One side: its lives (by id, ended ones included) and names.
struct MatchSide {
  const std::vector<VmaLife>& lives;
  const NameTable& names;
  std::string comm;  // the trace header's comm: identifies the executable
};

struct MatchResult {
  std::vector<LifeMatch> matched;
  std::vector<uint32_t> only_a;  // life ids without a counterpart
  std::vector<uint32_t> only_b;
};

MatchResult matchLives(const MatchSide& a, const MatchSide& b);

// The identity class of a life, e.g. "file:<exe>", "name:[heap]",
// "anon-after:/usr/lib/x86_64-linux-gnu/libc.so.6", "anon" (the image
// number is added when not 0: "exec1:anon").
std::string identityClass(const VmaLife& l, const NameTable& names, const std::string& comm);

// Order-preserving alignment of two sequences (n and m long): the pairs
// (i, j), increasing in both, maximising the sum of score(i, j) over pairs
// with a positive score.  Exact within a band around the diagonal wide
// enough for |n - m| + `slack`; a greedy walk when that band would be too
// big (over ~32 M cells).
std::vector<std::pair<size_t, size_t>> alignSequences(
    size_t n, size_t m, const std::function<double(size_t, size_t)>& score, size_t slack = 64);

}  // namespace kmr::replayer
