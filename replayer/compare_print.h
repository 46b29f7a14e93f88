// Printing a CompareReport: text tables for people, JSON for scripts.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>

#include "compare_report.h"
#include "compare_views.h"
#include "base/style.h"

namespace kmr::replayer {

void printCompareText(const CompareReport& r, const CompareOptions& o, const Style& st,
                      std::ostream& out);
nlohmann::json compareJson(const CompareReport& r, const CompareOptions& o);

// "+12", "-3", "0"; times as "+0.000120s".  Green for more, red for less.
std::string deltaText(int64_t d, bool is_time, const Style& st);

}  // namespace kmr::replayer
