// LEB128 varints and zigzag, the encoding of every trace column.  Internal.
//
// ColumnWriter appends to a growable byte buffer without per-value
// allocation (it grows geometrically and is reused across chunks).
// ColumnReader never reads past its end: a truncated or overlong varint sets
// the reader's `bad` flag and yields 0, and the caller checks bad() once per
// chunk, so damaged bytes cost no exception per value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace kmr::detail {

inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

class ColumnWriter {
 public:
  ColumnWriter() = default;
  ColumnWriter(const ColumnWriter&) = delete;
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  void put(uint64_t v) {
    if (cap_ - size_ < 10) grow(10);
    uint8_t* p = buf_.get() + size_;
    while (v >= 0x80) {
      *p++ = static_cast<uint8_t>(v) | 0x80;
      v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
    size_ = static_cast<size_t>(p - buf_.get());
  }
  void putSigned(int64_t v) { put(zigzag(v)); }
  void putByte(uint8_t b) {
    if (cap_ == size_) grow(1);
    buf_[size_++] = b;
  }
  void putBytes(const void* p, size_t n) {
    if (cap_ - size_ < n) grow(n);
    if (n) std::memcpy(buf_.get() + size_, p, n);
    size_ += n;
  }

  std::span<const uint8_t> bytes() const { return {buf_.get(), size_}; }
  // The bytes, with zeros written up to the next multiple of 8 beyond them
  // (Cap'n Proto references the column as a segment of whole words).
  std::span<const uint8_t> sealed() {
    size_t padded = (size_ + 7) & ~size_t(7);
    if (cap_ < padded + 8) grow(padded + 8 - size_);
    std::memset(buf_.get() + size_, 0, padded - size_);
    return {buf_.get(), size_};
  }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

 private:
  void grow(size_t need) {
    size_t cap = cap_ ? cap_ * 2 : 4096;
    while (cap - size_ < need) cap *= 2;
    auto nb = std::make_unique_for_overwrite<uint8_t[]>(cap);
    if (size_) std::memcpy(nb.get(), buf_.get(), size_);
    buf_ = std::move(nb);
    cap_ = cap;
  }

  std::unique_ptr<uint8_t[]> buf_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

class ColumnReader {
 public:
  ColumnReader() = default;
  explicit ColumnReader(std::span<const uint8_t> b) : p_(b.data()), end_(b.data() + b.size()) {}

  uint64_t get() {
    if (p_ != end_ && *p_ < 0x80) return *p_++;  // the common one-byte value
    return getSlow();
  }
  int64_t getSigned() { return unzigzag(get()); }
  uint8_t getByte() {
    if (p_ == end_) {
      bad_ = true;
      return 0;
    }
    return *p_++;
  }
  // A view of the next n bytes, or an empty view (and bad) when too few.
  std::span<const uint8_t> getBytes(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) {
      bad_ = true;
      p_ = end_;
      return {};
    }
    std::span<const uint8_t> s(p_, static_cast<size_t>(n));
    p_ += n;
    return s;
  }

  bool bad() const { return bad_; }
  bool atEnd() const { return p_ == end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 private:
  uint64_t getSlow() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) break;
      uint8_t b = *p_++;
      if (shift == 63 && b > 1) break;  // more than 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    bad_ = true;
    p_ = end_;
    return 0;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool bad_ = false;
};

}  // namespace kmr::detail
