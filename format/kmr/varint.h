// Prefix varints and zigzag, the encoding of every trace column.  Internal.
//
// A value takes n bytes, little endian, and says n in its first byte's low
// bits: n - 1 one-bits then a zero (n <= 8, 7n value bits above them), or a
// first byte 0xff followed by the 8-byte value.
//
//   0..127           1 byte    v << 1
//   ..2^14-1         2 bytes   v << 2 | 0b01
//   ..2^56-1         n bytes   v << n | (2^(n-1) - 1)
//   larger           9 bytes   0xff, v
//
// Unlike LEB128 a value decodes with one 8-byte load, a count of trailing
// ones and a shift, which is what lets replay reach tens of millions of
// events per second.
//
// ColumnWriter appends to a growable byte buffer without per-value
// allocation (it grows geometrically and is reused across chunks).
// ColumnReader never reads past its end: a truncated value sets the
// reader's `bad` flag and yields 0, and the caller checks bad() once per
// chunk, so damaged bytes cost no exception per value.
#pragma once

#include <array>
#include <bit>
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

// The low n bytes of a word (n = 1..8).
inline constexpr uint64_t kLowBytes[9] = {0,
                                          0xff,
                                          0xffff,
                                          0xffffff,
                                          0xffffffff,
                                          0xffffffffff,
                                          0xffffffffffff,
                                          0xffffffffffffff,
                                          0xffffffffffffffff};

// A value's encoded length and the low bits of its first byte, by the
// value's count of leading zero bits (a table lookup instead of a division
// by 7 per value; lengths over 8 are the 9-byte form, handled apart).
struct VarintShape {
  uint8_t len;
  uint8_t tag;  // len - 1 one-bits
};
inline constexpr auto kVarintShape = [] {
  std::array<VarintShape, 65> t{};
  for (unsigned lz = 0; lz <= 64; lz++) {
    unsigned bits = 64 - lz;
    unsigned n = bits ? (bits + 6) / 7 : 1;
    t[lz] = {static_cast<uint8_t>(n), static_cast<uint8_t>(n <= 8 ? (1u << (n - 1)) - 1 : 0xff)};
  }
  return t;
}();

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // x86-64 and the format are little endian
}

class ColumnWriter {
 public:
  ColumnWriter() = default;
  ColumnWriter(const ColumnWriter&) = delete;
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  // Inlined into the encoder's per-event path (the recorder spends a
  // large share of its CPU here): the write position is a pointer, read
  // once into a local, since a store through it could alias it and force a
  // reload.
  [[gnu::always_inline]] void put(uint64_t v) {
    if (end_ - pos_ < 16) [[unlikely]] {
      grow(16);
    }
    putReserved(v);
  }
  // put() for a caller that made room() >= 9 beforehand: the chunk encoder
  // reserves room for many events at once instead of checking every value.
  [[gnu::always_inline]] void putReserved(uint64_t v) {
    uint8_t* p = pos_;
    if (v < 128) {
      *p = static_cast<uint8_t>(v << 1);
      pos_ = p + 1;
      return;
    }
    unsigned lz = static_cast<unsigned>(std::countl_zero(v));
    if (lz < 8) [[unlikely]] {  // over 56 bits
      *p = 0xff;
      std::memcpy(p + 1, &v, 8);
      pos_ = p + 9;
      return;
    }
    VarintShape sh = kVarintShape[lz];
    uint64_t x = v << sh.len | sh.tag;
    std::memcpy(p, &x, 8);  // writes 8 bytes, keeps len
    pos_ = p + sh.len;
  }
  void putSigned(int64_t v) { put(zigzag(v)); }
  [[gnu::always_inline]] void putByte(uint8_t b) {
    if (end_ == pos_) [[unlikely]] {
      grow(1);
    }
    putByteReserved(b);
  }
  [[gnu::always_inline]] void putByteReserved(uint8_t b) {
    uint8_t* p = pos_;
    *p = b;
    pos_ = p + 1;
  }
  void putBytes(const void* p, size_t n) {
    if (room() < n) grow(n);
    if (n) std::memcpy(pos_, p, n);
    pos_ += n;
  }

  std::span<const uint8_t> bytes() const { return {buf_.get(), size()}; }
  // The bytes, with zeros written up to the next multiple of 8 beyond them
  // (Cap'n Proto references the column as a segment of whole words).
  std::span<const uint8_t> sealed() {
    size_t size = this->size();
    size_t padded = (size + 7) & ~size_t(7);
    if (room() < padded + 8 - size) grow(padded + 8 - size);
    std::memset(pos_, 0, padded - size);
    return {buf_.get(), size};
  }
  size_t size() const { return static_cast<size_t>(pos_ - buf_.get()); }
  // Bytes that can be appended without growing.
  size_t room() const { return static_cast<size_t>(end_ - pos_); }
  // Make room() >= n (growing geometrically, as put does).
  void reserve(size_t n) {
    if (room() < n) grow(n);
  }
  void clear() { pos_ = buf_.get(); }

 private:
  [[gnu::noinline]] void grow(size_t need) {
    size_t size = this->size(), old = static_cast<size_t>(end_ - buf_.get());
    size_t cap = old ? old * 2 : 4096;
    while (cap - size < need) cap *= 2;
    auto nb = std::make_unique_for_overwrite<uint8_t[]>(cap);
    if (size) std::memcpy(nb.get(), buf_.get(), size);
    buf_ = std::move(nb);
    pos_ = buf_.get() + size;
    end_ = buf_.get() + cap;
  }

  std::unique_ptr<uint8_t[]> buf_;
  uint8_t* pos_ = nullptr;  // the next byte
  uint8_t* end_ = nullptr;  // of the buffer
};

class ColumnReader {
 public:
  ColumnReader() = default;
  explicit ColumnReader(std::span<const uint8_t> b) : p_(b.data()), end_(b.data() + b.size()) {}

  uint64_t get() {
    if (end_ - p_ >= 9) {  // the 8-byte load stays inside the column
      uint64_t x = load64(p_);
      unsigned n = static_cast<unsigned>(std::countr_one(x)) + 1;
      if (n <= 8) {
        p_ += n;
        return (x & kLowBytes[n]) >> n;
      }
      uint64_t v = load64(p_ + 1);
      p_ += 9;
      return v;
    }
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
  // Near the end of the column: byte by byte, checked.
  uint64_t getSlow() {
    size_t left = remaining();
    if (left == 0) return fail();
    unsigned n = static_cast<unsigned>(std::countr_one(*p_)) + 1;
    size_t len = n <= 8 ? n : 9;
    if (len > left) return fail();
    uint8_t b[9] = {};
    std::memcpy(b, p_, len);
    p_ += len;
    if (n > 8) return load64(b + 1);
    return load64(b) >> n;  // bytes past n are zero
  }
  uint64_t fail() {
    bad_ = true;
    p_ = end_;
    return 0;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  bool bad_ = false;
};

}  // namespace kmr::detail
