// SPDX-License-Identifier: Apache-2.0
// device_identity: what this machine is and who it belongs to.
#include "runtime-tools/tools/device_identity.hpp"

#include <array>
#include <sstream>

#include "runtime-tools/lib/asset_tag.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

// SMBIOS chassis types (DMTF DSP0134, table 17) that fleets meet.
std::string chassis_name(const std::string& code) {
  static const std::array<const char*, 37> kNames = {"",
                                                     "other",
                                                     "unknown",
                                                     "desktop",
                                                     "low-profile-desktop",
                                                     "pizza-box",
                                                     "mini-tower",
                                                     "tower",
                                                     "portable",
                                                     "laptop",
                                                     "notebook",
                                                     "hand-held",
                                                     "docking-station",
                                                     "all-in-one",
                                                     "sub-notebook",
                                                     "space-saving",
                                                     "lunch-box",
                                                     "main-server-chassis",
                                                     "expansion-chassis",
                                                     "sub-chassis",
                                                     "bus-expansion-chassis",
                                                     "peripheral-chassis",
                                                     "raid-chassis",
                                                     "rack-mount-chassis",
                                                     "sealed-case-pc",
                                                     "multi-system-chassis",
                                                     "compact-pci",
                                                     "advanced-tca",
                                                     "blade",
                                                     "blade-enclosure",
                                                     "tablet",
                                                     "convertible",
                                                     "detachable",
                                                     "iot-gateway",
                                                     "embedded-pc",
                                                     "mini-pc",
                                                     "stick-pc"};
  int value = 0;
  std::istringstream(code) >> value;
  if (value <= 0 || value >= static_cast<int>(kNames.size())) return {};
  return kNames[static_cast<std::size_t>(value)];
}

json dmi(const Host& host) {
  json out = json::object();
  for (const char* field :
       {"sys_vendor", "product_name", "product_version", "product_family",
        "product_sku", "product_serial", "product_uuid", "board_vendor",
        "board_name", "board_version", "board_serial", "chassis_vendor",
        "chassis_type", "chassis_serial", "chassis_asset_tag", "bios_vendor",
        "bios_version", "bios_date"}) {
    auto value = dmi_field(host, field);
    out[field] = value.empty() ? json(nullptr) : json(value);
  }
  auto type = out["chassis_type"];
  out["chassis"] = type.is_string() ? json(chassis_name(type)) : json(nullptr);
  return out;
}

// Physical interfaces only: loopback and virtual devices have no `device`.
json mac_addresses(const Host& host) {
  json list = json::array();
  for (const auto& name : host.list("/sys/class/net")) {
    auto base = "/sys/class/net/" + name;
    if (!host.exists(base + "/device")) continue;
    auto mac = host.read_trimmed(base + "/address");
    auto permanent = host.read_trimmed(base + "/perm_addr");
    list.push_back({{"interface", name},
                    {"mac", mac},
                    {"permanent_mac", permanent.empty() ? mac : permanent}});
  }
  return list;
}

// The UEFI asset tag with its compact form; null when none is set or the
// machine has no UEFI variables. A tag that cannot be read is a warning.
json asset_tag(Context& ctx) {
  auto stored = read_machine_asset_tag(ctx.options.sysroot);
  if (!stored) {
    ctx.envelope.warn(kPartialData, "the asset tag was not read",
                      stored.error().message);
    return nullptr;
  }
  if (!*stored) return nullptr;
  auto data = to_json((*stored)->tag);
  data["compact"] = compact_form((*stored)->tag).text;
  return data;
}

}  // namespace

json parse_env_file(const std::string& text) {
  json out = json::object();
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos || eq == 0) {
      continue;
    }
    auto value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

Result<json> collect_device_identity(Context& ctx) {
  const auto& host = ctx.host;
  json data = json::object();
  data["dmi"] = dmi(host);
  if (!host.exists("/sys/class/dmi/id")) {
    ctx.envelope.warn(kPartialData, "no DMI data on this machine",
                      "/sys/class/dmi/id is missing");
  }
  data["machine_id"] = host.read_trimmed("/etc/machine-id");
  auto release = host.read("/etc/dgx-release", 64 * 1024);
  data["dgx_release"] = release ? parse_env_file(*release) : json(nullptr);
  data["network_macs"] = mac_addresses(host);
  data["asset_tag"] = asset_tag(ctx);

  bool fallback = false;
  auto ids = read_host_ids(host, &fallback);
  data["hostname"] = ids.hostname;
  data["asset_id"] = ids.asset_id;
  data["asset_id_source"] =
      fallback ? "machine_id"
               : (dmi_field(host, "product_serial").empty() ? "product_uuid"
                                                            : "product_serial");
  return data;
}

ToolSpec device_identity_spec() {
  return {.name = "device_identity",
          .area = "inventory",
          .description =
              "What this machine is: DMI, machine id, DGX "
              "release, MAC addresses, asset tag",
          .add_options = nullptr,
          .collect = collect_device_identity};
}

}  // namespace sf::rt
