// Reads what kmemrec doctor judges (doctor_facts.h).  Each reader leaves
// its fact unknown when the file is missing or unreadable: doctor says
// "could not check" rather than guess.
#include "doctor_facts.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kmemrec/abi.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kmr::recorder {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> readFile(const std::string& path, size_t max = 1 << 20) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  // Sized by the file where it has a size (a module is MiBs: no buffer of
  // the whole cap); /proc and /sys files say 0 or 4096 and are read to max.
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > 4096 && size < max) max = size_t(size);
  std::string s(max, '\0');
  in.read(s.data(), std::streamsize(max));
  s.resize(size_t(in.gcount()));
  return s;
}

std::optional<std::string> readLine(const std::string& path) {
  std::optional<std::string> s = readFile(path, 4096);
  if (!s) return std::nullopt;
  size_t nl = s->find('\n');
  if (nl != std::string::npos) s->resize(nl);
  return s;
}

std::optional<long long> readNumber(const std::string& path) {
  std::optional<std::string> s = readLine(path);
  if (!s || s->empty()) return std::nullopt;
  try {
    return std::stoll(*s);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<bool> readBool(const std::string& path) {
  std::optional<std::string> s = readLine(path);
  if (!s || s->empty()) return std::nullopt;
  char c = (*s)[0];
  if (c == 'Y' || c == 'y' || c == '1') return true;
  if (c == 'N' || c == 'n' || c == '0') return false;
  return std::nullopt;
}

// One field of `modinfo -F FIELD FILE` (kmod reads compressed modules and
// decodes the signature); "" when modinfo is missing or says nothing.
std::string modinfoField(const std::string& field, const std::string& file) {
  std::string cmd = "modinfo -F " + field + " '" + file + "' 2>/dev/null";
  if (file.find('\'') != std::string::npos) return "";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[512];
  std::string out;
  if (fgets(buf, sizeof buf, p)) out = buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// kmemrec.ko, .ko.xz, .ko.zst or .ko.gz anywhere under /lib/modules/<release>
// (DKMS puts it in updates/dkms, `make -C kernel install` in updates/).
std::string findModuleFile(const std::string& release) {
  std::error_code ec;
  fs::path top = "/lib/modules/" + release;
  for (fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied,
                                           ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind("kmemrec.ko", 0) == 0) return it->path().string();
  }
  return "";
}

// The highest possible CPU + 1 (nr_cpu_ids): "0-3" or "0,2-5".
unsigned possibleCpus() {
  std::optional<std::string> s = readLine("/sys/devices/system/cpu/possible");
  if (!s) return unsigned(std::max(1L, sysconf(_SC_NPROCESSORS_CONF)));
  size_t cut = s->find_last_of(",-");
  std::string last = cut == std::string::npos ? *s : s->substr(cut + 1);
  try {
    return unsigned(std::stoul(last)) + 1;
  } catch (...) {
    return 1;
  }
}

bool hasCapability(const std::string& status, int cap) {
  size_t at = status.find("CapEff:");
  if (at == std::string::npos) return false;
  unsigned long long eff = std::strtoull(status.c_str() + at + 7, nullptr, 16);
  return (eff >> cap) & 1;
}

void readDevice(SystemFacts& f) {
  struct stat st;
  if (stat(f.device.c_str(), &st) != 0) return;
  f.device_exists = true;
  f.device_is_chr = S_ISCHR(st.st_mode);
  f.device_mode = st.st_mode & 07777;
  int fd = ::open(f.device.c_str(), O_RDWR | O_CLOEXEC);
  f.open_errno = fd < 0 ? errno : 0;
  if (fd < 0) return;
  kmr_version v{};
  f.version_errno = ::ioctl(fd, KMR_IOC_VERSION, &v) == 0 ? 0 : errno;
  if (f.version_errno == 0) {
    f.abi_version = v.abi_version;
    f.features = v.features;
    v.kernel_release[sizeof v.kernel_release - 1] = 0;
    f.module_release = v.kernel_release;
  }
  ::close(fd);
}

}  // namespace

std::string vermagicOfImage(const std::string& image) {
  const std::string key = std::string("vermagic=");
  for (size_t at = image.find(key); at != std::string::npos; at = image.find(key, at + 1)) {
    // A .modinfo entry starts after a NUL (or at the section's start).
    if (at != 0 && image[at - 1] != '\0') continue;
    size_t b = at + key.size();
    size_t e = image.find_first_of(std::string(" \0", 2), b);
    if (e == std::string::npos || e == b) continue;
    return image.substr(b, e - b);
  }
  return "";
}

SystemFacts gatherFacts(const std::string& device) {
  SystemFacts f;
  f.device = device;
  struct utsname u;
  if (uname(&u) == 0) {
    f.release = u.release;
    std::sscanf(u.release, "%d.%d", &f.kernel_major, &f.kernel_minor);
  }

  f.module_loaded = fs::exists("/sys/module/kmemrec");
  f.module_file = findModuleFile(f.release);
  if (!f.module_file.empty()) {
    // A plain .ko is read directly: busybox's modinfo (initramfs, rescue
    // systems) wants modules.dep, and a guest's 6.12 install showed no
    // vermagic through it.  modinfo is for compressed modules.
    std::string vm = f.module_file.ends_with(".ko")
                         ? vermagicOfImage(readFile(f.module_file, 256 << 20).value_or(""))
                         : "";
    if (vm.empty()) vm = modinfoField("vermagic", f.module_file);
    f.module_vermagic = vm.substr(0, vm.find(' '));
    f.module_signer = modinfoField("signer", f.module_file);
  }
  if (std::optional<long long> mb = readNumber("/sys/module/kmemrec/parameters/ring_mem_max_mb"))
    f.ring_mem_max_mb = uint64_t(*mb);
  f.hooks_registered = readBool("/sys/module/kmemrec/parameters/hooks_registered");
  readDevice(f);
  f.headers_present = fs::exists("/lib/modules/" + f.release + "/build/Makefile");

  // "none [integrity] confidentiality": the bracketed word is the mode.
  if (std::optional<std::string> l = readLine("/sys/kernel/security/lockdown")) {
    size_t b = l->find('['), e = l->find(']');
    if (b != std::string::npos && e != std::string::npos && e > b)
      f.lockdown = l->substr(b + 1, e - b - 1);
  }
  f.sig_enforce = readBool("/sys/module/module/parameters/sig_enforce");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/firmware/efi/efivars", ec)) {
    if (e.path().filename().string().rfind("SecureBoot-", 0) != 0) continue;
    // 4 bytes of attributes, then the value.
    std::optional<std::string> v = readFile(e.path().string(), 16);
    if (v && v->size() >= 5) f.secure_boot = (*v)[4] == 1;
  }

  if (std::optional<long long> s = readNumber("/proc/sys/kernel/yama/ptrace_scope"))
    f.ptrace_scope = int(*s);
  f.kprobes_enabled = readBool("/sys/kernel/debug/kprobes/enabled");
  f.kprobes_optimization = readBool("/proc/sys/debug/kprobes-optimization");
  f.ftrace_enabled = readBool("/proc/sys/kernel/ftrace_enabled");
  if (std::optional<std::string> cfg = readFile("/boot/config-" + f.release, 16 << 20)) {
    f.config_kprobes = cfg->find("\nCONFIG_KPROBES=y") != std::string::npos;
    f.config_kretprobes = cfg->find("\nCONFIG_KRETPROBES=y") != std::string::npos;
  }

  std::string status = readFile("/proc/self/status").value_or("");
  f.cap_sys_ptrace = hasCapability(status, 19);
  f.cap_sys_admin = hasCapability(status, 21);
  f.is_root = geteuid() == 0;

  std::istringstream mi(readFile("/proc/meminfo").value_or(""));
  std::string key;
  unsigned long long kb;
  std::string unit;
  while (mi >> key >> kb) {
    std::getline(mi, unit);
    if (key == "MemAvailable:") f.mem_available = kb << 10;
    if (key == "MemTotal:") f.mem_total = kb << 10;
  }
  f.cpus = possibleCpus();
  return f;
}

}  // namespace kmr::recorder
