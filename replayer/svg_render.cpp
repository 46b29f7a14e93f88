// Lays out and writes the --svg picture:
//
//   title, what is shown, colour scale (log)
//   heatmap: one band per VMA region (labels left, addresses right),
//            bands' heights by the square root of their share of the metric
//            (at least 14 px), gaps between regions collapsed; time runs
//            left to right over 1000 columns
//   time axis
//   resident pages over time: the 8 regions with the highest peak, the
//            rest summed, and the whole process
//
// Cells are drawn as horizontal stroke runs, one <path> per colour level
// and band, in grid units scaled by a transform: a few bytes per run, and
// at most columns x rows runs, so the file stays small for any trace.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/abi_names.h"
#include "base/numbers.h"
#include "svg_heatmap.h"
#include "utf8.h"

namespace kmr::replayer {
namespace {

constexpr int kWidth = 1400, kHeight = 1000;
constexpr int kPlotX = 300, kPlotW = 1000;  // one pixel per column
constexpr int kHeatY = 92, kHeatH = 560;
constexpr int kMinBandH = 14, kBandGap = 2;
constexpr int kLinesY = kHeatY + kHeatH + 56, kLinesH = 190;
constexpr size_t kMaxBands = 40, kKeepBands = 28, kLines = 8;
constexpr int kLevels = 12;

// Light to dark (YlOrRd, then deep purple): low counts pale, high dark.
const char* const kHeatColours[kLevels] = {"#fed976", "#feb24c", "#fd9f3e", "#fd8d3c",
                                           "#fc6c2f", "#f24a24", "#e31a1c", "#c70824",
                                           "#a8002a", "#82002b", "#5c0030", "#3b0033"};
const char* const kLineColours[kLines] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                          "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string esc(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default:
        if (c < 0x20) {
          o += ' ';
        } else if (size_t n = utf8Length(s, i)) {
          o.append(s.data() + i, n);
          i += n - 1;
        } else {
          o += "\xef\xbf\xbd";  // U+FFFD: the file stays valid whatever a name holds
        }
    }
  }
  return o;
}

