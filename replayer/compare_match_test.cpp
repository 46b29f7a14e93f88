// Sequence alignment and identity classes of compare_match.
#include <catch2/catch.hpp>

#include <random>

#include "compare_match.h"

using namespace kmr::replayer;

namespace {

std::vector<std::pair<size_t, size_t>> alignEq(const std::vector<int>& a, const std::vector<int>& b,
                                               size_t slack = 64) {
  return alignSequences(a.size(), b.size(),
                        [&](size_t i, size_t j) { return a[i] == b[j] ? 1.0 : 0.0; }, slack);
}

// Longest common subsequence length, the plain O(n*m) way.
size_t lcs(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); i++)
    for (size_t j = 1; j <= b.size(); j++)
      d[i][j] = a[i - 1] == b[j - 1] ? d[i - 1][j - 1] + 1 : std::max(d[i - 1][j], d[i][j - 1]);
  return d[a.size()][b.size()];
}

}  // namespace

TEST_CASE("alignSequences: identical sequences pair up one to one") {
  std::vector<int> a{1, 2, 3, 4, 5};
  auto p = alignEq(a, a);
  REQUIRE(p.size() == 5);
  for (size_t i = 0; i < 5; i++) CHECK(p[i] == std::make_pair(i, i));
}

TEST_CASE("alignSequences: one insertion does not shift the later pairs") {
  std::vector<int> a{1, 2, 3, 4, 5, 6};
  std::vector<int> b{1, 2, 9, 3, 4, 5, 6};
  auto p = alignEq(a, b);
  REQUIRE(p.size() == 6);
  CHECK(p[2] == std::make_pair(size_t{2}, size_t{3}));
  CHECK(p[5] == std::make_pair(size_t{5}, size_t{6}));
}

TEST_CASE("alignSequences: the banded DP finds the optimum (LCS) of random edits") {
  std::mt19937 rng(5);
  for (int round = 0; round < 40; round++) {
    std::vector<int> a, b;
    size_t n = 50 + rng() % 300;
    for (size_t i = 0; i < n; i++) a.push_back(static_cast<int>(rng() % 6));
    for (int x : a) {
      unsigned r = rng() % 20;
      if (r == 0) continue;                                // deleted
      if (r == 1) b.push_back(static_cast<int>(rng() % 6));  // inserted before
      b.push_back(r == 2 ? static_cast<int>(rng() % 6) : x);  // changed or kept
    }
    auto p = alignEq(a, b);
    for (size_t k = 1; k < p.size(); k++) {
      CHECK(p[k].first > p[k - 1].first);
      CHECK(p[k].second > p[k - 1].second);
    }
    for (auto [i, j] : p) CHECK(a[i] == b[j]);
    // The band is |n - m| + 64 wide: edits this sparse stay inside it.
    CHECK(p.size() == lcs(a, b));
  }
}

TEST_CASE("alignSequences: empty sides and the greedy fallback") {
  CHECK(alignEq({}, {1, 2}).empty());
  CHECK(alignEq({1}, {}).empty());
  // Band cells over the limit: greedy, still order-preserving and correct
  // on identical sequences.
  std::vector<int> a(200000), b(260000);
  for (size_t i = 0; i < a.size(); i++) a[i] = static_cast<int>(i % 1000);
  for (size_t i = 0; i < b.size(); i++) b[i] = static_cast<int>(i % 1000);
  auto p = alignEq(a, b, 64);
  REQUIRE(p.size() == a.size());
  for (size_t k = 1; k < p.size(); k++) CHECK(p[k].second > p[k - 1].second);
}

TEST_CASE("identity classes: exe by comm, libraries by path, bss by library, anon by order") {
  NameTable names;
  VmaLife exe;
  exe.kind = LifeKind::File;
  exe.name = names.intern("/home/u/build-new/myprog-new");
  CHECK(identityClass(exe, names, "myprog-new") == "file:<exe>");
  CHECK(identityClass(exe, names, "other") == "file:/home/u/build-new/myprog-new");
  VmaLife bss;
  bss.kind = LifeKind::Anon;
  bss.name = names.intern("[anon]");
  bss.after = names.intern("/usr/lib/libc.so.6");
  CHECK(identityClass(bss, names, "x") == "anon-after:/usr/lib/libc.so.6");
  VmaLife heap;
  heap.kind = LifeKind::Heap;
  heap.name = names.intern("[heap]");
  heap.image = 1;
  CHECK(identityClass(heap, names, "x") == "exec1:name:[heap]");
}

TEST_CASE("matchLives: versions of a library and a rebuilt executable match weakly") {
  NameTable na, nb;
  std::vector<VmaLife> a(2), b(2);
  auto file = [](VmaLife& l, uint32_t id, NameTable& n, const char* path, uint64_t pgoff) {
    l.id = id;
    l.kind = LifeKind::File;
    l.name = n.intern(path);
    l.pgoff = pgoff;
    l.vm_flags = KMR_VM_READ | KMR_VM_EXEC;
    l.max_pages = 10;
  };
  file(a[0], 0, na, "/usr/lib/libz.so.1.2.13", 0);
  file(b[0], 0, nb, "/usr/lib/libz.so.1.3", 0);
  file(a[1], 1, na, "/tmp/old/prog", 1);
  file(b[1], 1, nb, "/tmp/new/prog", 2);
  MatchResult m = matchLives({a, na, "prog"}, {b, nb, "prog"});
  REQUIRE(m.matched.size() == 2);
  CHECK(m.only_a.empty());
  for (const LifeMatch& x : m.matched) {
    if (x.a == 0) {
      CHECK(x.how == "file name without version");
      CHECK(x.confidence == MatchConfidence::Weak);
    } else {
      CHECK(x.confidence == MatchConfidence::Weak);  // same exe, other offset
    }
  }
}
