// kmemrec doctor's verdicts: each check reads facts (doctor_facts.h) and
// says ok, WARN (recording works, but...), FAIL (recording would not work)
// or "--" (not checked: an earlier FAIL decides it).
#include "doctor.h"

#include <CLI/CLI.hpp>
#include <kmemrec/abi.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/exit_codes.h"
#include "base/version.h"

namespace kmr::recorder {
namespace {

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

const char* kInstallFix =
    "install the module for this kernel: `apt install kmemrec-dkms` (DKMS builds it for every "
    "kernel whose headers are installed) or `make -C kernel && make -C kernel install`; "
    "then `modprobe kmemrec`";
const char* kSignFix =
    "Debian's DKMS signs its builds with /var/lib/dkms/mok.pub: enrol that key once "
    "(`mokutil --import /var/lib/dkms/mok.pub`, reboot, confirm in MokManager); or "
    "sign it with your own Machine Owner Key: `sign-module.sh --new-key /var/lib/kmemrec/mok` once "
    "(then `mokutil --import /var/lib/kmemrec/mok/MOK.der`, reboot and enrol the key in "
    "MokManager), and `sign-module.sh --key /var/lib/kmemrec/mok MODULE` for each build "
    "(kmemrec(4), \"Secure Boot\")";

void add(std::vector<Check>& out, const char* name, Verdict v, std::string detail,
         std::string fix = "") {
  out.push_back({name, v, std::move(detail), std::move(fix)});
}

void checkKernel(const SystemFacts& f, std::vector<Check>& out) {
  int kv = f.kernel_major * 100 + f.kernel_minor;
  std::string range = "supported: 6.1 to 6.12, tested on Debian's 6.1 and 6.12";
  if (kv < kMinKernel)
    add(out, "kernel", Verdict::Fail, f.release + " is older than 6.1 (" + range + ")",
        "boot a 6.1 or newer kernel (Debian 12: linux-image-amd64)");
  else if (kv > kMaxKernel)
    add(out, "kernel", Verdict::Warn, f.release + " is newer than 6.12 (" + range + ")",
        "the module may not build or hook this kernel; 6.12 is the newest tested");
  else
    add(out, "kernel", Verdict::Ok, f.release + " (" + range + ")");
}

// Loaded?  And if not, is there a module this kernel would take?
void checkModule(const SystemFacts& f, std::vector<Check>& out) {
  bool mismatched = !f.module_vermagic.empty() && f.module_vermagic != f.release;
  if (f.module_loaded) {
    // Whether the hooks are in: a loaded module that hooks nothing costs
    // nothing; hooks left in without a session would cost every fault.
    add(out, "module", Verdict::Ok,
        !f.hooks_registered ? std::string("kmemrec is loaded")
        : *f.hooks_registered
            ? std::string("kmemrec is loaded; its hooks are in (a session runs, or "
                          "one ended less than hook_linger_ms ago)")
            : std::string("kmemrec is loaded; no hook is in (no session: it costs nothing)"));
  } else if (f.module_file.empty()) {
    add(out, "module", Verdict::Fail,
        "kmemrec is not loaded, and no kmemrec.ko is installed for " + f.release, kInstallFix);
  } else if (mismatched) {
    add(out, "module", Verdict::Fail, "kmemrec is not loaded: " + f.module_file +
                                          " was built for " + f.module_vermagic + ", not for " +
                                          f.release + " (the kernel refuses it)",
        "rebuild it for this kernel: `dkms autoinstall -k " + f.release +
            "` (needs linux-headers-" + f.release + "), or `make -C kernel clean all install`");
    return;
  } else {
    add(out, "module", Verdict::Fail, "kmemrec is not loaded (" + f.module_file + ")",
        "modprobe kmemrec   (it then loads at boot if you add it to /etc/modules)");
  }
  if (f.module_file.empty()) return;
  if (mismatched)
    add(out, "module build", Verdict::Warn,
        f.module_file + " was built for " + f.module_vermagic + ", not " + f.release +
            " (the loaded copy is older): the next boot will not load it",
        "dkms autoinstall -k " + f.release);
  else if (!f.module_vermagic.empty())
    add(out, "module build", Verdict::Ok, f.module_file + " is built for " + f.release);
}

void checkDevice(const SystemFacts& f, std::vector<Check>& out) {
  const std::string& d = f.device;
  if (!f.device_exists) {
    if (!f.module_loaded)
      add(out, "device", Verdict::Skipped, d + ": needs the module");
    else
      add(out, "device", Verdict::Fail, d + " is missing although the module is loaded",
          "mount devtmpfs on /dev (or `udevadm trigger --subsystem-match=misc`)");
    return;
  }
  if (!f.device_is_chr) {
    add(out, "device", Verdict::Fail, d + " is not a character device", "rm " + d +
                                                                           " and reload the module");
    return;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", f.device_mode);
  if (f.open_errno == EACCES || f.open_errno == EPERM) {
    add(out, "device", Verdict::Fail,
        d + " (mode " + mode + ") cannot be opened by you: permission denied",
        "run kmemrec as root, or let a group open it: the udev rule "
        "/usr/share/kmemrec/udev/60-kmemrec.rules (group kmemrec, mode 0660; kmemrec(4) says "
        "what that grants)");
    return;
  }
  if (f.open_errno != 0) {
    add(out, "device", Verdict::Fail,
        d + ": open: " + std::strerror(f.open_errno),
        f.open_errno == ENXIO || f.open_errno == ENODEV ? "reload the module (rmmod kmemrec; modprobe kmemrec)" : "");
    return;
  }
  if (f.version_errno != 0) {
    add(out, "device", Verdict::Fail,
        d + " does not answer KMR_IOC_VERSION (" + std::strerror(f.version_errno) +
            "): not a kmemrec device",
        "remove it and reload the module");
    return;
  }
  add(out, "device", Verdict::Ok, d + " (mode " + std::string(mode) + ") opens");
  if (f.abi_version != KMR_ABI_VERSION)
    add(out, "ABI", Verdict::Fail,
        "the loaded module speaks ABI " + std::to_string(f.abi_version) +
            ", these tools ABI " + std::to_string(KMR_ABI_VERSION),
        "install the module and the tools from the same kmemrec version (" +
            std::string(kVersion) + "): kmemrec-dkms and kmemrec, or one source tree");
  else
    add(out, "ABI", Verdict::Ok, "version " + std::to_string(f.abi_version) +
                                     ", module running on " + f.module_release);
  if (f.features & KMR_FEAT_PFN_HIDDEN)
    add(out, "pfns", Verdict::Warn,
        "you lack CAP_SYS_ADMIN: traces will hold no physical frame numbers",
        "run as root for PFNs (as /proc/PID/pagemap)");
}

void checkHeaders(const SystemFacts& f, std::vector<Check>& out) {
  if (f.headers_present)
    add(out, "headers", Verdict::Ok, "/lib/modules/" + f.release + "/build is there (DKMS can build)");
  else
    add(out, "headers", Verdict::Warn,
        "no headers for " + f.release + ": DKMS cannot build the module for it",
        "apt install linux-headers-" + f.release);
}

void checkSigning(const SystemFacts& f, std::vector<Check>& out) {
  bool locked = !f.lockdown.empty() && f.lockdown != "none";
  bool enforce = f.sig_enforce.value_or(false) || locked;
  std::string policy = "lockdown " + (f.lockdown.empty() ? std::string("off") : f.lockdown) +
                       ", module.sig_enforce " +
                       (f.sig_enforce ? (*f.sig_enforce ? "Y" : "N") : "unknown") +
                       ", Secure Boot " +
                       (f.secure_boot ? (*f.secure_boot ? "on" : "off") : "unknown");
  if (f.module_loaded) {
    add(out, "signing", Verdict::Ok, policy + " (the module is loaded)");
  } else if (!enforce) {
    add(out, "signing", Verdict::Ok, policy + ": unsigned modules load");
  } else if (f.module_file.empty()) {
    add(out, "signing", Verdict::Warn,
        policy + ": the kernel loads only signed modules; a module you build must be signed",
        kSignFix);
  } else if (f.module_signer.empty()) {
    add(out, "signing", Verdict::Fail,
        policy + ": the kernel loads only signed modules, and " + f.module_file + " is unsigned",
        kSignFix);
  } else {
    add(out, "signing", Verdict::Ok,
        policy + ": the module is signed by \"" + f.module_signer +
            "\" (its key must be enrolled: mokutil --list-enrolled; DKMS's is "
            "/var/lib/dkms/mok.pub)");
  }
}

void checkPtrace(const SystemFacts& f, std::vector<Check>& out) {
  if (!f.ptrace_scope) {
    add(out, "ptrace", Verdict::Ok, "no Yama: the usual ptrace rules");
    return;
  }
  std::string s = "kernel.yama.ptrace_scope = " + std::to_string(*f.ptrace_scope);
  switch (*f.ptrace_scope) {
    case 0:
      add(out, "ptrace", Verdict::Ok, s + ": any process of your user");
      break;
    case 1:
      if (f.cap_sys_ptrace)
        add(out, "ptrace", Verdict::Ok, s + ": you have CAP_SYS_PTRACE");
      else
        add(out, "ptrace", Verdict::Warn,
            s + ": you may record programs you launch (kmemrec -- prog), not other running ones",
            "run as root, or `sysctl kernel.yama.ptrace_scope=0`");
      break;
    case 2:
      if (f.cap_sys_ptrace)
        add(out, "ptrace", Verdict::Ok, s + ": you have CAP_SYS_PTRACE");
      else
        add(out, "ptrace", Verdict::Fail, s + ": only CAP_SYS_PTRACE may trace",
            "run as root (or `sysctl kernel.yama.ptrace_scope=1`)");
      break;
    default:
      add(out, "ptrace", Verdict::Fail, s + ": no process may be traced, not even by root",
          "reboot (scope 3 cannot be lowered) with kernel.yama.ptrace_scope <= 2 in /etc/sysctl.d");
  }
}

void checkHooks(const SystemFacts& f, std::vector<Check>& out) {
  if (f.config_kprobes == false || f.config_kretprobes == false)
    add(out, "kprobes", Verdict::Fail, "this kernel is built without CONFIG_KPROBES/KRETPROBES",
        "boot a kernel with kprobes (Debian's are)");
  else if (f.kprobes_enabled == false)
    add(out, "kprobes", Verdict::Fail,
        "kprobes are disarmed (/sys/kernel/debug/kprobes/enabled = 0): no hook would fire",
        "echo 1 > /sys/kernel/debug/kprobes/enabled");
  else if (!f.kprobes_enabled)
    add(out, "kprobes", Verdict::Warn,
        "could not read /sys/kernel/debug/kprobes/enabled (debugfs not mounted, or not root)",
        "as root: mount -t debugfs none /sys/kernel/debug, then run doctor again");
  else
    add(out, "kprobes", Verdict::Ok, "armed");
  if (f.kprobes_optimization == false)
    add(out, "kprobes-opt", Verdict::Warn,
        "debug.kprobes-optimization = 0: mid-function hooks trap (slower recording)",
        "sysctl debug.kprobes-optimization=1");
  if (f.ftrace_enabled == false)
    add(out, "ftrace", Verdict::Fail,
        "kernel.ftrace_enabled = 0: hooks at function entry go through ftrace and would "
        "silently not fire",
        "sysctl kernel.ftrace_enabled=1");
  else if (f.ftrace_enabled)
    add(out, "ftrace", Verdict::Ok, "kernel.ftrace_enabled = 1");
}

void checkMemory(const SystemFacts& f, std::vector<Check>& out) {
  uint64_t need = KMR_RING_SIZE_DEFAULT * f.cpus;
  uint64_t cap = f.ring_mem_max_mb && *f.ring_mem_max_mb ? *f.ring_mem_max_mb << 20
                                                           : f.mem_total / 4;
  std::string what = "one session's rings: " + std::to_string(f.cpus) + " CPUs x " +
                     mib(KMR_RING_SIZE_DEFAULT) + " = " + mib(need);
  if (f.mem_total == 0) {
    add(out, "memory", Verdict::Warn, what + "; /proc/meminfo unreadable");
  } else if (need > cap) {
    add(out, "memory", Verdict::Fail,
        what + " > the module's ring memory cap (" + mib(cap) + ")",
        "record with a smaller --buffer-size (e.g. 1M), or raise "
        "/sys/module/kmemrec/parameters/ring_mem_max_mb");
  } else if (need > f.mem_available) {
    add(out, "memory", Verdict::Fail, what + " > available memory (" + mib(f.mem_available) + ")",
        "free memory, or record with a smaller --buffer-size");
  } else if (need * 4 > f.mem_available) {
    add(out, "memory", Verdict::Warn, what + ", " + mib(f.mem_available) + " available",
        "a smaller --buffer-size leaves more for the target");
  } else {
    add(out, "memory", Verdict::Ok, what + ", " + mib(f.mem_available) + " available");
  }
}

}  // namespace

std::vector<Check> judge(const SystemFacts& f) {
  std::vector<Check> out;
  checkKernel(f, out);
  checkModule(f, out);
  checkDevice(f, out);
  checkHeaders(f, out);
  checkSigning(f, out);
  checkPtrace(f, out);
  checkHooks(f, out);
  checkMemory(f, out);
  return out;
}

bool ready(const std::vector<Check>& checks) {
  for (const Check& c : checks)
    if (c.verdict == Verdict::Fail || c.verdict == Verdict::Skipped) return false;
  return true;
}

std::string renderChecks(const SystemFacts& f, const std::vector<Check>& checks) {
  std::string s = "kmemrec doctor " + std::string(kVersion) + " (ABI " +
                  std::to_string(KMR_ABI_VERSION) + ") on " + f.release + "\n";
  int fails = 0;
  for (const Check& c : checks) {
    const char* v = c.verdict == Verdict::Ok     ? "ok"
                    : c.verdict == Verdict::Warn ? "WARN"
                    : c.verdict == Verdict::Fail ? "FAIL"
                                                 : "--";
    fails += c.verdict == Verdict::Fail;
    char head[64];
    std::snprintf(head, sizeof head, "  %-4s  %-12s ", v, c.name.c_str());
    s += head + c.detail + "\n";
    if (!c.fix.empty() && c.verdict != Verdict::Ok) s += "        fix: " + c.fix + "\n";
  }
  if (ready(checks))
    s += "ready: recording should work\n";
  else
    s += "not ready: " + std::to_string(fails) + " problem" + (fails == 1 ? "" : "s") +
         " (FAIL above)\n";
  return s;
}

int runDoctor(int argc, const char* const* argv) {
  CLI::App app{
      "kmemrec doctor: check what recording needs on this machine (module loaded and built\n"
      "for this kernel, device access, headers for DKMS, lockdown and module signing,\n"
      "ptrace_scope, kprobes and ftrace, memory for the rings), each problem with its fix.\n\n"
      "Exit status: 0 ready to record; 1 not ready; 2 bad command line.",
      "kmemrec doctor"};
  std::string device = "/dev/" KMR_DEVICE_NAME;
  app.add_option("--device", device, "the kmemrec device")->capture_default_str();
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kmemrec doctor: error: %s\nRun 'kmemrec doctor --help' for usage.\n",
                 e.what());
    return kExitUsage;
  }
  SystemFacts f = gatherFacts(device);
  std::vector<Check> checks = judge(f);
  std::fputs(renderChecks(f, checks).c_str(), stdout);
  return ready(checks) ? kExitOk : kExitError;
}

}  // namespace kmr::recorder
