#include "session_device.h"

namespace kmr::recorder {
namespace {

// SessionDevice over the real device file.
class RealSessionDevice final : public SessionDevice {
 public:
  explicit RealSessionDevice(const std::string& path) : dev_(path) {}

  std::string kernelRelease() const override { return dev_.version().kernel_release; }
  uint64_t features() const override { return dev_.version().features; }
  void attach(const AttachParams& p) override { area_ = dev_.map(dev_.attach(p)); }
  kmr_ctl* ctl() override { return area_.ctl(); }
  const uint8_t* ringData() override { return area_.ring_data(0); }
  void start() override { dev_.start(); }
  void stop() override { dev_.stop(); }
  void detach() override { dev_.detach(); }
  bool release(uint32_t pid) override { return dev_.release(pid); }
  kmr_stats stats() override { return dev_.stats(); }
  short poll(int timeout_ms, int extra_fd, short* extra_revents) override {
    return dev_.poll(timeout_ms, extra_fd, extra_revents);
  }

 private:
  Device dev_;
  SharedArea area_;  // unmapped before dev_ closes
};

}  // namespace

std::unique_ptr<SessionDevice> openSessionDevice(const std::string& path) {
  return std::make_unique<RealSessionDevice>(path);
}

}  // namespace kmr::recorder
