// SPDX-License-Identifier: Apache-2.0
// The JSON documents a build writes: manifest.json beside the images, and
// MANIFEST.json, fleet.json and <serial>.json inside OEMDATA.
#include "builder/manifest.hpp"

#include "builder/build.hpp"
#include "core/hash.hpp"
#include "oemdata/layout.hpp"
#include "oemdata/probe.hpp"

namespace sf::builder {
namespace {

using nlohmann::json;

json files_json(const std::vector<TreeFile>& files) {
  json list = json::array();
  for (const auto& file : files) {
    list.push_back(
        {{"path", file.path}, {"bytes", file.size}, {"sha256", file.sha256}});
  }
  return list;
}

json tags_json(const AssetTags& tags) {
  json groups = json::object();
  for (const auto& [group, fields] : tags.groups) {
    groups[group] = fields;
  }
  return groups;
}

Result<json> partitions_json(const std::filesystem::path& image) {
  auto probe = probe_image(image);
  if (!probe) return std::unexpected(probe.error());
  json list = json::array();
  for (const auto& part : probe->partitions) {
    list.push_back({{"number", part.number},
                    {"name", part.name},
                    {"type", part.type_guid},
                    {"uuid", part.uuid},
                    {"start_bytes", part.start_bytes},
                    {"size_bytes", part.size_bytes}});
  }
  return json{{"table", probe->table_type},
              {"disk_uuid", probe->disk_uuid},
              {"partitions", list}};
}

}  // namespace

json fleet_settings_json(const Fleet& fleet) {
  const auto& ci = fleet.cloud_init;
  return {
      {"schema", kManifestSchema},
      {"fleet", fleet.name},
      {"admin_user", ci.admin_user},
      {"ssh_authorized_keys", ci.ssh_authorized_keys},
      {"hostname_pattern", ci.hostname_pattern},
      {"apt",
       {{"mirror_url", fleet.apt.mirror_url},
        {"mirror_suite", fleet.apt.mirror_suite},
        {"mirror_components", fleet.apt.mirror_components},
        {"disable_sources", fleet.apt.disable_sources},
        {"local_suite", fleet.apt.suite}}},
      {"lvfs_mirror_url", fleet.lvfs_mirror_url},
      {"default_profile", {{"ring", "default"}, {"flag", "unknown-serial"}}}};
}

json device_json(const Fleet& fleet, const Device& device) {
  return {{"schema", kManifestSchema},
          {"fleet", fleet.name},
          {"serial", device.serial},
          {"hostname", device.hostname},
          {"ring", device.ring},
          {"asset_tags", tags_json(device.asset_tags)}};
}

json oemdata_manifest_json(const Fleet& fleet,
                           const std::vector<TreeFile>& files,
                           const std::string& fingerprint,
                           std::int64_t source_date_epoch) {
  return {
      {"schema", kManifestSchema},  {"sparkforge_version", SPARKFORGE_VERSION},
      {"fleet", fleet.name},        {"source_date_epoch", source_date_epoch},
      {"signing_key", fingerprint}, {"files", files_json(files)}};
}

Result<json> build_manifest(const ManifestParts& parts,
                            const std::filesystem::path& folder,
                            const std::vector<std::string>& outputs,
                            unsigned threads) {
  json inputs = json::array();
  for (const auto* file : parts.inputs->all()) {
    inputs.push_back({{"role", file->role},
                      {"path", file->path.string()},
                      {"bytes", file->size},
                      {"sha256", file->sha256}});
  }

  std::vector<Digests> digests(outputs.size());
  auto hashed = parallel_for(outputs.size(), threads, [&](std::size_t i) {
    auto d = hash_file(folder / outputs[i]);
    if (!d) return Result<void>(std::unexpected(d.error()));
    digests[i] = *d;
    return Result<void>();
  });
  if (!hashed) return std::unexpected(hashed.error());

  json list = json::array();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    json entry = {{"path", outputs[i]},
                  {"bytes", digests[i].size},
                  {"sha256", digests[i].sha256}};
    if (outputs[i] == kOemdataImage) {
      entry["filesystem"] = parts.oemdata_type;
      entry["label"] = oemdata::kLabel;
      entry["files"] = files_json(*parts.oemdata_files);
    } else if (outputs[i] == kCidataImage) {
      entry["filesystem"] = "vfat";
      entry["label"] = oemdata::kCidataLabel;
      entry["files"] = files_json(*parts.cidata_files);
    } else if (outputs[i] == kInstallerImage) {
      auto table = partitions_json(folder / outputs[i]);
      if (!table) return std::unexpected(table.error());
      entry["partition_table"] = *table;
    }
    list.push_back(entry);
  }
  return json{{"schema", kManifestSchema},
              {"sparkforge_version", SPARKFORGE_VERSION},
              {"fleet", parts.fleet->name},
              {"source_date_epoch", parts.source_date_epoch},
              {"signing_key", parts.fingerprint},
              {"inputs", inputs},
              {"outputs", list}};
}

std::vector<TreeFile> files_from_json(const nlohmann::json& list) {
  std::vector<TreeFile> files;
  for (const auto& item : list) {
    files.push_back({.path = item.value("path", ""),
                     .size = item.value("bytes", std::uint64_t{0}),
                     .sha256 = item.value("sha256", "")});
  }
  return files;
}

}  // namespace sf::builder
