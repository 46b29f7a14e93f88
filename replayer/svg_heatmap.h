// --svg: a time x address heatmap of a trace in the style of DAMON's damo
// (one band of rows per VMA region, address gaps collapsed, log-scaled
// colour), with resident pages over time per band as lines below it.
//
// SvgCollector listens to a LifeTracker during one replay and bins into a
// HeatGrid (bounded memory); bands are the address ranges VMA lives
// occupied, lives that reused the same addresses sharing one band (a
// buffer mapped, freed and mapped again at the same place is one band).
// renderSvg() lays them out and writes the file; its size is bounded by
// the grid (columns x rows), never by the number of events.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "heat_grid.h"
#include "vma_life.h"

namespace kmr::replayer {

enum class HeatMetric { Faults, FirstTouch, Cow, Resident };
// "faults", "first-touch", "cow", "resident"; nullopt for anything else.
std::optional<HeatMetric> heatMetricFromName(std::string_view s);
std::string_view heatMetricName(HeatMetric m);

// One band: an address range and what lived there.
struct HeatBand {
  uint64_t lo = 0, hi = 0;  // vpns
  std::map<std::string, uint64_t> labels;  // life label -> pages it covered
  uint64_t lives = 0;
  std::vector<uint32_t> resident;  // by column: highest resident pages
  uint64_t activity = 0;           // the metric's total in the band (from the grid)
  uint64_t peak = 0;               // highest resident pages
};

struct SvgInfo {
  std::string title;     // "kmemsynth-targe pid 4242"
  std::string subtitle;  // trace path, window, events
  uint64_t t0 = 0, t1 = 0;  // absolute ns of the window
  uint64_t trace_start = 0;
};

class SvgCollector : public LifeListener {
 public:
  static constexpr unsigned kColumns = 1000;

  SvgCollector(HeatMetric metric, uint64_t t0, uint64_t t1, const LifeTracker& tracker);

  void lifeBegan(const VmaLife& l) override;
  void lifeChanged(const VmaLife& l, const VmaOp& op) override;
  void lifeEnded(const VmaLife& l) override;
  void residentChanged(const VmaLife& l) override;
  void access(const VmaLife* l, const Event& ev) override;
  void pagesChanged(const Event& ev, int64_t delta, const ShadowState& state) override;

  // After the replay: fold the lives still alive, close the columns.
  void finish();

  HeatMetric metric() const { return metric_; }
  const HeatGrid& grid() const { return grid_; }
  const std::vector<HeatBand>& bands() const { return bands_; }
  const std::vector<uint32_t>& totalResident() const { return total_; }

 private:
  struct LifeInfo {
    std::vector<std::pair<uint64_t, uint64_t>> extents;  // vpn ranges it held
    std::string label;
    uint32_t first_col = 0;
    std::vector<uint32_t> resident;  // from first_col: highest in each column
    uint32_t filled = 0;             // last column resident reached
    uint64_t level = 0;
  };
  void note(LifeInfo& info, uint64_t start, uint64_t end);
  void fold(const VmaLife& l, LifeInfo& info);
  void levelTo(std::vector<uint32_t>& cols, uint32_t first, uint64_t old_level, uint64_t level,
               uint32_t& filled, unsigned col);

  HeatMetric metric_;
  const LifeTracker& tracker_;
  HeatGrid grid_;
  std::unordered_map<uint32_t, LifeInfo> live_;
  std::vector<HeatBand> bands_;
  std::map<uint64_t, uint32_t> band_at_;  // lo -> band index (disjoint ranges)
  std::vector<uint32_t> total_;  // process resident pages, highest per column
  uint64_t total_level_ = 0;
  uint32_t total_filled_ = 0;
};

// Lay out and write the SVG.  Returns the number of bands drawn.
size_t renderSvg(const SvgCollector& c, const SvgInfo& info, std::ostream& out);

}  // namespace kmr::replayer
