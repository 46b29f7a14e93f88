#include "replay_json.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace kmr::oracle {
namespace {

void addRuns(const nlohmann::json& runs, TraceState* s) {
  for (const auto& r : runs) {
    uint64_t va = r.at("vaddr").get<uint64_t>(), pages = r.at("pages").get<uint64_t>();
    uint64_t pfn = r.at("pfn").get<uint64_t>();
    int64_t step = r.value("step", 1);
    uint32_t flags = r.at("flags").get<uint32_t>();
    if (r.value("unknown", false)) s->unknown.push_back({va, va + pages * 4096});
    for (uint64_t i = 0; i < pages; i++)
      s->ptes.push_back({va + i * 4096, KMR_PTE_MAKE(pfn + step * int64_t(i), flags), 12});
  }
}

}  // namespace

// The shape is kmemreplay's stateJson() (replayer/state_render.cpp); this is
// the only file of the oracle that knows it.
TraceState parseReplayJson(const std::string& text) {
  TraceState s;
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    for (const auto& v : j.at("vmas")) {
      TraceVma t;
      t.start = v.at("start").get<uint64_t>();
      t.end = v.at("end").get<uint64_t>();
      t.pgoff = v.at("pgoff").get<uint64_t>();
      t.ino = v.at("ino").get<uint64_t>();
      t.dev = v.at("dev").get<uint32_t>();
      t.vm_flags = v.at("vm_flags").get<uint32_t>();
      t.vma_flags = v.at("flags").get<uint32_t>();
      t.name = v.at("name").get<std::string>();
      // kmemreplay shows an unnamed mapping as "[anon]"; maps shows nothing.
      if (t.name == "[anon]") t.name.clear();
      if (v.value("unknown", false)) s.unknown.push_back({t.start, t.end});
      s.vmas.push_back(t);
      addRuns(v.at("runs"), &s);
    }
    addRuns(j.at("pages_outside_vmas"), &s);
    for (const auto& r : j.at("unknown_pages")) s.unknown.push_back({r.at(0), r.at(1)});
    for (const auto& r : j.at("unknown_vmas")) s.unknown.push_back({r.at(0), r.at(1)});
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not kmemreplay's --json state: ") + e.what());
  }
  return s;
}

}  // namespace kmr::oracle
