// SPDX-License-Identifier: Apache-2.0
// Adds partitions holding filesystem images to a GPT disk image (libfdisk).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf {

// GPT type GUIDs of the partitions sparkforge writes.
inline constexpr const char* kGptBasicData =
    "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";  // vfat (Microsoft basic data)
inline constexpr const char* kGptLinuxData =
    "0FC63DAF-8483-4772-8E79-3D69D8477DE4";  // ext4 (Linux filesystem)

struct NewPartition {
  std::string name;             // GPT partition name, e.g. "CIDATA"
  std::filesystem::path image;  // content; the partition is its size
                                // rounded up to 1 MiB
  std::string type_guid = kGptBasicData;
  std::string uuid;  // partition UUID, derived from a seed by the caller
};

// Writes out as base plus the new partitions, in order, each starting on a
// 1 MiB boundary after the last partition of base. The file grows to hold
// them plus 1 MiB for the backup GPT, which moves to the new end. The
// partitions, entries and disk GUID of base stay as they were; the file is
// written as out.tmp.<pid> (kept sparse) and renamed into place.
//
// Fails with not_found when base or an image is missing, permission when
// out cannot be written, and general for "reading base.img: no GPT
// partition table (found dos)" or when the table lacks free entries.
[[nodiscard]] Result<void> append_partitions(
    const std::filesystem::path& base, const std::filesystem::path& out,
    const std::vector<NewPartition>& partitions);

}  // namespace sf
