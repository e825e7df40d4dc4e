// SPDX-License-Identifier: Apache-2.0
// The text of Packages and Release files and the pool layout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.hpp"
#include "mirror/apt/deb_file.hpp"

namespace sf {

// One package as it appears in a Packages index.
struct IndexedDeb {
  DebControl control;
  std::string filename;  // relative to the repository root
  Digests digests;       // with SHA-512
};

// Formats seconds since the epoch as Release does: "Thu, 03 Dec 2026
// 10:00:00 UTC" (English names whatever the locale).
[[nodiscard]] std::string release_date(std::int64_t seconds);

// pool/<component>/<prefix>/<package>/<package>_<version>_<arch>.deb with
// the epoch left out of the version; prefix is "libX" for lib* packages and
// the first letter otherwise.
[[nodiscard]] std::string pool_filename(std::string_view component,
                                        const DebControl& control);

// Checks that package, version and architecture only hold the characters
// Debian policy allows, so they are safe in file names.
[[nodiscard]] Result<void> check_identity(const DebControl& control);

// The Packages text: one stanza per package in the given order (the control
// fields, then Filename, Size, SHA256, SHA512), a blank line between.
[[nodiscard]] std::string packages_text(const std::vector<IndexedDeb>& debs);

// Sorts by package name, then version in Debian order, then architecture.
void sort_for_index(std::vector<IndexedDeb>& debs);

// An index file listed in Release: path relative to dists/<suite>/.
struct ReleaseEntry {
  std::string path;
  Digests digests;
};

struct ReleaseFields {
  std::string origin, label, suite, codename, description;
  std::int64_t date = 0;
  std::int64_t valid_until = 0;  // 0: no Valid-Until
  std::vector<std::string> architectures;
  std::vector<std::string> components;
};

// The Release text: the fields in Debian's order, Acquire-By-Hash: yes, and
// SHA256 and SHA512 sections listing `entries` in the order given.
[[nodiscard]] std::string release_text(
    const ReleaseFields& fields, const std::vector<ReleaseEntry>& entries);

}  // namespace sf
