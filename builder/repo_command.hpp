// SPDX-License-Identifier: Apache-2.0
// `sparkforge repo build`: a signed APT repository from .deb files, outside
// any installer, for internal servers and for benchmarks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/fleet.hpp"
#include "core/error.hpp"
#include "mirror/apt/repository.hpp"

namespace sf::builder {

struct RepoBuildOptions {
  std::vector<std::filesystem::path> debs;  // files or folders of .deb
  std::filesystem::path out_dir;            // the repository root
  std::string suite = "stable";
  std::vector<std::string> architectures = {"arm64"};
  SigningKey signing_key;
  std::optional<int> valid_for_days;
  std::optional<std::int64_t> source_date_epoch;
  unsigned threads = 0;
};

// Writes (or rewrites) a signed repository of the given packages in out_dir
// and its public key as out_dir/key.asc. A generated throwaway key is kept
// in out_dir's parent folder. Errors as for build_repository,
// plus not_found for a missing .deb or key file.
[[nodiscard]] Result<RepoReport> repo_build(const RepoBuildOptions& options);

}  // namespace sf::builder