std::string fmt(const char* f, double v) {
  char b[48];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string shorten(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return "..." + s.substr(s.size() - (max - 3));
}

// A band as drawn: one VMA region, or several quiet neighbours merged.
struct Drawn {
  std::vector<size_t> members;  // indices into the collector's bands
  uint64_t lo = 0, hi = 0;
  uint64_t activity = 0;
  std::vector<std::pair<uint64_t, const uint32_t*>> granules;  // (vpn, cells) in address order
  int y = 0, h = 0, rows = 1;
  int line = -1;  // colour of its resident line, -1 = none
};

std::string label(const Drawn& d, const std::vector<HeatBand>& bands) {
  if (d.members.empty()) return "(outside every VMA)";
  std::map<std::string, uint64_t> labels;
  uint64_t lives = 0;
  for (size_t m : d.members) {
    for (auto& [n, p] : bands[m].labels) labels[n] += p;
    lives += bands[m].lives;
  }
  std::string best;
  uint64_t most = 0;
  for (auto& [n, p] : labels)
    if (p > most) {
      most = p;
      best = n;
    }
  if (d.members.size() > 1) return best + " +" + std::to_string(d.members.size() - 1) + " regions";
  if (labels.size() > 1) return best + " +" + std::to_string(labels.size() - 1) + " more";
  return best;
}

std::string detail(const Drawn& d, const std::vector<HeatBand>& bands) {
  uint64_t lives = 0;
  for (size_t m : d.members) lives += bands[m].lives;
  std::string s = bytesText((d.hi - d.lo) * 4096);
  if (lives > 1) s += ", " + std::to_string(lives) + " mappings";
  return s;
}

// 1, 2 or 5 times a power of ten, so that span / step is about `want`.
double niceStep(double span, int want) {
  double raw = span / want;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string secondsText(double s, double step) {
  int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char b[32];
  std::snprintf(b, sizeof b, "%.*fs", std::min(decimals, 9), s);
  return b;
}

void text(std::ostream& o, int x, int y, const char* cls, const std::string& s,
          const char* anchor = nullptr) {
  o << "<text x=\"" << x << "\" y=\"" << y << "\" class=\"" << cls << '"';
  if (anchor) o << " text-anchor=\"" << anchor << '"';
  o << '>' << esc(s) << "</text>\n";
}

// Granules grouped by the band that holds most of each (index
// bands.size(): outside every band), and each group's summed activity.
struct Granules {
  std::vector<std::vector<std::pair<uint64_t, const uint32_t*>>> per;
  std::vector<uint64_t> activity;
};

Granules assignGranules(const std::vector<HeatBand>& bands, const HeatGrid& grid) {
  Granules g;
  g.per.resize(bands.size() + 1);
  // A granule (aligned, maybe bigger than a small VMA) goes to the band
  // holding most of it.
  grid.forEachGranule([&](uint64_t lo, uint64_t hi, const uint32_t* cells) {
    auto it = std::lower_bound(bands.begin(), bands.end(), hi,
                               [](const HeatBand& b, uint64_t v) { return b.lo < v; });
    size_t best = bands.size();
    uint64_t most = 0;
    while (it != bands.begin()) {
      --it;
      if (it->hi <= lo) break;
      uint64_t overlap = std::min(hi, it->hi) - std::max(lo, it->lo);
      if (overlap > most) {
        most = overlap;
        best = static_cast<size_t>(it - bands.begin());
      }
    }
    g.per[best].emplace_back(lo, cells);
  });
  g.activity.assign(bands.size() + 1, 0);
  for (size_t i = 0; i < g.per.size(); i++)
    for (auto& [lo, cells] : g.per[i])
      for (unsigned k = 0; k < grid.columns(); k++) g.activity[i] += cells[k];
  return g;
}

// The bands drawn: the regions with any activity; beyond kMaxBands, the
// busiest kKeepBands stay and the quiet ones between them merge.  The
// granules outside every region make a band of their own.  *quiet gets
// the number of regions without activity.
std::vector<Drawn> chooseBands(const std::vector<HeatBand>& bands, const Granules& g,
                               unsigned shift, size_t* quiet) {
  std::vector<size_t> shown;
  for (size_t i = 0; i < bands.size(); i++)
    if (g.activity[i]) shown.push_back(i);
  *quiet = bands.size() - shown.size();
  std::vector<bool> keep(bands.size(), true);
  if (shown.size() > kMaxBands) {
    std::vector<size_t> by = shown;
    std::sort(by.begin(), by.end(),
              [&](size_t a, size_t b) { return g.activity[a] > g.activity[b]; });
    std::fill(keep.begin(), keep.end(), false);
    for (size_t k = 0; k < kKeepBands; k++) keep[by[k]] = true;
  }
  std::vector<Drawn> drawn;
  bool merging = false;  // the last band drawn collects quiet regions
  for (size_t i : shown) {
    if (keep[i] || !merging) {
      drawn.emplace_back();
      drawn.back().lo = bands[i].lo;
    }
    merging = !keep[i];
    Drawn& d = drawn.back();
    d.members.push_back(i);
    d.hi = bands[i].hi;
    d.activity += g.activity[i];
    d.granules.insert(d.granules.end(), g.per[i].begin(), g.per[i].end());
  }
  if (g.activity[bands.size()]) {
    Drawn d;
    d.activity = g.activity[bands.size()];
    d.granules = g.per[bands.size()];
    d.lo = d.granules.front().first;
    d.hi = d.granules.back().first + (uint64_t{1} << shift);
    drawn.push_back(std::move(d));
  }
  return drawn;
}

// Heights: at least kMinBandH, the rest by sqrt(activity); rows per band.
void layOut(std::vector<Drawn>& drawn, unsigned shift) {
  int n = static_cast<int>(drawn.size());
  int spare = kHeatH - n * (kMinBandH + kBandGap);
  double wsum = 0;
  for (const Drawn& d : drawn) wsum += std::sqrt(static_cast<double>(d.activity));
  int y = kHeatY;
  for (Drawn& d : drawn) {
    int extra = wsum > 0 && spare > 0
                    ? static_cast<int>(spare * std::sqrt(static_cast<double>(d.activity)) / wsum)
                    : 0;
    d.y = y;
    d.h = kMinBandH + extra;
    uint64_t span = (d.hi - d.lo + (uint64_t{1} << shift) - 1) >> shift;
    uint64_t want = d.members.size() > 1 || d.members.empty() ? d.granules.size() : span;
    d.rows = static_cast<int>(std::clamp<uint64_t>(want, 1, static_cast<uint64_t>(d.h / 2)));
    y += d.h + kBandGap;
  }
}

// Each band's granules bucketed into its rows (rows x columns values), and
// the highest value of all, which sets the colour scale.
struct Cells {
  std::vector<std::vector<uint64_t>> band;
  uint64_t vmax = 0;

  // The colour level of @v (-1: not drawn), log-scaled to vmax.
  int level(uint64_t v) const {
    if (v == 0) return -1;
    if (vmax <= 1) return kLevels - 1;
    double f = std::log(static_cast<double>(v)) / std::log(static_cast<double>(vmax));
    return std::clamp(static_cast<int>(f * (kLevels - 1) + 0.5), 0, kLevels - 1);
  }
  // The value at the bottom of level @l.
  double levelValue(int l) const {
    if (vmax <= 1) return static_cast<double>(vmax);
    return std::exp(std::log(static_cast<double>(vmax)) * l / (kLevels - 1));
  }
};

Cells bucketCells(const std::vector<Drawn>& drawn, unsigned cols) {
  Cells c;
  c.band.resize(drawn.size());
  for (size_t b = 0; b < drawn.size(); b++) {
    const Drawn& d = drawn[b];
    c.band[b].assign(static_cast<size_t>(d.rows) * cols, 0);
    bool by_rank = d.members.size() != 1;
    for (size_t g = 0; g < d.granules.size(); g++) {
      auto [lo, src] = d.granules[g];
      uint64_t r = by_rank ? g * d.rows / d.granules.size()
                           : (lo - std::min(lo, d.lo)) * d.rows / std::max<uint64_t>(d.hi - d.lo, 1);
      if (r >= static_cast<uint64_t>(d.rows)) r = d.rows - 1;
      uint64_t* row = &c.band[b][r * cols];
      for (unsigned k = 0; k < cols; k++) row[k] += src[k];
    }
    for (uint64_t v : c.band[b]) c.vmax = std::max(c.vmax, v);
  }
  return c;
}

// The resident lines: the kLines bands with the highest peaks, by peak;
// *line_of gets each band's line (-1 = none) and drawn bands their colour.
std::vector<size_t> chooseLines(const std::vector<HeatBand>& bands, std::vector<Drawn>& drawn,
                                std::vector<int>* line_of) {
  std::vector<size_t> by_peak;
  for (size_t i = 0; i < bands.size(); i++)
    if (bands[i].peak) by_peak.push_back(i);
  std::sort(by_peak.begin(), by_peak.end(),
            [&](size_t a, size_t b) { return bands[a].peak > bands[b].peak; });
  if (by_peak.size() > kLines) by_peak.resize(kLines);
  line_of->assign(bands.size(), -1);
  for (size_t k = 0; k < by_peak.size(); k++) (*line_of)[by_peak[k]] = static_cast<int>(k);
  for (Drawn& d : drawn)
    if (d.members.size() == 1) d.line = (*line_of)[d.members[0]];
  return by_peak;
}

// How the metric is named in titles and scales.
struct MetricText {
  std::string name;        // "page faults"
  const char* unit;        // "faults per cell"
  const char* unit_short;  // "faults"
};

MetricText metricText(HeatMetric m) {
  return {m == HeatMetric::Faults       ? "page faults"
          : m == HeatMetric::Cow        ? "copy-on-write faults"
          : m == HeatMetric::FirstTouch ? "first touches"
                                        : "resident pages",
          m == HeatMetric::Faults       ? "faults per cell"
          : m == HeatMetric::Cow        ? "CoW faults per cell"
          : m == HeatMetric::FirstTouch ? "pages first touched per cell"
                                        : "resident pages (peak in cell)",
          m == HeatMetric::Faults ? "faults" : m == HeatMetric::Cow ? "CoW" : "pages"};
}

// The document head, styles, titles and the colour scale.
void writeHead(std::ostream& o, const SvgInfo& info, const MetricText& mt, const Cells& cells,
               size_t drawn, size_t quiet, double span_s, unsigned cols) {
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << ' ' << kHeight << "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
    << "<style>\n"
    << "text{fill:#222}.t{font-size:18px;font-weight:bold}.s{font-size:12px;fill:#555}"
    << ".bl{font-size:11px}.bd{font-size:9px;fill:#777}.ax{font-size:10px;fill:#444}"
    << ".ad{font-size:9px;fill:#666;font-family:DejaVu Sans Mono,monospace}"
    << ".h path{fill:none;stroke-width:1;shape-rendering:crispEdges}"
    << ".bg{fill:#f2f2f2}.grid{stroke:#ddd;stroke-width:1}"
    << ".ln{fill:none;stroke-width:1.5;stroke-linejoin:round}\n";
  for (int l = 0; l < kLevels; l++) o << ".l" << l << "{stroke:" << kHeatColours[l] << "}";
  o << "\n</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  text(o, 20, 30, "t", info.title + " \u2014 " + mt.name + " over time and address");
  text(o, 20, 50, "s", info.subtitle);
  text(o, 20, 68, "s",
       std::to_string(drawn) + " of " + std::to_string(drawn + quiet) +
           " VMA regions shown (those with " + mt.name + ")" +
           "; address gaps collapsed; column = " + fmt("%.3g", span_s * 1000 / cols) + " ms");

  // Colour scale.
  int lx = kPlotX + kPlotW - kLevels * 20;
  text(o, lx - 8, 66, "ax", std::string(mt.unit) + " (log):", "end");
  for (int l = 0; l < kLevels; l++)
    o << "<rect x=\"" << lx + l * 20 << "\" y=\"56\" width=\"20\" height=\"12\" fill=\""
      << kHeatColours[l] << "\"/>\n";
  text(o, lx, 80, "ax", "1");
  text(o, lx + kLevels * 10, 80, "ax", fmt("%.0f", cells.levelValue(kLevels / 2)), "middle");
  text(o, lx + kLevels * 20, 80, "ax", std::to_string(cells.vmax), "end");
}

// One colour level of a band: horizontal stroke runs, one path.
std::string levelPath(const std::vector<uint64_t>& band_cells, int rows, unsigned cols,
                      const Cells& cells, int l) {
  std::string path;
  for (int r = 0; r < rows; r++) {
    const uint64_t* row = &band_cells[static_cast<size_t>(r) * cols];
    bool first_in_row = true;
    unsigned at = 0;  // current point after the last run
    for (unsigned k = 0; k < cols;) {
      if (cells.level(row[k]) != l) {
        k++;
        continue;
      }
      unsigned e = k + 1;
      while (e < cols && cells.level(row[e]) == l) e++;
      if (first_in_row) {
        path += "M" + std::to_string(k) + ' ' + std::to_string(r) + ".5";
        first_in_row = false;
      } else {
        path += "m" + std::to_string(k - at) + " 0";
      }
      path += "h" + std::to_string(e - k);
      at = e;
      k = e;
    }
  }
  return path;
}

// The heatmap: each band's background, cells, labels and addresses.
void writeBands(std::ostream& o, const std::vector<Drawn>& drawn, const std::vector<HeatBand>& bands,
                const Cells& cells, const MetricText& mt, HeatMetric m, unsigned cols) {
  if (drawn.empty())
    text(o, kPlotX + kPlotW / 2, kHeatY + kHeatH / 2, "s", "no " + mt.name + " in this window",
         "middle");
  for (size_t b = 0; b < drawn.size(); b++) {
    const Drawn& d = drawn[b];
    std::string name = label(d, bands);
    o << "<rect class=\"bg\" x=\"" << kPlotX << "\" y=\"" << d.y << "\" width=\"" << kPlotW
      << "\" height=\"" << d.h << "\"><title>" << esc(name) << "\n"
      << hex(d.lo * 4096) << "-" << hex(d.hi * 4096) << " (" << esc(detail(d, bands)) << ")\n"
      << d.activity << ' ' << esc(mt.unit) << " summed</title></rect>\n";
    double rowh = static_cast<double>(d.h) / d.rows;
    o << "<g class=\"h\" transform=\"translate(" << kPlotX << ' ' << d.y << ") scale(1 "
      << fmt("%.4g", rowh) << ")\">\n";
    for (int l = 0; l < kLevels; l++) {
      std::string path = levelPath(cells.band[b], d.rows, cols, cells, l);
      if (!path.empty()) o << "<path class=\"l" << l << "\" d=\"" << path << "\"/>\n";
    }
    o << "</g>\n";
    int mid = d.y + d.h / 2 + (d.h >= 26 ? -1 : 4);
    text(o, kPlotX - 8, mid, "bl", shorten(name, 44), "end");
    if (d.h >= 26)
      text(o, kPlotX - 8, mid + 11, "bd", detail(d, bands) + ", " + std::to_string(d.activity) + " " +
           (m == HeatMetric::Resident ? "page-columns" : mt.unit_short), "end");
    if (d.line >= 0)
      o << "<rect x=\"" << kPlotX - 6 << "\" y=\"" << d.y << "\" width=\"4\" height=\"" << d.h
        << "\" fill=\"" << kLineColours[d.line] << "\"/>\n";
    text(o, kPlotX + kPlotW + 6, d.y + 9, "ad", hex(d.lo * 4096));
    if (d.h >= 24) text(o, kPlotX + kPlotW + 6, d.y + d.h - 2, "ad", hex(d.hi * 4096));
  }
}

// The time axis, shared by both plots.
void writeTimeAxis(std::ostream& o, double t0_s, double span_s) {
  int axis_y = kHeatY + kHeatH + 4;
  double step = niceStep(span_s > 0 ? span_s : 1e-9, 10);
  o << "<line class=\"grid\" x1=\"" << kPlotX << "\" y1=\"" << axis_y << "\" x2=\"" << kPlotX + kPlotW
    << "\" y2=\"" << axis_y << "\" stroke=\"#888\"/>\n";
  for (double s = std::ceil(t0_s / step) * step; span_s > 0 && s <= t0_s + span_s + step * 1e-6; s += step) {
    int x = kPlotX + static_cast<int>((s - t0_s) / span_s * kPlotW);
    o << "<line x1=\"" << x << "\" y1=\"" << axis_y << "\" x2=\"" << x << "\" y2=\"" << axis_y + 5
      << "\" stroke=\"#888\"/>\n";
    text(o, x, axis_y + 17, "ax", secondsText(s, step), "middle");
  }
  text(o, kPlotX + kPlotW / 2, axis_y + 32, "s", "time since the trace started", "middle");
}

// Resident pages over time: the whole process, the bands with the highest
// peaks, the rest summed; a legend under the chart.
void writeResident(std::ostream& o, const SvgCollector& c, const std::vector<size_t>& by_peak,
                   const std::vector<int>& line_of, unsigned cols) {
  const std::vector<HeatBand>& bands = c.bands();
  const std::vector<uint32_t>& total = c.totalResident();
  std::vector<uint64_t> other(cols, 0);
  for (size_t i = 0; i < bands.size(); i++)
    if (line_of[i] < 0)
      for (unsigned k = 0; k < cols && k < bands[i].resident.size(); k++) other[k] += bands[i].resident[k];
  uint64_t ymax = 1;
  for (uint32_t v : total) ymax = std::max<uint64_t>(ymax, v);
  for (size_t i : by_peak) ymax = std::max(ymax, bands[i].peak);
  for (uint64_t v : other) ymax = std::max(ymax, v);
  double ymax_mib = static_cast<double>(ymax) * 4096 / (1 << 20);
  double ystep = niceStep(ymax_mib, 4);
  double ytop = std::ceil(ymax_mib / ystep) * ystep;
  text(o, 20, kLinesY - 10, "s", "resident memory over time (MiB), highest per column");
  for (double v = 0; v <= ytop + ystep * 1e-6; v += ystep) {
    int yy = kLinesY + kLinesH - static_cast<int>(v / ytop * kLinesH);
    o << "<line class=\"grid\" x1=\"" << kPlotX << "\" y1=\"" << yy << "\" x2=\"" << kPlotX + kPlotW
      << "\" y2=\"" << yy << "\"/>\n";
    text(o, kPlotX - 6, yy + 3, "ax", fmt(ystep < 1 ? "%.2f" : "%.0f", v), "end");
  }
  auto polyline = [&](auto value, const char* colour, const char* extra) {
    o << "<polyline class=\"ln\" stroke=\"" << colour << '"' << extra << " points=\"";
    for (unsigned k = 0; k < cols; k++) {
      double v = static_cast<double>(value(k)) * 4096 / (1 << 20);
      o << kPlotX + k << ',' << fmt("%.1f", kLinesY + kLinesH - v / ytop * kLinesH) << ' ';
    }
    o << "\"/>\n";
  };
  polyline([&](unsigned k) { return k < total.size() ? total[k] : 0; }, "#000", " stroke-width=\"1\"");
  bool any_other = std::any_of(other.begin(), other.end(), [](uint64_t v) { return v != 0; });
  if (any_other) polyline([&](unsigned k) { return other[k]; }, "#999", " stroke-dasharray=\"4 3\"");
  for (size_t k = 0; k < by_peak.size(); k++)
    polyline([&](unsigned col) { return bands[by_peak[k]].resident[col]; }, kLineColours[k], "");
  // Legend: two columns of entries under the chart.
  int ly = kLinesY + kLinesH + 24;
  std::vector<std::pair<std::string, std::string>> entries;  // colour, text
  entries.emplace_back("#000", "whole process");
  if (any_other) entries.emplace_back("#999", "all other regions");
  for (size_t k = 0; k < by_peak.size(); k++) {
    Drawn one;
    one.members = {by_peak[k]};
    one.lo = bands[by_peak[k]].lo;
    one.hi = bands[by_peak[k]].hi;
    entries.emplace_back(kLineColours[k], shorten(label(one, bands), 40) + " (peak " +
                                              bytesText(bands[by_peak[k]].peak * 4096) + ")");
  }
  for (size_t e = 0; e < entries.size(); e++) {
    int x = 20 + static_cast<int>(e % 4) * 345, yy = ly + static_cast<int>(e / 4) * 16;
    o << "<rect x=\"" << x << "\" y=\"" << yy - 8 << "\" width=\"14\" height=\"3\" fill=\""
      << entries[e].first << "\"/>\n";
    text(o, x + 18, yy - 3, "ax", entries[e].second);
  }
}

}  // namespace

size_t renderSvg(const SvgCollector& c, const SvgInfo& info, std::ostream& o) {
  const std::vector<HeatBand>& bands = c.bands();
  const HeatGrid& grid = c.grid();
  const unsigned cols = grid.columns();

  // Layout: which bands, how tall, which cells, which lines.
  size_t quiet = 0;
  std::vector<Drawn> drawn = chooseBands(bands, assignGranules(bands, grid), grid.shift(), &quiet);
  layOut(drawn, grid.shift());
  const Cells cells = bucketCells(drawn, cols);
  std::vector<int> line_of;
  const std::vector<size_t> by_peak = chooseLines(bands, drawn, &line_of);

  // Writing.
  double span_s = static_cast<double>(grid.t1() - grid.t0()) / 1e9;
  double t0_s = static_cast<double>(grid.t0() - std::min(grid.t0(), info.trace_start)) / 1e9;
  const MetricText mt = metricText(c.metric());
  writeHead(o, info, mt, cells, drawn.size(), quiet, span_s, cols);
  writeBands(o, drawn, bands, cells, mt, c.metric(), cols);
  writeTimeAxis(o, t0_s, span_s);
  writeResident(o, c, by_peak, line_of, cols);
  o << "</svg>\n";
  return drawn.size();
}

}  // namespace kmr::replayer
