// SPDX-License-Identifier: Apache-2.0
// Hashes every regular file under a folder, in parallel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf {

struct TreeFile {
  std::string path;  // relative to the root, '/'-separated
  std::uint64_t size = 0;
  std::string sha256;
};

// Lists and hashes every regular file under root, sorted by path, using
// `threads` workers (0: one per core). Folders are walked, not listed.
// Fails on a symbolic link, device or other special file (naming it),
// because such entries have no place in an image sparkforge writes.
[[nodiscard]] Result<std::vector<TreeFile>> hash_tree(
    const std::filesystem::path& root, unsigned threads = 0);

// Runs work(i) for i in [0, count) on `threads` workers (0: one per core)
// and returns the first error any of them reported.
[[nodiscard]] Result<void> parallel_for(
    std::size_t count, unsigned threads,
    const std::function<Result<void>(std::size_t)>& work);

}  // namespace sf
