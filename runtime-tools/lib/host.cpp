// SPDX-License-Identifier: Apache-2.0
// The one way on-device tools touch the machine: files below a root
// (`/`, or --sysroot DIR) and commands run with a timeout and an output cap.
#include "runtime-tools/lib/host.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <deque>

namespace sf::rt {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string text) {
  auto junk = [](unsigned char c) { return std::isspace(c) || c == '\0'; };
  while (!text.empty() && junk(static_cast<unsigned char>(text.back()))) {
    text.pop_back();
  }
  std::size_t start = 0;
  while (start < text.size() && junk(static_cast<unsigned char>(text[start]))) {
    ++start;
  }
  return text.substr(start);
}

std::string lower(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

// Values firmware vendors leave in DMI fields they did not fill in.
bool is_placeholder(const std::string& value) {
  static const std::array<std::string_view, 10> kPlaceholders = {
      "to be filled by o.e.m.",
      "default string",
      "not specified",
      "not applicable",
      "system serial number",
      "none",
      "0",
      "o.e.m.",
      "unknown"};
  auto text = lower(value);
  if (std::find(kPlaceholders.begin(), kPlaceholders.end(), text) !=
      kPlaceholders.end()) {
    return true;
  }
  // All zeros or all Fs (with dashes), as unset UUIDs and serials look.
  bool zeros = std::all_of(text.begin(), text.end(),
                           [](char c) { return c == '0' || c == '-'; });
  bool effs = std::all_of(text.begin(), text.end(),
                          [](char c) { return c == 'f' || c == '-'; });
  return zeros || effs;
}

bool printable(const std::string& value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

std::deque<std::string> split_path(std::string_view path) {
  std::deque<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The open folders from the root down to the current one; the root stays.
class FolderStack {
 public:
  explicit FolderStack(int root) { fds_.push_back(root); }
  ~FolderStack() {
    for (int fd : fds_) ::close(fd);
  }
  FolderStack(const FolderStack&) = delete;
  FolderStack& operator=(const FolderStack&) = delete;
  int top() const { return fds_.back(); }
  void push(int fd) { fds_.push_back(fd); }
  void pop() {
    if (fds_.size() == 1) return;  // ".." at the root stays at the root
    ::close(fds_.back());
    fds_.pop_back();
  }
  void to_root() {
    while (fds_.size() > 1) pop();
  }

 private:
  std::vector<int> fds_;
};

// Opens a machine path below the root as the kernel's RESOLVE_IN_ROOT does,
// walking one component at a time: "..", absolute symbolic links and links
// that climb never leave the root, so a fixture or a disk image cannot make
// a tool read the host's own /etc/shadow. Written by hand rather than with
// openat2, which qemu-user (the arm64 tests) does not offer. follow_last:
// whether a symlink in the last component is followed. -1 with errno set on
// failure.
int open_beneath(const fs::path& root, std::string_view path, int flags,
                 bool follow_last) {
  int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return -1;
  FolderStack folders(root_fd);
  auto parts = split_path(path);
  int hops = 0;
  while (!parts.empty()) {
    auto part = std::move(parts.front());
    parts.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      folders.pop();
      continue;
    }
    bool last = parts.empty();
    struct stat st {};
    if (::fstatat(folders.top(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return -1;
    }
    if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
      std::array<char, 4096> target{};
      auto n = ::readlinkat(folders.top(), part.c_str(), target.data(),
                            target.size() - 1);
      if (n < 0 || ++hops > 40) {
        errno = n < 0 ? errno : ELOOP;
        return -1;
      }
      std::string_view text(target.data(), static_cast<std::size_t>(n));
      auto more = split_path(text);
      parts.insert(parts.begin(), more.begin(), more.end());
      if (text.starts_with('/')) folders.to_root();
      continue;
    }
    if (last) {
      return ::openat(folders.top(), part.c_str(),
                      flags | O_NOFOLLOW | O_CLOEXEC);
    }
    int next = ::openat(folders.top(), part.c_str(),
                        O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return -1;
    folders.push(next);
  }
  return ::openat(folders.top(), ".", flags | O_CLOEXEC);
}

}  // namespace

Host::Host(fs::path root, std::chrono::milliseconds command_timeout)
    : root_(std::move(root)), timeout_(command_timeout) {}

fs::path Host::path(std::string_view absolute) const {
  auto relative = fs::path(absolute).relative_path();
  return root_ / relative;
}

std::optional<std::string> Host::read(std::string_view absolute,
                                      std::size_t max_bytes) const {
  // O_NONBLOCK: a fifo planted in a root must not hang the tool; only
  // regular files (as /proc and /sys files are) are read.
  int fd = open_beneath(root_, absolute, O_RDONLY | O_NONBLOCK, true);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string text;
  std::array<char, 8192> buffer{};
  while (text.size() < max_bytes) {
    auto want = std::min(buffer.size(), max_bytes - text.size());
    ssize_t got = ::read(fd, buffer.data(), want);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (got == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  return text;
}

std::string Host::read_trimmed(std::string_view absolute) const {
  auto text = read(absolute, 64 * 1024);
  return text ? trim(*text) : std::string();
}

std::optional<fs::path> Host::confined_path(std::string_view absolute) const {
  int fd = open_beneath(root_, absolute, O_PATH, true);
  if (fd < 0) return std::nullopt;
  std::error_code ec;
  auto real = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  ::close(fd);
  if (ec) return std::nullopt;
  return real;
}

bool Host::exists(std::string_view absolute) const {
  int fd = open_beneath(root_, absolute, O_PATH, false);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::vector<std::string> Host::list(std::string_view absolute) const {
  std::vector<std::string> names;
  int fd = open_beneath(root_, absolute, O_RDONLY | O_DIRECTORY, true);
  if (fd < 0) return names;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return names;
  }
  while (auto* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

std::string Host::link_target(std::string_view absolute) const {
  int fd = open_beneath(root_, absolute, O_PATH, false);
  if (fd < 0) return {};
  std::array<char, 4096> target{};
  auto n = ::readlinkat(fd, "", target.data(), target.size() - 1);
  ::close(fd);
  return n < 0 ? std::string()
               : std::string(target.data(), static_cast<std::size_t>(n));
}

Result<RunResult> Host::run(std::vector<std::string> argv,
                            std::optional<std::chrono::milliseconds> timeout,
                            std::size_t output_cap) {
  RunOptions options{.argv = argv,
                     .timeout = timeout.value_or(timeout_),
                     .output_cap = output_cap};
  auto result = sf::run(options);
  CommandRecord record{.argv = std::move(argv)};
  if (result) {
    record.exit_code = result->exit_code;
    record.duration = result->duration;
    record.truncated = result->out_truncated || result->err_truncated;
  } else {
    record.timed_out = result.error().code == ExitCode::timeout;
    record.duration = options.timeout;
  }
  commands_.push_back(std::move(record));
  return result;
}

std::string dmi_field(const Host& host, std::string_view name) {
  auto value = host.read_trimmed("/sys/class/dmi/id/" + std::string(name));
  // SMBIOS strings are short; anything longer is not a real field.
  constexpr std::size_t kMaxDmiChars = 256;
  if (value.empty() || value.size() > kMaxDmiChars || !printable(value) ||
      is_placeholder(value)) {
    return {};
  }
  return value;
}

HostIds read_host_ids(const Host& host, bool* used_machine_id) {
  HostIds ids;
  ids.hostname = host.read_trimmed("/proc/sys/kernel/hostname");
  if (ids.hostname.empty()) ids.hostname = host.read_trimmed("/etc/hostname");
  ids.machine_id = host.read_trimmed("/etc/machine-id");
  ids.asset_id = dmi_field(host, "product_serial");
  if (ids.asset_id.empty())
    ids.asset_id = lower(dmi_field(host, "product_uuid"));
  bool fallback = ids.asset_id.empty();
  if (fallback) ids.asset_id = ids.machine_id;
  if (used_machine_id) *used_machine_id = fallback;
  return ids;
}

}  // namespace sf::rt
