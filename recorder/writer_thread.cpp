#include "writer_thread.h"

#include <cinttypes>
#include <cstdio>

#include "base/clock.h"
#include "kmr/error.h"
#include "translate.h"

namespace kmr::recorder {

WriterThread::WriterThread(TraceSink& sink, BatchQueue& q, Tick tick, uint64_t flush_interval_ns)
    : writer_(sink), q_(q), tick_(std::move(tick)), flush_interval_ns_(flush_interval_ns) {
  thread_ = std::thread([this] { run(); });
}

WriterThread::WriterThread(TraceWriter& writer, BatchQueue& q, Tick tick,
                           uint64_t flush_interval_ns)
    : own_sink_(std::make_unique<FileSink>(writer)), writer_(*own_sink_), q_(q),
      tick_(std::move(tick)), flush_interval_ns_(flush_interval_ns) {
  thread_ = std::thread([this] { run(); });
}

WriterThread::~WriterThread() { finish(); }

void WriterThread::setLossless(const LosslessTotals& l) {
  std::lock_guard lk(mu_);
  lossless_ = l;
}

void WriterThread::finish(uint64_t end_mono_ns) {
  if (joined_) return;
  // Published before close(): the writer thread reads it only after it saw
  // the queue closed.
  end_mono_ns_.store(end_mono_ns, std::memory_order_release);
  q_.close();
  thread_.join();
  joined_ = true;
}

std::string WriterThread::error() const {
  std::lock_guard lk(mu_);
  return error_;
}

std::string WriterThread::firstRejection() const {
  std::lock_guard lk(mu_);
  return first_rejection_;
}

WriterStats WriterThread::finalStats() const {
  std::lock_guard lk(mu_);
  return final_;
}

void WriterThread::fail(const std::string& why) {
  {
    std::lock_guard lk(mu_);
    if (error_.empty()) error_ = why;
  }
  failed_.store(true, std::memory_order_release);
}

void WriterThread::reject(const std::string& why) {
  if (rejected_.fetch_add(1, std::memory_order_relaxed) == 0) {
    std::lock_guard lk(mu_);
    first_rejection_ = why;
  }
}

void WriterThread::run() {
  uint64_t last_flush = monotonicNs(), last_tick = last_flush;
  // A run of events with one call; an event the format refuses is reported
  // and the run goes on after it.
  auto append = [&](std::span<const Event> evs) {
    size_t i = 0;
    while (i < evs.size()) {
      try {
        writer_.appendAll(evs, &i);
      } catch (const Error& e) {
        if (e.code() == Error::Code::Io) throw;
        const Event& ev = evs[i++];
        char b[96];
        std::snprintf(b, sizeof(b), "%s event seq %" PRIu64 ": ",
                      std::string(kindName(ev.kind)).c_str(), ev.seq);
        reject(b + std::string(e.what()));
      }
    }
  };
  auto bad = [&](const kmr_event& rec, const char* why) {
    char b[160];
    std::snprintf(b, sizeof(b), "record kind %u size %u seq %" PRIu64 ": %s", rec.kind, rec.size,
                  uint64_t(rec.seq), why);
    reject(b);
  };
  for (;;) {
    std::unique_ptr<Batch> b = q_.pop(std::chrono::milliseconds(100));
    if (b) {
      if (!failed()) {
        try {
          forEachEventRun(b->data(), b->used, append, bad);
        } catch (const std::exception& e) {
          fail(e.what());
        }
      }
      q_.recycle(std::move(b));  // after a failure, batches are only recycled
    } else if (q_.closed()) {
      break;
    }
    if (!failed()) {
      try {
        writer_.poll();
      } catch (const std::exception& e) {
        fail(e.what());
      }
    }
    const WriterStats& st = writer_.stats();
    uint64_t now = monotonicNs();
    if (!failed() && now - last_flush >= flush_interval_ns_) {
      try {
        writer_.flush();
      } catch (const std::exception& e) {
        fail(e.what());
      }
      last_flush = now;
    }
    events_.store(st.events, std::memory_order_relaxed);
    file_bytes_.store(st.file_bytes, std::memory_order_relaxed);
    if (tick_ && now - last_tick >= 1'000'000'000) {
      // An exception must not leave this thread (std::terminate): the live
      // view is a convenience, the trace goes on without it.
      try {
        tick_(writer_.state(), st);
      } catch (const std::exception&) {
        tick_ = {};
      }
      last_tick = now;
    }
  }
  if (!failed()) {
    try {
      std::optional<LosslessTotals> lossless;
      {
        std::lock_guard lk(mu_);
        lossless = lossless_;
      }
      writer_.finish(end_mono_ns_.load(std::memory_order_acquire), lossless);
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
  const WriterStats& st = writer_.stats();
  events_.store(st.events, std::memory_order_relaxed);
  file_bytes_.store(st.file_bytes, std::memory_order_relaxed);
  std::lock_guard lk(mu_);
  final_ = st;
}

}  // namespace kmr::recorder
