// SPDX-License-Identifier: Apache-2.0
// Reads labels, UUIDs and partition tables of image files through libblkid.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf {

struct PartitionInfo {
  int number = 0;  // 1-based partition number
  std::uint64_t start_bytes = 0;
  std::uint64_t size_bytes = 0;
  std::string name;       // GPT partition name, empty for dos
  std::string type_guid;  // GPT type GUID (uppercase as libblkid prints it)
  std::string uuid;       // GPT partition UUID
};

struct ProbeInfo {
  std::string fs_type;  // of a filesystem at the start of the range, or ""
  std::string label;
  std::string uuid;
  std::string table_type;  // "gpt", "dos" or ""
  std::string disk_uuid;   // the GPT disk GUID or the dos disk id
  std::vector<PartitionInfo> partitions;  // in table order
};

// Probes the byte range [offset, offset + size) of a file (size 0: to the
// end) for a filesystem and a partition table, with 512-byte sectors.
// Neither being found is not an error: the fields stay empty. Fails with
// not_found when the file is missing and general when libblkid cannot read
// it or finds conflicting signatures.
[[nodiscard]] Result<ProbeInfo> probe_image(const std::filesystem::path& path,
                                            std::uint64_t offset = 0,
                                            std::uint64_t size = 0);

}  // namespace sf
