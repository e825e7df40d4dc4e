// SPDX-License-Identifier: Apache-2.0
// device_identity: what this machine is and who it belongs to.
#pragma once

#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// DMI (vendor, product, serials, UUID, chassis, BIOS), the machine id,
// /etc/dgx-release, MAC addresses, the asset tag when one is set, and the
// asset id (serial, else UUID, else machine id).
[[nodiscard]] Result<nlohmann::json> collect_device_identity(Context& ctx);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec device_identity_spec();

// KEY=VALUE lines (as /etc/os-release and /etc/dgx-release hold them),
// with quotes removed; comments and malformed lines are skipped.
[[nodiscard]] nlohmann::json parse_env_file(const std::string& text);

}  // namespace sf::rt
