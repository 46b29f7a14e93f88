#include "kmr/seek_table.h"

#include "kmr/le_bytes.h"

namespace kmr::detail {

std::vector<uint8_t> encodeSeekTable(std::span<const SeekEntry> entries) {
  std::vector<uint8_t> b(kSkippableHeaderSize + entries.size() * 8 + kSeekFooterSize);
  storeLe32(b.data(), kSeekTableMagic);
  storeLe32(b.data() + 4, static_cast<uint32_t>(b.size() - kSkippableHeaderSize));
  uint8_t* p = b.data() + kSkippableHeaderSize;
  for (const SeekEntry& e : entries) {
    storeLe32(p, e.compressed);
    storeLe32(p + 4, e.decompressed);
    p += 8;
  }
  storeLe32(p, static_cast<uint32_t>(entries.size()));
  p[4] = 0;
  storeLe32(p + 5, kSeekableFooterMagic);
  return b;
}

std::optional<SeekTable> decodeSeekTable(std::span<const uint8_t> file) {
  if (file.size() < kSkippableHeaderSize + kSeekFooterSize) return std::nullopt;
  const uint8_t* footer = file.data() + file.size() - kSeekFooterSize;
  if (loadLe32(footer + 5) != kSeekableFooterMagic) return std::nullopt;
  uint64_t n = loadLe32(footer);
  if (footer[4] & 0x7c) return std::nullopt;  // reserved bits must be zero
  bool checksums = footer[4] & 0x80;
  uint64_t entry_size = checksums ? 12 : 8;
  uint64_t table = kSkippableHeaderSize + n * entry_size + kSeekFooterSize;
  if (table > file.size()) return std::nullopt;
  uint64_t off = file.size() - table;
  const uint8_t* p = file.data() + off;
  if (loadLe32(p) != kSeekTableMagic || loadLe32(p + 4) != table - kSkippableHeaderSize)
    return std::nullopt;
  SeekTable t;
  t.offset = off;
  t.entries.resize(n);
  p += kSkippableHeaderSize;
  uint64_t sum = 0;
  for (SeekEntry& e : t.entries) {
    e.compressed = loadLe32(p);
    e.decompressed = loadLe32(p + 4);
    sum += e.compressed;
    p += entry_size;
  }
  if (sum != off) return std::nullopt;
  return t;
}

}  // namespace kmr::detail
