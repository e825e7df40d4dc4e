// SPDX-License-Identifier: Apache-2.0
// firmware_reporter: the running UEFI version from DMI, every component
// fwupd knows with its version, and whether an installed update still waits
// for a reboot to become active.
#include "runtime-tools/tools/firmware_reporter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

namespace sf::rt {
namespace {

using nlohmann::json;

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string trimmed(std::string_view text) {
  auto space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The order components are listed in.
constexpr std::array<std::string_view, 7> kCategories = {
    "UEFI", "SoC", "EC", "TPM", "NVMe", "ConnectX", "other"};

std::size_t category_rank(std::string_view category) {
  auto it = std::find(kCategories.begin(), kCategories.end(), category);
  return static_cast<std::size_t>(it - kCategories.begin());
}

std::string string_field(const json& device, const char* key) {
  auto it = device.find(key);
  return it != device.end() && it->is_string() ? it->get<std::string>()
                                               : std::string();
}

std::vector<std::string> string_list(const json& device, const char* key) {
  std::vector<std::string> out;
  auto it = device.find(key);
  if (it == device.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

FirmwareComponent component_of(const json& device) {
  FirmwareComponent c{
      .name = string_field(device, "Name"),
      .version = string_field(device, "Version"),
      .version_bootloader = string_field(device, "VersionBootloader"),
      .plugin = string_field(device, "Plugin"),
      .vendor = string_field(device, "Vendor"),
      .guids = string_list(device, "Guid"),
      .flags = string_list(device, "Flags"),
      .update_state = string_field(device, "UpdateState")};
  // Older fwupd wrote a single GUID as a string.
  if (c.guids.empty()) {
    auto guid = string_field(device, "Guid");
    if (!guid.empty()) c.guids.push_back(guid);
  }
  c.category = classify_component(c.name, c.plugin, c.flags);
  return c;
}

json to_json(const FirmwareComponent& c) {
  auto or_null = [](const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
  };
  return {{"category", c.category},
          {"name", c.name},
          {"version", or_null(c.version)},
          {"version_bootloader", or_null(c.version_bootloader)},
          {"plugin", or_null(c.plugin)},
          {"vendor", or_null(c.vendor)},
          {"guids", c.guids},
          {"flags", c.flags},
          {"update_state", or_null(c.update_state)}};
}

// The firmware the machine runs now, from SMBIOS type 0 (and the EC
// release SMBIOS 3.x puts there too).
json uefi_block(const Host& host) {
  auto field = [&host](const char* name) {
    auto value = dmi_field(host, name);
    return value.empty() ? json(nullptr) : json(value);
  };
  auto date = dmi_field(host, "bios_date");
  auto iso = iso_bios_date(date);
  return {{"vendor", field("bios_vendor")},
          {"version", field("bios_version")},
          {"date", field("bios_date")},
          {"date_iso", iso.empty() ? json(nullptr) : json(iso)},
          {"release", field("bios_release")},
          {"ec_firmware_release", field("ec_firmware_release")}};
}

struct Probe {
  std::string status;  // answered, not_installed, timeout, failed, unreadable
  std::string detail;
  std::vector<FirmwareComponent> components;
};

// Runs fwupdmgr under --timeout-sec. It talks to fwupd over D-Bus, and
// a daemon that is starting up or stuck on a device can keep it waiting.
Probe ask_fwupd(Context& ctx) {
  auto ran = ctx.host.run({"fwupdmgr", "get-devices", "--json"}, std::nullopt,
                          4u << 20);
  if (!ran) {
    switch (ran.error().code) {
      case ExitCode::not_found: return {"not_installed", "", {}};
      case ExitCode::timeout: return {"timeout", ran.error().message, {}};
      default: return {"failed", ran.error().message, {}};
    }
  }
  auto parsed = parse_fwupd_devices(ran->out);
  if (parsed) return {"answered", "", std::move(*parsed)};
  // fwupdmgr exits non-zero (and prints no JSON) when no device is
  // supported; that is an answer too, with nothing in it.
  auto detail = trimmed(ran->err.empty() ? ran->out : ran->err);
  if (ran->exit_code != 0) return {"failed", detail, {}};
  return {"unreadable", parsed.error().message, {}};
}

void warn_about(Context& ctx, const Probe& probe) {
  if (probe.status == "answered") return;
  if (probe.status == "timeout") {
    ctx.envelope.warn(error_code_name(ExitCode::timeout),
                      "fwupdmgr did not answer in time", probe.detail);
  }
  auto detail = probe.status == "not_installed"
                    ? std::string("fwupdmgr is not installed")
                    : probe.detail;
  ctx.envelope.warn(kPartialData, "firmware components not listed", detail);
}

}  // namespace

std::string classify_component(std::string_view name, std::string_view plugin,
                               const std::vector<std::string>& flags) {
  if (contains(name, "ConnectX")) return "ConnectX";
  if (plugin == "nvme" || contains(name, "NVMe")) return "NVMe";
  if (plugin == "tpm" || contains(name, "TPM")) return "TPM";
  if (contains(name, "Embedded Controller") || name.starts_with("EC ")) {
    return "EC";
  }
  if (contains(name, "SoC")) return "SoC";
  if (plugin == "uefi_dbx" || plugin == "cpu") return "other";
  // fwupd names the ESRT entry of type "system firmware" this way; other
  // ESRT entries are "UEFI Device Firmware".
  bool system = contains(name, "System Firmware") || contains(name, "BIOS");
  if (system || (plugin == "uefi_capsule" && has(flags, "internal") &&
                 contains(name, "UEFI") && !contains(name, "Device"))) {
    return "UEFI";
  }
  return "other";
}

Result<std::vector<FirmwareComponent>> parse_fwupd_devices(
    std::string_view text) {
  auto brace = text.find('{');
  if (brace == std::string_view::npos) {
    return fail("reading fwupdmgr output: no JSON object");
  }
  auto parsed = json::parse(text.substr(brace), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return fail("reading fwupdmgr output: not valid JSON");
  }
  auto devices = parsed.find("Devices");
  if (devices == parsed.end() || !devices->is_array()) {
    return fail("reading fwupdmgr output: no \"Devices\" array");
  }
  std::vector<FirmwareComponent> list;
  for (const auto& device : *devices) {
    if (!device.is_object()) continue;
    auto component = component_of(device);
    if (!component.name.empty()) list.push_back(std::move(component));
  }
  std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return std::tuple(category_rank(a.category), a.name, a.version) <
           std::tuple(category_rank(b.category), b.name, b.version);
  });
  return list;
}

PendingActivation pending_activation(
    std::string_view bios_version,
    const std::vector<FirmwareComponent>& components) {
  PendingActivation out;
  auto running = lower(trimmed(bios_version));
  for (const auto& c : components) {
    auto installed = lower(trimmed(c.version));
    if (c.category == "UEFI" && !running.empty() && !installed.empty() &&
        installed != running) {
      out.reasons.push_back("UEFI " + c.version + " is installed but " +
                            std::string(trimmed(bios_version)) + " is running");
    }
    if (has(c.flags, "needs-activation")) {
      out.reasons.push_back(c.name + " needs activation");
    }
    if (c.update_state == "needs-reboot" || c.update_state == "pending") {
      out.reasons.push_back(c.name + " update state is " + c.update_state);
    }
  }
  out.pending = !out.reasons.empty();
  return out;
}

std::string iso_bios_date(std::string_view date) {
  auto digits = [&date](std::size_t from, std::size_t count) {
    return std::all_of(date.begin() + static_cast<long>(from),
                       date.begin() + static_cast<long>(from + count),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (date.size() != 10 || date[2] != '/' || date[5] != '/' || !digits(0, 2) ||
      !digits(3, 2) || !digits(6, 4)) {
    return {};
  }
  return std::string(date.substr(6, 4)) + "-" + std::string(date.substr(0, 2)) +
         "-" + std::string(date.substr(3, 2));
}

Result<json> collect_firmware_reporter(Context& ctx) {
  json data = json::object();
  data["uefi"] = uefi_block(ctx.host);
  if (data["uefi"]["version"].is_null()) {
    ctx.envelope.warn(kPartialData, "the running UEFI version is unknown",
                      "/sys/class/dmi/id/bios_version is missing or empty");
  }

  auto probe = ask_fwupd(ctx);
  warn_about(ctx, probe);
  data["fwupd"] = {{"status", probe.status}, {"detail", probe.detail}};
  data["components"] = json::array();
  for (const auto& c : probe.components) {
    data["components"].push_back(to_json(c));
  }

  auto running = data["uefi"]["version"].is_string()
                     ? data["uefi"]["version"].get<std::string>()
                     : std::string();
  auto pending = pending_activation(running, probe.components);
  // Unknown, not false, when fwupd did not answer.
  data["pending_activation"] =
      probe.status == "answered" ? json(pending.pending) : json(nullptr);
  data["pending_reasons"] = pending.reasons;
  return data;
}

ToolSpec firmware_reporter_spec() {
  return {.name = "firmware_reporter",
          .area = "inventory",
          .description =
              "Firmware versions: UEFI from DMI, components from "
              "fwupd, and updates pending activation",
          .add_options = nullptr,
          .collect = collect_firmware_reporter};
}

}  // namespace sf::rt
