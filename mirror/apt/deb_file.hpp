// SPDX-License-Identifier: Apache-2.0
// Reads the control stanza of a binary package (.deb).
#pragma once

#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace sf {

// The identity and control text of one .deb.
struct DebControl {
  std::string package;
  std::string version;
  std::string architecture;
  // The control file's fields as written, each line ending in "\n", with no
  // blank line before or after.
  std::string stanza;
};

// Reads `deb`: checks that debian-binary says 2.0, finds control.tar (plain,
// .gz, .xz or .zst) and parses its ./control with libapt-pkg. Package,
// Version and Architecture are required. Fails with not_found when the file
// is missing and general otherwise, e.g. "reading x.deb: not an ar archive",
// "reading x.deb: no control member", "reading x.deb: control file does not
// parse", "reading x.deb: control has no Version field".
[[nodiscard]] Result<DebControl> read_deb_control(
    const std::filesystem::path& deb);

}  // namespace sf
