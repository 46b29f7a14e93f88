// The kernel's side of sharing: two pagemaps.  A page of process X "shares
// its frame with Y" when its pfn is one of the pfns Y's pagemap maps.  The
// trace counts the zero page apart (every process maps it), so a zero-page
// mapping of X matches Y when Y maps the zero page anywhere.
#include "sharing_check.h"

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>

#include "view.h"

namespace kmr::oracle {
namespace {

std::set<uint64_t> presentPfns(const Checkpoint& c) {
  std::set<uint64_t> s;
  for (const auto& [va, e] : c.pagemap)
    if (e & kPmPresent) s.insert(e & kPmPfnMask);
  return s;
}

const nlohmann::json& processOf(const nlohmann::json& j, uint32_t pid) {
  for (const nlohmann::json& p : j.at("processes"))
    if (p.at("pid").get<uint32_t>() == pid) return p;
  throw std::runtime_error("pid " + std::to_string(pid) +
                           " is not among the processes running at the JSON's instant");
}

void compareOne(const nlohmann::json& jx, const Checkpoint& x, const nlohmann::json& jy,
                const Checkpoint& y, std::vector<std::string>& diffs) {
  std::set<uint64_t> ypfns = presentPfns(y);
  if (!ypfns.size()) diffs.push_back("pid " + std::to_string(y.pid) + ": pagemap has no pfns");
  const bool y_zero = jy.at("total").at("zero").get<uint64_t>() > 0;
  const std::string other = std::to_string(y.pid);
  size_t vmas = 0;
  for (const nlohmann::json& v : jx.at("vmas")) {
    uint64_t start = std::stoull(v.at("start").get<std::string>(), nullptr, 16);
    uint64_t end = std::stoull(v.at("end").get<std::string>(), nullptr, 16);
    uint64_t present = 0, match = 0;
    for (auto it = x.pagemap.lower_bound(start); it != x.pagemap.end() && it->first < end; ++it) {
      if (!(it->second & kPmPresent)) continue;
      present++;
      match += ypfns.count(it->second & kPmPfnMask);
    }
    uint64_t got_present = v.at("present").get<uint64_t>();
    uint64_t with = v.at("with").contains(other) ? v.at("with").at(other).get<uint64_t>() : 0;
    uint64_t got_match = with + (y_zero ? v.at("zero").get<uint64_t>() : 0);
    std::string where = "pid " + std::to_string(x.pid) + " vma " + hex(start) + "-" + hex(end) +
                        " " + v.at("name").get<std::string>() + ": ";
    if (got_present != present)
      diffs.push_back(where + "present " + std::to_string(present) + " (pagemap) vs " +
                      std::to_string(got_present) + " (trace)");
    if (got_match != match)
      diffs.push_back(where + "sharing a frame with pid " + other + ": " + std::to_string(match) +
                      " (pagemaps) vs " + std::to_string(got_match) + " (trace)");
    if (v.at("shared").get<uint64_t>() + v.at("own").get<uint64_t>() +
            v.at("zero").get<uint64_t>() !=
        got_present)
      diffs.push_back(where + "shared + own + zero != present");
    vmas++;
  }
  if (!vmas) diffs.push_back("pid " + std::to_string(x.pid) + ": no VMAs in the JSON");
}

}  // namespace

std::vector<std::string> compareSharing(const std::string& json_text, const Checkpoint& a,
                                        const Checkpoint& b) {
  nlohmann::json j = nlohmann::json::parse(json_text);
  std::vector<std::string> diffs;
  uint64_t t = j.at("at").at("mono_ns").get<uint64_t>();
  // Both checkpoints must hold at T: b's is taken around T, a's before and
  // still true (its process is blocked until after b's).
  if (t < b.mono_before || t > b.mono_after)
    diffs.push_back("the JSON's instant mono:" + std::to_string(t) + " is outside " + b.label +
                    "'s [" + std::to_string(b.mono_before) + ", " +
                    std::to_string(b.mono_after) + "]");
  if (a.mono_after > b.mono_before)
    diffs.push_back(a.label + " ends after " + b.label + " begins: not one instant");
  const nlohmann::json& ja = processOf(j, a.pid);
  const nlohmann::json& jb = processOf(j, b.pid);
  compareOne(ja, a, jb, b, diffs);
  compareOne(jb, b, ja, a, diffs);
  return diffs;
}

}  // namespace kmr::oracle
