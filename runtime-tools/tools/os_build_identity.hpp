// SPDX-License-Identifier: Apache-2.0
// os_build_identity: which operating system build this machine runs.
#pragma once

#include "runtime-tools/lib/dpkg_status.hpp"
#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// /etc/os-release, /etc/dgx-release (factory build and OTA level), the
// kernel release and version, the boot id and a fingerprint of the
// installed packages. Missing parts are null with W_PARTIAL_DATA; a
// machine without /etc/dgx-release (not a DGX) has "dgx": null and no
// warning. Never fails.
[[nodiscard]] Result<nlohmann::json> collect_os_build_identity(Context& ctx);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec os_build_identity_spec();

// The DGX software level from /etc/dgx-release's fields: factory build
// (DGX_SWBUILD_VERSION, _DATE), OTA level (DGX_OTA_VERSION, _DATE, null
// before the first OTA) and the level now running (OTA, else factory).
[[nodiscard]] nlohmann::json dgx_build(const nlohmann::json& release);

// SHA-256 over package_lines(packages): equal package sets give equal
// fingerprints whatever the order of the status file.
[[nodiscard]] std::string package_fingerprint(
    const std::vector<InstalledPackage>& packages);

}  // namespace sf::rt
