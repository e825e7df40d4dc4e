// SPDX-License-Identifier: Apache-2.0
// firmware_reporter: the running UEFI version from DMI, every component
// fwupd knows with its version, and whether an installed update still waits
// for a reboot to become active.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// One entry of `fwupdmgr get-devices --json` ("Devices": [...]).
struct FirmwareComponent {
  std::string category;  // see classify_component
  std::string name;
  std::string version;
  std::string version_bootloader;
  std::string plugin;
  std::string vendor;
  std::vector<std::string> guids;
  std::vector<std::string> flags;
  std::string update_state;  // "success", "needs-reboot", ...; may be empty

  bool operator==(const FirmwareComponent&) const = default;
};

// The component kind fleets report on: "UEFI" (the system firmware),
// "SoC", "EC", "TPM", "NVMe", "ConnectX", or "other" (CPU microcode, the
// UEFI revocation list, peripherals). Decided by name first, since DGX
// Spark delivers SoC, EC and ConnectX firmware as UEFI capsules of the
// same plugin as the system firmware, then by plugin and flags.
[[nodiscard]] std::string classify_component(
    std::string_view name, std::string_view plugin,
    const std::vector<std::string>& flags);

// Parses fwupdmgr's JSON. Text before the first '{' (a daemon warning) is
// skipped; fails when no JSON object with a "Devices" array follows.
// Devices without a name are skipped. The result is sorted by category
// (UEFI, SoC, EC, TPM, NVMe, ConnectX, other), then name and version.
[[nodiscard]] Result<std::vector<FirmwareComponent>> parse_fwupd_devices(
    std::string_view text);

// Whether installed firmware waits for activation, with each reason.
struct PendingActivation {
  bool pending = false;
  std::vector<std::string> reasons;
};

// Pending when the running UEFI version (DMI bios_version) differs from
// the version fwupd reports for the UEFI component (compared without case
// or surrounding space), when a component carries fwupd's dynamic
// "needs-activation" flag, or when its update state is "needs-reboot" or
// "pending". fwupd's "needs-reboot" *flag* is not a reason: it is a static
// capability ("applying needs a reboot") every capsule device carries.
// An empty bios_version skips the version comparison.
[[nodiscard]] PendingActivation pending_activation(
    std::string_view bios_version,
    const std::vector<FirmwareComponent>& components);

// "09/26/2025" (DMI's bios_date) as "2025-09-26"; empty for other shapes.
[[nodiscard]] std::string iso_bios_date(std::string_view dmi_date);

// Collects the UEFI block from DMI and the components from fwupdmgr under
// --timeout-sec. A missing fwupdmgr gives no components and
// W_PARTIAL_DATA; one that outlives the timeout an E_TIMEOUT warning as
// well. Never fails.
[[nodiscard]] Result<nlohmann::json> collect_firmware_reporter(Context& ctx);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec firmware_reporter_spec();

}  // namespace sf::rt
