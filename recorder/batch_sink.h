// The drain thread's RecordSink: copies merged records into batches for the
// writer thread, and writes a LOST record where the merge gave up numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "batch_queue.h"
#include "merge.h"

namespace kmr::recorder {

class BatchSink : public RecordSink {
 public:
  explicit BatchSink(BatchQueue& q);

  bool record(const kmr_event& ev) override;
  void gap(uint64_t first_seq, uint64_t count, uint64_t after_ns, uint64_t before_ns) override;
  size_t runRoom() const override {
    return cur_ && cur_->room() > kGapReserve ? cur_->room() - kGapReserve : 0;
  }
  void run(const uint8_t* data, size_t bytes, size_t count, uint32_t kinds) override;

  // Hands the current batch (if it holds anything) to the writer.
  void flush();
  bool pending() const { return cur_ && cur_->records; }

  // Totals since the start.
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t lostReported() const { return lost_; }  // sum of LOST counts
  uint64_t exits() const { return exits_; }        // EXIT records seen
  uint32_t exitFlags() const { return exit_flags_; }  // of the last EXIT
  int32_t exitCode() const { return exit_code_; }     // of the last EXIT (-1: none)
  const std::string& lastExec() const { return last_exec_; }  // the last EXEC's filename
  // kmemrec -f: called on the drain thread for each FORK record taken,
  // before it is handed on (a held child waits for what this starts).
  std::function<void(const kmr_ev_fork&)> on_fork;
  uint64_t refusals() const { return refusals_; }  // times no batch was free

 private:
  // Every batch keeps room for one synthesized LOST record (gap() never fails).
  static constexpr size_t kGapReserve = sizeof(kmr_ev_lost);
  bool hasRoom(size_t bytes) const { return cur_ && cur_->room() >= bytes + kGapReserve; }
  // The current batch full: hands it on and takes a free one (false: none).
  bool nextBatch();
  void note(const kmr_event& ev);  // LOST, EXIT, EXEC, FORK

  BatchQueue& q_;
  std::unique_ptr<Batch> cur_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t lost_ = 0;
  uint64_t exits_ = 0;
  uint32_t exit_flags_ = 0;
  int32_t exit_code_ = -1;
  std::string last_exec_;
  uint64_t refusals_ = 0;
};

}  // namespace kmr::recorder
