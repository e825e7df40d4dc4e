// SPDX-License-Identifier: Apache-2.0
// The installed packages of a machine, read from dpkg's status file with
// libapt-pkg's deb822 parser, so stanzas split exactly as apt splits them.
#include "runtime-tools/lib/dpkg_status.hpp"

#include <apt-pkg/error.h>
#include <apt-pkg/fileutl.h>
#include <apt-pkg/tagfile.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>

namespace sf::rt {
namespace {

namespace fs = std::filesystem;

// libapt-pkg reports through a global (per-thread) error stack rather than
// return values. Drains it, so one read never leaks messages into the next,
// and returns its errors joined by "; " (empty when there were none).
std::string take_apt_errors() {
  std::string joined;
  std::string message;
  while (!_error->empty()) {
    bool is_error = _error->PopMessage(message);
    if (!is_error || message.empty()) continue;
    if (!joined.empty()) joined += "; ";
    joined += message;
  }
  return joined;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

std::optional<std::uint64_t> to_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Status is "<want> <flag> <status>" (dpkg-query(1)); a package counts as
// installed only as "<want> ok installed". Returns the want, or nullopt
// for anything else.
std::optional<std::string> installed_want(std::string_view status) {
  auto parts = words(status);
  if (parts.size() != 3 || parts[1] != "ok" || parts[2] != "installed") {
    return std::nullopt;
  }
  return parts[0];
}

// One stanza as a package: nullopt when it is not installed; skipped is
// set when it is installed but lacks a field every package has.
std::optional<InstalledPackage> to_package(const pkgTagSection& section,
                                           bool& skipped) {
  auto want = installed_want(section.Find("Status").to_string());
  if (!want) return std::nullopt;
  InstalledPackage package{
      .name = section.FindS("Package"),
      .version = section.FindS("Version"),
      .architecture = section.FindS("Architecture"),
      .status_want = *want,
      .section = section.FindS("Section"),
      .source = section.FindS("Source"),
      .installed_size = to_number(section.FindS("Installed-Size"))};
  if (package.name.empty() || package.version.empty() ||
      package.architecture.empty()) {
    skipped = true;
    return std::nullopt;
  }
  return package;
}

// deb822 field names are printable ASCII without ':' or spaces and do not
// start with '#' or '-' (deb822(5)); names compare without regard to case.
bool valid_field_name(std::string_view name) {
  if (name.empty() || name.front() == '#' || name.front() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != ':'; });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Shows a field name in a message: at most 32 bytes, anything outside
// printable ASCII as '?'.
std::string shown(std::string_view name) {
  std::string out(name.substr(0, 32));
  for (auto& c : out) {
    if (c < ' ' || c >= 0x7f) c = '?';
  }
  return "\"" + out + (name.size() > 32 ? "...\"" : "\"");
}

// libapt-pkg is more lenient than dpkg: it folds a line without a colon
// into the next field's name, and lets a repeated field (as a
// whitespace-only line between two stanzas produces) hide the first. Both
// would lose a package without a word, and dpkg itself refuses such a
// file, so such a stanza is reported here. Returns why, or empty.
std::string stanza_problem(const pkgTagSection& section) {
  std::set<std::string> seen;
  for (unsigned int i = 0; i < section.Count(); ++i) {
    const char* start = nullptr;
    const char* stop = nullptr;
    section.Get(start, stop, i);
    std::string_view field(start, static_cast<std::size_t>(stop - start));
    auto name = field.substr(0, field.find(':'));
    if (!valid_field_name(name)) return "bad field name " + shown(name);
    if (!seen.insert(lower(name)).second) {
      return "field " + shown(name) + " appears twice";
    }
  }
  return {};
}

void sort_packages(std::vector<InstalledPackage>& packages) {
  std::sort(packages.begin(), packages.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.architecture, a.version) <
           std::tie(b.name, b.architecture, b.version);
  });
}

}  // namespace

Result<std::vector<InstalledPackage>> read_dpkg_status_file(
    const fs::path& file, DpkgStatusNotes* notes) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return fail(ExitCode::not_found,
                "reading " + file.string() + ": no such file");
  }
  take_apt_errors();
  FileFd fd;
  if (!fd.Open(file.string(), FileFd::ReadOnly)) {
    return fail("reading " + file.string() + ": " + take_apt_errors());
  }

  pkgTagFile tags(&fd);
  pkgTagSection section;
  std::vector<InstalledPackage> packages;
  DpkgStatusNotes found;
  for (std::size_t index = 0; tags.Step(section); ++index) {
    if (auto problem = stanza_problem(section); !problem.empty()) {
      ++found.skipped_stanzas;
      if (!found.parse_error) {
        found.parse_error =
            "stanza " + std::to_string(index + 1) + ": " + problem;
      }
      continue;
    }
    bool skipped = false;
    if (auto package = to_package(section, skipped)) {
      packages.push_back(std::move(*package));
    }
    if (skipped) ++found.skipped_stanzas;
  }
  // Step returns false both at the end and at a stanza it cannot parse;
  // only the second leaves an error behind.
  if (auto errors = take_apt_errors(); !errors.empty() && !found.parse_error) {
    found.parse_error = errors;
  }

  sort_packages(packages);
  if (notes) *notes = std::move(found);
  return packages;
}

Result<std::vector<InstalledPackage>> read_dpkg_status(const Host& host,
                                                       DpkgStatusNotes* notes) {
  // Resolved inside the root: libapt-pkg opens the file by name.
  auto path = host.confined_path(kDpkgStatusPath);
  if (!path) {
    return fail(ExitCode::not_found,
                "reading " + std::string(kDpkgStatusPath) + ": no such file");
  }
  return read_dpkg_status_file(*path, notes);
}

std::string package_lines(const std::vector<InstalledPackage>& packages) {
  std::vector<std::string> lines;
  lines.reserve(packages.size());
  for (const auto& p : packages) {
    lines.push_back(p.name + " " + p.version + " " + p.architecture + "\n");
  }
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& line : lines) text += line;
  return text;
}

}  // namespace sf::rt
