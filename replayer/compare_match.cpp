#include "compare_match.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

namespace kmr::replayer {
namespace {

constexpr size_t kMaxBandCells = size_t{32} << 20;
constexpr uint32_t kProtMask = KMR_VM_READ | KMR_VM_WRITE | KMR_VM_EXEC | KMR_VM_SHARED;

std::string_view baseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The executable: a file whose name starts with the comm (the kernel keeps
// 15 bytes of it).
bool isExe(std::string_view path, const std::string& comm) {
  if (comm.empty()) return false;
  std::string_view b = baseName(path);
  return b.size() >= comm.size() && b.substr(0, comm.size()) == comm;
}

std::string canonicalPath(std::string_view path, const std::string& comm) {
  return isExe(path, comm) ? "<exe>" : std::string(path);
}

// "libfoo.so.1.2.13" -> "libfoo.so", "libbar-2.3.so" -> "libbar.so".
std::string versionless(std::string_view path) {
  std::string b(baseName(path));
  std::string out;
  for (size_t i = 0; i < b.size(); i++) {
    bool sep = b[i] == '.' || b[i] == '-' || b[i] == '_';
    if (sep && i + 1 < b.size() && std::isdigit(static_cast<unsigned char>(b[i + 1]))) {
      size_t j = i + 1;
      while (j < b.size() && (std::isdigit(static_cast<unsigned char>(b[j])) || b[j] == '.'))
        j++;
      i = j - 1;
      continue;
    }
    out += b[i];
  }
  return out;
}

struct Side {
  const MatchSide& in;
  std::vector<std::string> cls;  // identity class per life id
  std::vector<bool> used;
};

// Creation order within a class: time, then (snapshot lives, all created
// at once) file offset for files and address otherwise.
void sortByCreation(std::vector<uint32_t>& ids, const std::vector<VmaLife>& lives) {
  std::stable_sort(ids.begin(), ids.end(), [&](uint32_t x, uint32_t y) {
    const VmaLife& a = lives[x];
    const VmaLife& b = lives[y];
    if (a.created_ns != b.created_ns) return a.created_ns < b.created_ns;
    if (a.kind == LifeKind::File && a.pgoff != b.pgoff) return a.pgoff < b.pgoff;
    return a.start < b.start;
  });
}

double sizeRatio(const VmaLife& a, const VmaLife& b) {
  uint64_t x = std::max<uint64_t>(a.max_pages, 1), y = std::max<uint64_t>(b.max_pages, 1);
  return static_cast<double>(std::min(x, y)) / static_cast<double>(std::max(x, y));
}

double similarity(const VmaLife& a, const VmaLife& b) {
  bool prot = (a.vm_flags & kProtMask) == (b.vm_flags & kProtMask);
  bool size = a.max_pages == b.max_pages;
  switch (a.kind) {
    case LifeKind::File:
      if (a.pgoff == b.pgoff && prot) return size ? 1.0 : 0.85;
      if (prot) return 0.3 + 0.2 * sizeRatio(a, b);  // another build: the layout moved
      return a.pgoff == b.pgoff ? 0.2 : 0.05;
    case LifeKind::Anon:
      if (!prot) return 0;
      return size ? 1.0 : 0.2 + 0.5 * sizeRatio(a, b);
    default:  // by name
      return prot ? (size ? 1.0 : 0.9) : 0.6;
  }
}

// The identity beyond the class: what must be unique on both sides for an
// exact match.
std::string fineKey(const VmaLife& l) {
  switch (l.kind) {
    case LifeKind::File:
      return std::to_string(l.pgoff) + "/" + std::to_string(l.vm_flags & kProtMask);
    case LifeKind::Anon:
      return std::to_string(l.vm_flags & kProtMask) + "/" + std::to_string(l.max_pages);
    default:
      return {};
  }
}

std::string howText(const VmaLife& l, bool fallback) {
  if (fallback) return "file name without version";
  switch (l.kind) {
    case LifeKind::File: return "path+offset";
    case LifeKind::Anon: return l.after != NameTable::kNone ? "after file" : "creation order";
    default: return "name";
  }
}

void alignClass(Side& sa, Side& sb, std::vector<uint32_t> ia, std::vector<uint32_t> ib,
                bool fallback, MatchResult& out) {
  const auto& la = sa.in.lives;
  const auto& lb = sb.in.lives;
  sortByCreation(ia, la);
  sortByCreation(ib, lb);
  auto pairs = alignSequences(ia.size(), ib.size(), [&](size_t i, size_t j) {
    double s = similarity(la[ia[i]], lb[ib[j]]);
    return s;
  });
  std::map<std::string, std::pair<int, int>> fine;
  for (uint32_t id : ia) fine[fineKey(la[id])].first++;
  for (uint32_t id : ib) fine[fineKey(lb[id])].second++;
  for (auto [i, j] : pairs) {
    const VmaLife& a = la[ia[i]];
    const VmaLife& b = lb[ib[j]];
    LifeMatch m;
    m.a = a.id;
    m.b = b.id;
    std::string fa = fineKey(a), fb = fineKey(b);
    bool same_prot = (a.vm_flags & kProtMask) == (b.vm_flags & kProtMask);
    bool unique = fa == fb && fine[fa].first == 1 && fine[fa].second == 1;
    bool anon_by_order = a.kind == LifeKind::Anon && a.after == NameTable::kNone;
    if (fallback) m.confidence = MatchConfidence::Weak;
    else if (unique && same_prot && !anon_by_order && (a.kind != LifeKind::File || a.pgoff == b.pgoff))
      m.confidence = MatchConfidence::Exact;
    else if (fa == fb && same_prot && a.max_pages == b.max_pages)
      m.confidence = MatchConfidence::Strong;
    else m.confidence = MatchConfidence::Weak;
    m.how = howText(a, fallback);
    sa.used[a.id] = true;
    sb.used[b.id] = true;
    out.matched.push_back(std::move(m));
  }
}

// Group the unused lives of each side by key and align groups with equal keys.
void matchBy(Side& sa, Side& sb, const std::function<std::string(const VmaLife&, const Side&)>& key,
             bool fallback, MatchResult& out) {
  std::map<std::string, std::pair<std::vector<uint32_t>, std::vector<uint32_t>>> groups;
  for (const VmaLife& l : sa.in.lives)
    if (!sa.used[l.id]) {
      std::string k = key(l, sa);
      if (!k.empty()) groups[k].first.push_back(l.id);
    }
  for (const VmaLife& l : sb.in.lives)
    if (!sb.used[l.id]) {
      std::string k = key(l, sb);
      if (!k.empty()) groups[k].second.push_back(l.id);
    }
  for (auto& [k, g] : groups)
    if (!g.first.empty() && !g.second.empty())
      alignClass(sa, sb, std::move(g.first), std::move(g.second), fallback, out);
}

}  // namespace

std::string_view confidenceName(MatchConfidence c) {
  switch (c) {
    case MatchConfidence::Exact: return "exact";
    case MatchConfidence::Strong: return "strong";
    case MatchConfidence::Weak: return "weak";
  }
  return "?";
}

std::string identityClass(const VmaLife& l, const NameTable& names, const std::string& comm) {
  std::string prefix = l.image ? "exec" + std::to_string(l.image) + ":" : "";
  switch (l.kind) {
    case LifeKind::File: return prefix + "file:" + canonicalPath(names.str(l.name), comm);
    case LifeKind::Anon:
      if (l.after != NameTable::kNone)
        return prefix + "anon-after:" + canonicalPath(names.str(l.after), comm);
      return prefix + "anon";
    default: return prefix + "name:" + names.str(l.name);
  }
}

std::vector<std::pair<size_t, size_t>> alignSequences(
    size_t n, size_t m, const std::function<double(size_t, size_t)>& score, size_t slack) {
  std::vector<std::pair<size_t, size_t>> out;
  if (n == 0 || m == 0) return out;
  size_t w = slack + (n > m ? n - m : m - n);
  size_t width = std::min(2 * w + 1, m + 1);
  if ((n + 1) > kMaxBandCells / width) {
    // Greedy: walk both sequences, pairing within a short look-ahead.
    size_t i = 0, j = 0;
    const size_t k = slack;
    while (i < n && j < m) {
      double best = 0;
      size_t bi = 0, bj = 0;
      for (size_t d = 0; d <= k && best < 1.0; d++) {
        for (auto [x, y] : {std::pair{i, j + d}, std::pair{i + d, j}}) {
          if (x >= n || y >= m) continue;
          double s = score(x, y);
          if (s > best + 1e-9) {
            best = s;
            bi = x;
            bj = y;
          }
        }
      }
      if (best > 0) {
        out.emplace_back(bi, bj);
        i = bi + 1;
        j = bj + 1;
      } else {
        i++;
      }
    }
    return out;
  }
  // Banded DP: row i covers columns [lo(i), lo(i) + width) clipped to [0, m].
  auto lo = [&](size_t i) -> size_t {
    size_t c = static_cast<size_t>((static_cast<unsigned __int128>(i) * m) / n);
    size_t l = c > width / 2 ? c - width / 2 : 0;
    return std::min(l, m + 1 - width);
  };
  constexpr double kNeg = -std::numeric_limits<double>::infinity();
  std::vector<double> prev(width, kNeg), cur(width, kNeg);
  std::vector<uint8_t> back((n + 1) * width, 0);  // 0 up, 1 left, 2 diagonal
  size_t plo = lo(0);
  for (size_t x = 0; x < width; x++) {
    prev[x] = 0;
    back[x] = 1;
  }
  for (size_t i = 1; i <= n; i++) {
    size_t l = lo(i);
    for (size_t x = 0; x < width; x++) {
      size_t j = l + x;
      double best = kNeg;
      uint8_t how = 0;
      if (j >= plo && j < plo + width) {
        best = prev[j - plo];
        how = 0;
      }
      if (x > 0 && cur[x - 1] > best) {
        best = cur[x - 1];
        how = 1;
      }
      if (j > 0 && j - 1 >= plo && j - 1 < plo + width && prev[j - 1 - plo] != kNeg) {
        double s = score(i - 1, j - 1);
        if (s > 0 && prev[j - 1 - plo] + s > best) {
          best = prev[j - 1 - plo] + s;
          how = 2;
        }
      }
      if (j == 0) {
        best = 0;
        how = 0;
      }
      cur[x] = best;
      back[i * width + x] = how;
    }
    std::swap(prev, cur);
    plo = l;
  }
  size_t i = n, j = m;
  while (i > 0 && j > 0) {
    size_t x = j - lo(i);
    uint8_t how = back[i * width + x];
    if (how == 2) {
      out.emplace_back(i - 1, j - 1);
      i--;
      j--;
    } else if (how == 1) {
      j--;
    } else {
      i--;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

MatchResult matchLives(const MatchSide& a, const MatchSide& b) {
  Side sa{a, {}, std::vector<bool>(a.lives.size(), false)};
  Side sb{b, {}, std::vector<bool>(b.lives.size(), false)};
  MatchResult out;
  matchBy(sa, sb, [](const VmaLife& l, const Side& s) {
    return identityClass(l, s.in.names, s.in.comm);
  }, false, out);
  matchBy(sa, sb, [](const VmaLife& l, const Side& s) -> std::string {
    if (l.kind != LifeKind::File) return {};
    return (l.image ? "exec" + std::to_string(l.image) + ":" : "") +
           versionless(s.in.names.str(l.name));
  }, true, out);
  // A bss whose library did not match, or the reverse: by creation order.
  matchBy(sa, sb, [](const VmaLife& l, const Side&) -> std::string {
    if (l.kind != LifeKind::Anon) return {};
    return (l.image ? "exec" + std::to_string(l.image) + ":" : "") + "anon";
  }, false, out);
  for (const VmaLife& l : a.lives)
    if (!sa.used[l.id]) out.only_a.push_back(l.id);
  for (const VmaLife& l : b.lives)
    if (!sb.used[l.id]) out.only_b.push_back(l.id);
  return out;
}

}  // namespace kmr::replayer
