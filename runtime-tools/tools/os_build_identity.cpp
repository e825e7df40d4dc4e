// SPDX-License-Identifier: Apache-2.0
// os_build_identity: which operating system build this machine runs.
#include "runtime-tools/tools/os_build_identity.hpp"

#include <algorithm>

#include "core/hash.hpp"
#include "runtime-tools/tools/device_identity.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

json field_or_null(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return nullptr;
  return object[key];
}

// os-release(5): /etc/os-release, else /usr/lib/os-release.
json os_release(Context& ctx) {
  for (const char* file : {"/etc/os-release", "/usr/lib/os-release"}) {
    if (auto text = ctx.host.read(file, 64 * 1024)) {
      return parse_env_file(*text);
    }
  }
  ctx.envelope.warn(kPartialData, "the os-release file was not read",
                    "neither /etc/os-release nor /usr/lib/os-release exists");
  return nullptr;
}

// /etc/dgx-release: null on a machine that is not a DGX.
json dgx(const Host& host) {
  auto text = host.read("/etc/dgx-release", 64 * 1024);
  if (!text) return nullptr;
  auto release = parse_env_file(*text);
  auto out = dgx_build(release);
  out["release"] = release;
  return out;
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

// The running kernel as /proc reports it; the release names the modules
// folder and the kernel package (linux-image-<release>).
json kernel(Context& ctx) {
  const auto& host = ctx.host;
  auto release = host.read_trimmed("/proc/sys/kernel/osrelease");
  if (release.empty()) {
    ctx.envelope.warn(kPartialData, "the kernel release was not read",
                      "/proc/sys/kernel/osrelease is missing or empty");
  }
  return {{"release", text_or_null(release)},
          {"version", text_or_null(host.read_trimmed("/proc/version"))},
          {"cmdline", text_or_null(host.read_trimmed("/proc/cmdline"))}};
}

json boot_id(Context& ctx) {
  auto id = ctx.host.read_trimmed("/proc/sys/kernel/random/boot_id");
  if (id.empty()) {
    ctx.envelope.warn(kPartialData, "the boot id was not read",
                      "/proc/sys/kernel/random/boot_id is missing or empty");
  }
  return text_or_null(id);
}

// Keeps the hashed text as evidence, so a fingerprint can be explained.
void keep_package_lines(Context& ctx, const std::string& lines) {
  if (!ctx.evidence.enabled()) return;
  auto artifact = ctx.evidence.write("packages.txt", lines, "data");
  if (artifact) {
    ctx.envelope.add_artifact(*artifact);
  } else {
    ctx.envelope.warn(kPartialData, "the package list was not kept",
                      artifact.error().message);
  }
}

// The package fingerprint; count and fingerprint are null when the status
// file is missing or stops parsing part-way (a fingerprint of part of the
// list would look like a different build).
json packages(Context& ctx) {
  json out = {{"source", kDpkgStatusPath},
              {"count", nullptr},
              {"held", nullptr},
              {"fingerprint", nullptr},
              {"fingerprint_of",
               "sorted \"name version architecture\" "
               "lines of installed packages, SHA-256"}};
  DpkgStatusNotes notes;
  auto list = read_dpkg_status(ctx.host, &notes);
  if (!list) {
    ctx.envelope.warn(kPartialData, "no package fingerprint",
                      list.error().message);
    return out;
  }
  if (notes.parse_error) {
    ctx.envelope.warn(
        kPartialData, "no package fingerprint",
        "parsing " + std::string(kDpkgStatusPath) + ": " + *notes.parse_error);
    return out;
  }
  out["count"] = list->size();
  out["held"] = std::count_if(list->begin(), list->end(), [](const auto& p) {
    return p.status_want == "hold";
  });
  out["fingerprint"] = package_fingerprint(*list);
  keep_package_lines(ctx, package_lines(*list));
  return out;
}

}  // namespace

json dgx_build(const json& release) {
  auto factory = field_or_null(release, "DGX_SWBUILD_VERSION");
  auto ota = field_or_null(release, "DGX_OTA_VERSION");
  return {{"name", field_or_null(release, "DGX_NAME")},
          {"platform", field_or_null(release, "DGX_PLATFORM")},
          {"factory_build", factory},
          {"factory_build_date", field_or_null(release, "DGX_SWBUILD_DATE")},
          {"ota_version", ota},
          {"ota_date", field_or_null(release, "DGX_OTA_DATE")},
          {"current_version", ota.is_null() ? factory : ota}};
}

std::string package_fingerprint(const std::vector<InstalledPackage>& list) {
  return sha256_hex(package_lines(list));
}

Result<json> collect_os_build_identity(Context& ctx) {
  json data = json::object();
  data["os_release"] = os_release(ctx);
  data["os"] = {
      {"id", field_or_null(data["os_release"], "ID")},
      {"version_id", field_or_null(data["os_release"], "VERSION_ID")},
      {"codename", field_or_null(data["os_release"], "VERSION_CODENAME")},
      {"pretty_name", field_or_null(data["os_release"], "PRETTY_NAME")}};
  data["dgx"] = dgx(ctx.host);
  data["kernel"] = kernel(ctx);
  data["boot_id"] = boot_id(ctx);
  data["packages"] = packages(ctx);
  return data;
}

ToolSpec os_build_identity_spec() {
  return {.name = "os_build_identity",
          .area = "inventory",
          .description =
              "Which OS build this is: os-release, DGX release "
              "and OTA level, kernel, boot id, package fingerprint",
          .add_options = nullptr,
          .collect = collect_os_build_identity};
}

}  // namespace sf::rt
