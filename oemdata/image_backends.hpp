// SPDX-License-Identifier: Apache-2.0
// Internal: the ext4 and vfat halves behind filesystem_image.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "oemdata/filesystem_image.hpp"
#include "oemdata/source_tree.hpp"

namespace sf::image_detail {

constexpr std::uint64_t kMiB = 1u << 20;

// What a backend needs to build one image into `output`.
struct BuildPlan {
  const ImageOptions& options;
  const std::vector<TreeEntry>& tree;
  std::filesystem::path output;   // the temporary file to create
  std::filesystem::path scratch;  // a private folder for helper files
  std::uint64_t size_bytes = 0;   // final, already checked against content
};

// Bytes the filesystem needs for the tree, metadata included, without
// slack. Explicit sizes below this are refused; auto sizes add 10%.
[[nodiscard]] std::uint64_t ext4_required_bytes(
    const std::vector<TreeEntry>& tree);
[[nodiscard]] std::uint64_t vfat_required_bytes(
    const std::vector<TreeEntry>& tree);

// Creates plan.output (which must not exist yet).
[[nodiscard]] Result<void> build_ext4(const BuildPlan& plan);
[[nodiscard]] Result<void> build_vfat(const BuildPlan& plan);

// Copies every file of an image into the existing empty folder dest.
[[nodiscard]] Result<void> extract_ext4(const std::filesystem::path& image,
                                        const std::filesystem::path& dest);
[[nodiscard]] Result<void> extract_vfat(const std::filesystem::path& image,
                                        const std::filesystem::path& dest);

// A UUID (8-4-4-4-12 lowercase hex, version 4 and RFC 4122 variant bits)
// derived from SHA-256 of purpose and seed.
[[nodiscard]] std::string derived_uuid(const std::string& purpose,
                                       const std::string& seed);

// Eight hex digits derived from SHA-256 of purpose and seed.
[[nodiscard]] std::string derived_volume_id(const std::string& purpose,
                                            const std::string& seed);

// One minute plus one minute per GiB of image.
[[nodiscard]] std::chrono::milliseconds timeout_for(std::uint64_t bytes);

[[nodiscard]] constexpr std::uint64_t round_up(std::uint64_t value,
                                               std::uint64_t unit) {
  return (value + unit - 1) / unit * unit;
}

}  // namespace sf::image_detail
