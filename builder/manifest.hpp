// SPDX-License-Identifier: Apache-2.0
// The JSON documents a build writes: manifest.json beside the images, and
// MANIFEST.json, fleet.json and <serial>.json inside OEMDATA.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "builder/fleet.hpp"
#include "builder/inputs.hpp"
#include "core/error.hpp"
#include "core/tree_hash.hpp"

namespace sf::builder {

// Version of the layout of manifest.json and MANIFEST.json.
inline constexpr int kManifestSchema = 1;

// fleet/fleet.json: what spark-provision needs of the fleet as a whole,
// including the default profile for a serial the fleet does not list.
[[nodiscard]] nlohmann::json fleet_settings_json(const Fleet& fleet);

// fleet/<serial>.json: one device's hostname, ring and asset tags.
[[nodiscard]] nlohmann::json device_json(const Fleet& fleet,
                                         const Device& device);

// MANIFEST.json inside OEMDATA: every other file with size and SHA-256.
[[nodiscard]] nlohmann::json oemdata_manifest_json(
    const Fleet& fleet, const std::vector<TreeFile>& files,
    const std::string& fingerprint, std::int64_t source_date_epoch);

struct ManifestParts {
  const Fleet* fleet = nullptr;
  const Inputs* inputs = nullptr;
  std::string fingerprint;
  std::int64_t source_date_epoch = 0;
  std::string oemdata_type;
  const std::vector<TreeFile>* oemdata_files = nullptr;
  const std::vector<TreeFile>* cidata_files = nullptr;
};

// manifest.json: the version, the inputs with their hashes, every output in
// folder (named by `outputs`) with size and SHA-256, the files inside each
// partition, and the partitions of installer.img.
[[nodiscard]] Result<nlohmann::json> build_manifest(
    const ManifestParts& parts, const std::filesystem::path& folder,
    const std::vector<std::string>& outputs, unsigned threads);

// The files list of a manifest entry as TreeFile records.
[[nodiscard]] std::vector<TreeFile> files_from_json(const nlohmann::json& list);

}  // namespace sf::builder
