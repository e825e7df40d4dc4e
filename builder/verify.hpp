// SPDX-License-Identifier: Apache-2.0
// `sparkforge verify` and `sparkforge inspect`: re-check and describe what a
// build produced, from its output folder or from any one image.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf::builder {

struct VerifyReport {
  std::vector<std::string> checked;  // one line per check that passed
  std::vector<std::string> skipped;  // checks that could not run, and why
};

// Verifies an output folder (its manifest.json, every output's hash, the
// labels and partitions of every image, the files inside each partition,
// the repository's signature and hashes, the cloud-init schema) or a single
// image (installer.img, oemdata.img or cidata.img, checked against the
// MANIFEST.json it carries). Fails with verify_failed naming the first file
// that differs, not_found when the target is missing.
[[nodiscard]] Result<VerifyReport> verify(const std::filesystem::path& target);

// Describes an image as JSON: size, partition table, each partition's
// filesystem, label and UUID, and the files of CIDATA and OEMDATA with
// their sizes and SHA-256.
[[nodiscard]] Result<nlohmann::json> inspect(
    const std::filesystem::path& image);

}  // namespace sf::builder
