// The shadow page table as text or JSON: `kmemreplay --at` and the
// recorder's live view (`kmemrec --live`) print the same thing.
//
// Rows are runs of present pages (consecutive virtual pages whose pfns go
// up or down by one with equal flags), split at VMA boundaries, each with
// the VMA it belongs to; VMAs without present pages get a row too.  Pages
// whose state is unknown (after lost events or damage) are marked '?' and
// show their last known value.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "kmr/state.h"
#include "base/style.h"

namespace kmr {

struct DisplayRun {
  uint64_t vpn = 0;
  uint64_t pages = 0;
  uint64_t pfn = 0;  // of the first page
  int step = 1;      // +1 or -1: pfn of page i = pfn + step * i
  uint32_t flags = 0;
  bool unknown = false;
};

// Runs of [vpn_begin, vpn_end) (no VMA splitting).
std::vector<DisplayRun> displayRuns(const ShadowState& s, uint64_t vpn_begin, uint64_t vpn_end);

struct StateRenderOptions {
  uint64_t start = 0;           // address range shown
  uint64_t end = UINT64_MAX;
  bool legend = true;           // the flags legend line at the end
};

void printState(std::ostream& out, const ShadowState& s, const StateRenderOptions& o,
                const Style& style);
nlohmann::json stateJson(const ShadowState& s, const StateRenderOptions& o);
nlohmann::json runJson(const DisplayRun& r);
nlohmann::json vmaJson(const Vma& v);

}  // namespace kmr
