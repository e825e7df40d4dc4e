// SPDX-License-Identifier: Apache-2.0
// Reads labels, UUIDs and partition tables of image files through libblkid.
#include "oemdata/probe.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>

#include <memory>

#include "oemdata/file_range.hpp"

namespace sf {
namespace {

struct ProbeDeleter {
  void operator()(blkid_struct_probe* probe) const { blkid_free_probe(probe); }
};
using ProbePtr = std::unique_ptr<blkid_struct_probe, ProbeDeleter>;

std::string lookup(blkid_probe probe, const char* name) {
  const char* value = nullptr;
  if (blkid_probe_lookup_value(probe, name, &value, nullptr) != 0) return {};
  return value == nullptr ? std::string() : std::string(value);
}

std::string text(const char* value) { return value ? value : ""; }

// Each partition of the table libblkid found; it reports 512-byte sectors.
std::vector<PartitionInfo> partitions_of(blkid_probe probe) {
  std::vector<PartitionInfo> partitions;
  blkid_partlist list = blkid_probe_get_partitions(probe);
  if (list == nullptr) return partitions;
  const int count = blkid_partlist_numof_partitions(list);
  for (int i = 0; i < count; ++i) {
    blkid_partition part = blkid_partlist_get_partition(list, i);
    partitions.push_back(PartitionInfo{
        .number = blkid_partition_get_partno(part),
        .start_bytes =
            static_cast<std::uint64_t>(blkid_partition_get_start(part)) * 512,
        .size_bytes =
            static_cast<std::uint64_t>(blkid_partition_get_size(part)) * 512,
        .name = text(blkid_partition_get_name(part)),
        .type_guid = text(blkid_partition_get_type_string(part)),
        .uuid = text(blkid_partition_get_uuid(part))});
  }
  return partitions;
}

Result<ProbePtr> new_probe(int fd, std::uint64_t offset, std::uint64_t size,
                           const std::filesystem::path& path) {
  ProbePtr probe(blkid_new_probe());
  if (!probe ||
      blkid_probe_set_device(probe.get(), fd, static_cast<blkid_loff_t>(offset),
                             static_cast<blkid_loff_t>(size)) != 0) {
    return fail("probing " + path.string() + ": libblkid cannot read it");
  }
  blkid_probe_set_sectorsize(probe.get(), 512);
  blkid_probe_enable_superblocks(probe.get(), 1);
  blkid_probe_set_superblocks_flags(
      probe.get(), BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE);
  blkid_probe_enable_partitions(probe.get(), 1);
  blkid_probe_set_partitions_flags(probe.get(), BLKID_PARTS_ENTRY_DETAILS);
  return probe;
}

}  // namespace

Result<ProbeInfo> probe_image(const std::filesystem::path& path,
                              std::uint64_t offset, std::uint64_t size) {
  auto fd = open_file(path, O_RDONLY, "probing");
  if (!fd) return std::unexpected(fd.error());
  auto probe = new_probe(fd->get(), offset, size, path);
  if (!probe) return std::unexpected(probe.error());

  // 1 means nothing was found, which is a valid answer.
  const int found = blkid_do_safeprobe(probe->get());
  if (found < 0) {
    return fail("probing " + path.string() +
                ": conflicting or unreadable signatures");
  }
  ProbeInfo info;
  info.fs_type = lookup(probe->get(), "TYPE");
  info.label = lookup(probe->get(), "LABEL");
  info.uuid = lookup(probe->get(), "UUID");
  info.table_type = lookup(probe->get(), "PTTYPE");
  info.disk_uuid = lookup(probe->get(), "PTUUID");
  if (!info.table_type.empty()) info.partitions = partitions_of(probe->get());
  return info;
}

}  // namespace sf
