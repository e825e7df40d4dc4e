// SPDX-License-Identifier: Apache-2.0
// Reproducible ext4 and vfat images of staged folders, built and read back
// without root and without mounting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace sf {

enum class FsType { ext4, vfat };

// "ext4" or "vfat"; anything else fails with invalid_args naming both.
[[nodiscard]] Result<FsType> parse_fs_type(std::string_view text);

// The name parse_fs_type accepts for type.
[[nodiscard]] std::string_view fs_type_name(FsType type);

struct ImageOptions {
  std::filesystem::path source_dir;  // staged tree to put in the image
  std::filesystem::path image;       // written as image.tmp.<pid>, then renamed
  FsType type = FsType::ext4;
  std::string label;             // "OEMDATA", "CIDATA"
  std::uint64_t size_bytes = 0;  // 0: auto_image_size(source_dir, type)
  std::int64_t timestamp = 0;    // SOURCE_DATE_EPOCH for every time stored
  std::string uuid_seed;  // the filesystem UUID / volume id derive from it
};

// The size an image of dir needs: content plus filesystem metadata plus 10%
// slack, rounded up to 1 MiB and at least the minimum of the filesystem
// (16 MiB for both). Fails like scan_tree when dir cannot be read.
[[nodiscard]] Result<std::uint64_t> auto_image_size(
    const std::filesystem::path& dir, FsType type);

// Builds options.image from options.source_dir. Equal options and equal
// file contents, names and modes give byte-identical images: host times,
// owners and readdir order never reach the image, every stored time is
// options.timestamp, and the UUID (ext4) or volume id (vfat) derive from
// options.uuid_seed.
//
// ext4: files are owned by root:root with their modes; symlinks are kept.
// ext4 keeps its journal (4 MiB): the device writes enrollment records back
// to OEMDATA at first boot and a power cut then must not need a repair.
// vfat: FAT16 below 256 MiB, FAT32 from there; modes are not stored;
// symlinks and files of 4 GiB or more fail; names that only differ in case
// fail. The label is both the boot sector label and the root-folder label.
//
// Fails with general "writing <image>: <label> content (N MiB) does not fit
// in size M MiB" when an explicit size is too small, not_found when the
// source is missing, timeout or general naming the failing command.
[[nodiscard]] Result<void> make_filesystem_image(const ImageOptions& options);

// Copies every file of the image into dest, which must not exist or be an
// empty folder. The extraction happens in a temporary sibling folder and
// only moves to dest once no symlink in it points outside it (absolute
// targets included); otherwise the error names the symlink and dest is left
// as it was.
[[nodiscard]] Result<void> extract_filesystem_image(
    const std::filesystem::path& image, FsType type,
    const std::filesystem::path& dest);

struct ImageFile {
  std::string path;  // relative, '/'-separated
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  friend bool operator==(const ImageFile&, const ImageFile&) = default;
};

// The regular files of an image, sorted by path, with sizes and SHA-256.
// Folders and symlinks are not listed.
[[nodiscard]] Result<std::vector<ImageFile>> list_image_files(
    const std::filesystem::path& image, FsType type);

// The regular files below a folder in the same form, for comparing a staged
// tree with an image.
[[nodiscard]] Result<std::vector<ImageFile>> list_tree_files(
    const std::filesystem::path& dir);

// Runs a read-only check (e2fsck -fn, fsck.fat -n). Fails with
// verify_failed quoting the checker's output when it reports a problem.
[[nodiscard]] Result<void> check_filesystem(const std::filesystem::path& image,
                                            FsType type);

}  // namespace sf
