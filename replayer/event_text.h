// One event (or derived VMA operation) as a line of text or a JSON object.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "kmr/event.h"
#include "kmr/vma_map.h"

namespace kmr::replayer {

std::string eventDetails(const Event& ev);
nlohmann::json eventJson(const Event& ev);
std::string opDetails(const VmaOp& op);
nlohmann::json opJson(const VmaOp& op);

// Does the event or op touch [b, e)?
bool eventTouches(const Event& ev, uint64_t b, uint64_t e);
bool opTouches(const VmaOp& op, uint64_t b, uint64_t e);

}  // namespace kmr::replayer
