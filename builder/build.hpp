// SPDX-License-Identifier: Apache-2.0
// `sparkforge build`: a fleet file in, installer media and a manifest out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf::builder {

struct BuildOptions {
  std::filesystem::path fleet_file;
  std::filesystem::path out_dir;
  // SOURCE_DATE_EPOCH: every time stamp in the outputs, signatures
  // included, so equal inputs give equal bytes. Unset: the current time.
  std::optional<std::int64_t> source_date_epoch;
  unsigned threads = 0;  // 0: one per core
  // Where `tools_package: auto` finds sparkforge-tools_<version>_arm64.deb:
  // the packages/ folder beside the sparkforge binary's bin/.
  std::filesystem::path tools_package_dir;
};

struct BuildReport {
  std::vector<std::filesystem::path> outputs;  // final paths, manifest last
  std::string signing_fingerprint;
  std::size_t packages = 0;
  std::uint64_t oemdata_bytes = 0;
};

// Builds cidata.img, oemdata.img, installer.img (when the fleet names a base
// image) and manifest.json in out_dir. Everything is composed in a
// temporary folder inside out_dir and renamed into place only when all of
// it succeeded, so a failure leaves the previous outputs (or none) intact.
// Errors carry the exit code of their cause: invalid_args for a bad fleet
// file, not_found for a missing input, permission for an unwritable out_dir.
[[nodiscard]] Result<BuildReport> build(const BuildOptions& options);

// The output names, in the order they are published.
inline constexpr const char* kCidataImage = "cidata.img";
inline constexpr const char* kOemdataImage = "oemdata.img";
inline constexpr const char* kInstallerImage = "installer.img";
inline constexpr const char* kManifest = "manifest.json";

}  // namespace sf::builder
