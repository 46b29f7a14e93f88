// kmemrec doctor, part 1: what this machine says about itself.  Everything
// doctor judges is read here, from /proc, /sys, /dev, /lib/modules and the
// device's KMR_IOC_VERSION, into plain values (doctor.h judges them, so the
// verdicts are unit-tested with facts written by hand).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kmr::recorder {

struct SystemFacts {
  std::string release;  // uname -r
  int kernel_major = 0, kernel_minor = 0;

  // The module.
  bool module_loaded = false;         // /sys/module/kmemrec exists
  std::string module_file;            // kmemrec.ko* for this kernel, "" = none found
  std::string module_vermagic;        // its vermagic's first word, "" = unknown
  std::string module_signer;          // its signer, "" = unsigned or unknown
  std::optional<uint64_t> ring_mem_max_mb;  // module parameter, when loaded
  std::optional<bool> hooks_registered;     // module parameter (since 2026-12-03)

  // The device.
  std::string device;                 // path
  bool device_exists = false;
  bool device_is_chr = false;
  unsigned device_mode = 0;           // st_mode & 07777
  int open_errno = -1;                // -1 = not tried, 0 = opened
  int version_errno = -1;             // KMR_IOC_VERSION: -1 = not tried, 0 = answered
  uint32_t abi_version = 0;           // the module's, when it answered
  uint64_t features = 0;
  std::string module_release;         // the kernel the module runs in

  bool headers_present = false;       // /lib/modules/<release>/build/Makefile

  // Module loading policy.
  std::string lockdown;               // "none", "integrity", "confidentiality", "" = no LSM
  std::optional<bool> sig_enforce;    // module.sig_enforce
  std::optional<bool> secure_boot;    // EFI SecureBoot variable

  // What the module's hooks need.
  std::optional<int> ptrace_scope;          // kernel.yama.ptrace_scope
  std::optional<bool> kprobes_enabled;      // /sys/kernel/debug/kprobes/enabled
  std::optional<bool> kprobes_optimization; // debug.kprobes-optimization
  std::optional<bool> ftrace_enabled;       // kernel.ftrace_enabled
  std::optional<bool> config_kprobes;       // CONFIG_KPROBES / KRETPROBES in /boot/config-*
  std::optional<bool> config_kretprobes;

  // Who asks.
  bool cap_sys_ptrace = false;
  bool cap_sys_admin = false;
  bool is_root = false;

  // Memory for the rings.
  uint64_t mem_available = 0;  // bytes, /proc/meminfo MemAvailable
  uint64_t mem_total = 0;
  unsigned cpus = 1;           // possible CPUs: the module sizes one ring each
};

// Reads the facts of this machine; @device is the device path to check.
// Never throws for what it cannot read (that fact stays unknown).
SystemFacts gatherFacts(const std::string& device);

// The vermagic's first word ("6.1.0-57-amd64 SMP preempt mod_unload ..."
// -> "6.1.0-57-amd64") of an uncompressed module image, "" if none.
std::string vermagicOfImage(const std::string& image);

}  // namespace kmr::recorder
