// SPDX-License-Identifier: Apache-2.0
// The one way on-device tools touch the machine: files below a root
// (`/`, or --sysroot DIR) and commands run with a timeout and an output cap.
#include "runtime-tools/lib/host.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

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

}  // namespace

Host::Host(fs::path root, std::chrono::milliseconds command_timeout)
    : root_(std::move(root)), timeout_(command_timeout) {}

fs::path Host::path(std::string_view absolute) const {
  auto relative = fs::path(absolute).relative_path();
  return root_ / relative;
}

std::optional<std::string> Host::read(std::string_view absolute,
                                      std::size_t max_bytes) const {
  int fd = ::open(path(absolute).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
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

bool Host::exists(std::string_view absolute) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path(absolute), ec));
}

std::vector<std::string> Host::list(std::string_view absolute) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path(absolute), ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Host::link_target(std::string_view absolute) const {
  std::error_code ec;
  auto target = fs::read_symlink(path(absolute), ec);
  return ec ? std::string() : target.string();
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
