// SPDX-License-Identifier: Apache-2.0
// The installed packages of a machine, read from dpkg's status file with
// libapt-pkg's deb822 parser, so stanzas split exactly as apt splits them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "runtime-tools/lib/host.hpp"

namespace sf::rt {

// Where dpkg keeps its database of packages (below the host's root).
inline constexpr std::string_view kDpkgStatusPath = "/var/lib/dpkg/status";

// One package that dpkg reports as installed: its Status field ends in
// "ok installed" (the want may be anything: install, hold, deinstall,
// purge). Packages that are only configured half-way, unpacked, or known
// but not installed ("config-files", "not-installed") are left out.
struct InstalledPackage {
  std::string name;          // Package
  std::string version;       // Version, epoch included ("1:2.3-4")
  std::string architecture;  // Architecture ("arm64", "all", ...)
  std::string status_want;   // first word of Status: "install", "hold",
                             // "deinstall", "purge" or "unknown"
  std::string section;       // Section, empty when absent
  std::string source;        // Source as written ("glibc (2.39-0ubuntu8)"),
                             // empty when the package is its own source
  // Installed-Size in KiB; nullopt when absent or not a number.
  std::optional<std::uint64_t> installed_size;

  bool operator==(const InstalledPackage&) const = default;
};

// What read_dpkg_status noticed besides the packages.
struct DpkgStatusNotes {
  // Stanzas left out: installed ones that lack Package, Version or
  // Architecture, and any stanza dpkg itself would refuse (see below).
  std::size_t skipped_stanzas = 0;
  // The first problem that may have hidden a package, empty when none:
  // a field name that is not one (libapt-pkg folds a line without a
  // colon into the next field's name), a field given twice (a
  // whitespace-only line joins two stanzas), or a stanza libapt-pkg
  // cannot parse at all (reading stops there). The packages found are
  // still returned; callers report this as W_PARTIAL_DATA.
  std::optional<std::string> parse_error;
};

// Reads kDpkgStatusPath below host.root(): the installed packages, sorted
// by name then architecture. Fails with not_found when the file is
// missing (no dpkg on this machine, or a fixture without one) and with
// general when it cannot be opened or read. A file that turns to garbage
// part-way is not a failure; notes (when given) says so.
[[nodiscard]] Result<std::vector<InstalledPackage>> read_dpkg_status(
    const Host& host, DpkgStatusNotes* notes = nullptr);

// The same for a file at any path (tests, evidence bundles).
[[nodiscard]] Result<std::vector<InstalledPackage>> read_dpkg_status_file(
    const std::filesystem::path& file, DpkgStatusNotes* notes = nullptr);

// "name version architecture" for each package, one per line, sorted
// bytewise, each line ending in '\n': the text that package fingerprints
// hash (os_build_identity's package_fingerprint).
[[nodiscard]] std::string package_lines(
    const std::vector<InstalledPackage>& packages);

}  // namespace sf::rt
