// kmemrec doctor's verdicts on machines described by hand.  The facts
// reader runs for real in the guest (tests/guest/cases/install_doctor.sh).
#include <catch2/catch.hpp>

#include <kmemrec/abi.h>

#include <cerrno>

#include "doctor.h"

using namespace kmr::recorder;

namespace {

// A machine where recording works: what the guest shows with the module in.
SystemFacts healthy() {
  SystemFacts f;
  f.release = "6.12.117+deb12-amd64";
  f.kernel_major = 6;
  f.kernel_minor = 12;
  f.module_loaded = true;
  f.module_file = "/lib/modules/6.12.117+deb12-amd64/updates/dkms/kmemrec.ko.xz";
  f.module_vermagic = f.release;
  f.device = "/dev/kmemrec";
  f.device_exists = f.device_is_chr = true;
  f.device_mode = 0600;
  f.open_errno = f.version_errno = 0;
  f.abi_version = KMR_ABI_VERSION;
  f.module_release = f.release;
  f.headers_present = true;
  f.lockdown = "none";
  f.sig_enforce = false;
  f.ptrace_scope = 0;
  f.kprobes_enabled = f.kprobes_optimization = f.ftrace_enabled = true;
  f.cap_sys_ptrace = f.cap_sys_admin = f.is_root = true;
  f.mem_total = 4ull << 30;
  f.mem_available = 3ull << 30;
  f.cpus = 2;
  return f;
}

const Check* find(const std::vector<Check>& cs, const std::string& name) {
  for (const Check& c : cs)
    if (c.name == name) return &c;
  return nullptr;
}

bool fails(const SystemFacts& f, const std::string& name, const std::string& text) {
  std::vector<Check> cs = judge(f);
  const Check* c = find(cs, name);
  INFO(renderChecks(f, cs));
  return c && c->verdict == Verdict::Fail && !ready(cs) &&
         (c->detail + " " + c->fix).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("doctor: a healthy machine is ready, and says so") {
  SystemFacts f = healthy();
  std::vector<Check> cs = judge(f);
  REQUIRE(ready(cs));
  std::string screen = renderChecks(f, cs);
  CHECK(screen.find("ready: recording should work") != std::string::npos);
  CHECK(screen.find("FAIL") == std::string::npos);
  CHECK(screen.find("fix:") == std::string::npos);
}

TEST_CASE("doctor: whether the hooks are in") {
  SystemFacts f = healthy();
  f.hooks_registered = false;
  CHECK(find(judge(f), "module")->detail.find("no hook is in") != std::string::npos);
  f.hooks_registered = true;
  CHECK(find(judge(f), "module")->detail.find("its hooks are in") != std::string::npos);
  f.hooks_registered.reset();  // a module from before the parameter
  CHECK(find(judge(f), "module")->detail == "kmemrec is loaded");
  CHECK(find(judge(f), "module")->verdict == Verdict::Ok);
}

TEST_CASE("doctor: the module") {
  SystemFacts f = healthy();
  f.module_loaded = false;
  f.device_exists = false;
  SECTION("installed for this kernel but not loaded") {
    CHECK(fails(f, "module", "modprobe kmemrec"));
    CHECK(find(judge(f), "device")->verdict == Verdict::Skipped);
  }
  SECTION("not installed") {
    f.module_file.clear();
    f.module_vermagic.clear();
    CHECK(fails(f, "module", "kmemrec-dkms"));
  }
  SECTION("built for another kernel") {
    f.module_vermagic = "6.1.0-57-amd64";
    CHECK(fails(f, "module", "built for 6.1.0-57-amd64, not for 6.12.117+deb12-amd64"));
    CHECK(fails(f, "module", "dkms autoinstall -k 6.12.117+deb12-amd64"));
  }
  SECTION("loaded, but the file on disk is for another kernel: warn, still ready") {
    f.module_loaded = true;
    f.device_exists = true;
    f.module_vermagic = "6.1.0-57-amd64";
    std::vector<Check> cs = judge(f);
    CHECK(find(cs, "module build")->verdict == Verdict::Warn);
    CHECK(ready(cs));
  }
}

TEST_CASE("doctor: the device") {
  SystemFacts f = healthy();
  SECTION("permission denied names the udev rule") {
    f.device_mode = 0;
    f.open_errno = EACCES;
    CHECK(fails(f, "device", "mode 0000"));
    CHECK(fails(f, "device", "60-kmemrec.rules"));
  }
  SECTION("missing with the module loaded") {
    f.device_exists = false;
    CHECK(fails(f, "device", "devtmpfs"));
  }
  SECTION("an ABI from another version") {
    f.abi_version = KMR_ABI_VERSION + 1;
    CHECK(fails(f, "ABI", "same kmemrec version"));
  }
  SECTION("not a kmemrec device") {
    f.version_errno = ENOTTY;
    CHECK(fails(f, "device", "not a kmemrec device"));
  }
  SECTION("hidden pfns: a warning only") {
    f.features = KMR_FEAT_PFN_HIDDEN;
    std::vector<Check> cs = judge(f);
    CHECK(find(cs, "pfns")->verdict == Verdict::Warn);
    CHECK(ready(cs));
  }
}

TEST_CASE("doctor: module signing") {
  SystemFacts f = healthy();
  f.module_loaded = false;
  f.device_exists = false;
  f.lockdown = "integrity";
  SECTION("lockdown and an unsigned module: the MOK steps") {
    CHECK(fails(f, "signing", "mokutil --import"));
    CHECK(fails(f, "signing", "sign-module.sh"));
  }
  SECTION("sig_enforce alone is enough") {
    f.lockdown = "none";
    f.sig_enforce = true;
    CHECK(fails(f, "signing", "is unsigned"));
  }
  SECTION("a signed module passes this check") {
    f.module_signer = "kmemrec test key";
    CHECK(find(judge(f), "signing")->verdict == Verdict::Ok);
  }
  SECTION("no enforcement: unsigned is fine") {
    f.lockdown = "none";
    CHECK(find(judge(f), "signing")->verdict == Verdict::Ok);
  }
}

TEST_CASE("doctor: ptrace_scope") {
  SystemFacts f = healthy();
  f.ptrace_scope = 3;
  CHECK(fails(f, "ptrace", "not even by root"));
  f.ptrace_scope = 2;
  CHECK(ready(judge(f)));
  f.cap_sys_ptrace = false;
  CHECK(fails(f, "ptrace", "only CAP_SYS_PTRACE"));
  f.ptrace_scope = 1;
  CHECK(find(judge(f), "ptrace")->verdict == Verdict::Warn);
}

TEST_CASE("doctor: kprobes, ftrace, kernel version, memory") {
  SystemFacts f = healthy();
  SECTION("disarmed kprobes") {
    f.kprobes_enabled = false;
    CHECK(fails(f, "kprobes", "echo 1 > /sys/kernel/debug/kprobes/enabled"));
  }
  SECTION("ftrace off") {
    f.ftrace_enabled = false;
    CHECK(fails(f, "ftrace", "sysctl kernel.ftrace_enabled=1"));
  }
  SECTION("optimization off: slower, still ready") {
    f.kprobes_optimization = false;
    CHECK(find(judge(f), "kprobes-opt")->verdict == Verdict::Warn);
    CHECK(ready(judge(f)));
  }
  SECTION("a kernel older than 6.1") {
    f.kernel_major = 5;
    f.kernel_minor = 15;
    CHECK(fails(f, "kernel", "older than 6.1"));
  }
  SECTION("rings larger than the module's cap") {
    f.ring_mem_max_mb = 8;
    CHECK(fails(f, "memory", "--buffer-size"));
  }
  SECTION("rings larger than available memory") {
    f.mem_available = 4ull << 20;
    CHECK(fails(f, "memory", "available memory"));
  }
}

TEST_CASE("doctor: vermagic of an uncompressed module image") {
  std::string img = std::string("\x7f" "ELF junk vermagic=no\0name=kmemrec\0vermagic=", 44) +
                    "6.1.0-57-amd64 SMP preempt mod_unload modversions " + std::string("\0", 1);
  CHECK(vermagicOfImage(img) == "6.1.0-57-amd64");
  CHECK(vermagicOfImage("no modinfo here").empty());
}
