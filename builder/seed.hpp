// SPDX-License-Identifier: Apache-2.0
// The cloud-init NoCloud seed (user-data, meta-data, network-config).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "builder/fleet.hpp"
#include "core/error.hpp"

namespace sf::builder {

// The files of a NoCloud seed, each ready to write as-is.
struct Seed {
  std::string user_data;       // "#cloud-config" and the first-boot runcmd
  std::string meta_data;       // instance-id only; hostnames come per device
  std::string network_config;  // netplan v2; DHCP on en* when not configured
  std::optional<std::string> vendor_data;  // the configured file, verbatim
};

// Renders the seed of a fleet. The output depends only on the fleet and
// instance_id, byte for byte. Fails with invalid_args on an empty or
// multi-line instance_id or a vendor-data file that is not cloud-config
// YAML ("FILE:LINE:COL: ..."), and with not_found when that file is missing.
// Never throws.
[[nodiscard]] Result<Seed> render_seed(const Fleet& fleet,
                                       std::string_view instance_id);

// The POSIX sh script that user-data's runcmd runs at first boot: wait for
// OEMDATA, mount it, run its hook.sh and disable cloud-init only when the
// hook succeeded. Environment overrides for tests: SPARKFORGE_OEM_DEV,
// SPARKFORGE_OEM_MNT, SPARKFORGE_CONSOLE, SPARKFORGE_WAIT_SEC,
// SPARKFORGE_POLL_SEC, SPARKFORGE_CLOUD_DISABLED_FILE.
[[nodiscard]] std::string_view firstboot_script();

}  // namespace sf::builder
