// SPDX-License-Identifier: Apache-2.0
// The fleet file: what to build and for which devices (docs/fleet-file.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace sf::builder {

// UEFI asset tags for NVAIAAssetMeta: group -> field -> value. Groups are
// only OWNERDATA, USERASSETDATA, SUPPORTDATA, LEASEDATA, PRELOADPROFILE and
// USERDEVICE; fields match [A-Za-z0-9_.-]{1,64}; values hold at most 256
// characters.
struct AssetTags {
  std::map<std::string, std::map<std::string, std::string>> groups;
};

struct Device {
  std::string serial;    // [A-Za-z0-9._-]{1,64}, unique ignoring case
  std::string hostname;  // an RFC 1123 label, from hostname_pattern if unset
  std::string ring;      // [a-z0-9-]+, "default" when not given
  AssetTags asset_tags;  // the fleet-wide asset_tags merged with the device's
  int line = 0;          // 1-based line of the device entry in the fleet file
};

struct SigningKey {
  enum class Kind { generate, secret_key_file, gnupg_home };
  Kind kind = Kind::generate;
  std::filesystem::path secret_key_file;  // for secret_key_file
  std::filesystem::path gnupg_home;       // for gnupg_home
  std::string fingerprint;  // for gnupg_home: 40 or 64 upper-case hex digits
  std::string algorithm = "ed25519";  // for generate: ed25519 or rsa3072
};

struct CloudInit {
  std::string admin_user;
  std::vector<std::string> ssh_authorized_keys;  // at least one
  std::string locale;                    // empty: leave cloud-init's default
  std::string timezone;                  // empty: not managed
  std::vector<std::string> ntp_servers;  // empty: not managed
  // e.g. "spark-{serial}"; placeholders {serial} {serial_lower} {ring}.
  std::string hostname_pattern;
  nlohmann::json network;  // netplan v2 as JSON, null if absent
  std::optional<std::filesystem::path> vendor_data;
  bool manage_locale = true;  // false when the file says `locale: false`
};

struct AptSettings {
  std::string mirror_url;  // upstream mirror; empty: none
  std::optional<std::filesystem::path> mirror_key;
  std::string mirror_suite;
  std::vector<std::string> mirror_components;
  std::vector<std::string> install;  // names for apt-packages.txt
  std::string suite = "sparkforge";  // suite of the local repository
  std::optional<int> valid_for_days;
  std::vector<std::string> disable_sources;
};

// Which sparkforge-tools package OEMDATA carries: the arm64 package built
// beside sparkforge, none, or a named file.
enum class ToolsPackage { automatic, none, file };

struct Fleet {
  std::string name;                  // [a-z0-9-]+
  std::filesystem::path fleet_file;  // absolute
  std::optional<std::filesystem::path> base_image;
  SigningKey signing_key;
  CloudInit cloud_init;
  AptSettings apt;
  std::string lvfs_mirror_url;
  std::vector<std::filesystem::path> debs;      // files or folders, resolved
  std::vector<std::filesystem::path> firmware;  // files or folders, resolved
  ToolsPackage tools_package = ToolsPackage::automatic;
  std::optional<std::filesystem::path> tools_package_file;
  std::string oemdata_filesystem = "ext4";  // ext4 or vfat
  std::uint64_t oemdata_size = 0;           // bytes; 0 = auto
  std::vector<Device> devices;
};

// Reads and validates a fleet file (at most 4 MiB). Fails with not_found
// when it is missing and with invalid_args, "FILE:LINE:COL: message", when
// its content is wrong. Paths are made absolute but never checked for
// existence. Never throws.
[[nodiscard]] Result<Fleet> load_fleet(const std::filesystem::path& path);

// Validates fleet YAML text. path_for_messages prefixes every message and
// its folder anchors relative paths. Errors as for load_fleet. Never throws.
[[nodiscard]] Result<Fleet> parse_fleet(
    std::string_view yaml_text, const std::filesystem::path& path_for_messages);

// The hostname a pattern gives a device: {serial}, {serial_lower} and {ring}
// replaced. Fails (invalid_args) on an unknown or unclosed placeholder.
[[nodiscard]] Result<std::string> expand_hostname_pattern(
    std::string_view pattern, std::string_view serial, std::string_view ring);

}  // namespace sf::builder
