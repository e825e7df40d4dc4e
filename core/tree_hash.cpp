// SPDX-License-Identifier: Apache-2.0
// Hashes every regular file under a folder, in parallel.
#include "core/tree_hash.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "core/hash.hpp"

namespace sf {

Result<void> parallel_for(
    std::size_t count, unsigned threads,
    const std::function<Result<void>(std::size_t)>& work) {
  if (threads == 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::optional<std::pair<std::size_t, Error>> first_error;

  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      auto done = work(i);
      if (done) continue;
      std::lock_guard lock(error_mutex);
      // Report the error of the lowest index, so the message is stable.
      if (!first_error || i < first_error->first) {
        first_error.emplace(i, done.error());
      }
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads; ++t) {
    pool.emplace_back(worker);
  }
  worker();
  pool.clear();

  if (first_error) {
    return std::unexpected(first_error->second);
  }
  return {};
}

Result<std::vector<TreeFile>> hash_tree(const std::filesystem::path& root,
                                        unsigned threads) {
  std::vector<TreeFile> files;
  std::error_code ec;
  auto it = std::filesystem::recursive_directory_iterator(root, ec);
  if (ec) {
    return fail(ExitCode::not_found,
                "reading " + root.string() + ": " + ec.message());
  }
  for (const auto& entry : it) {
    auto status = entry.symlink_status();
    if (std::filesystem::is_directory(status)) continue;
    auto relative = entry.path().lexically_relative(root).generic_string();
    if (!std::filesystem::is_regular_file(status)) {
      return fail("reading " + root.string() + ": " + relative +
                  " is not a regular file");
    }
    files.push_back({.path = relative});
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });

  auto done = parallel_for(files.size(), threads, [&](std::size_t i) {
    auto digests = hash_file(root / files[i].path);
    if (!digests) return Result<void>(std::unexpected(digests.error()));
    files[i].size = digests->size;
    files[i].sha256 = digests->sha256;
    return Result<void>();
  });
  if (!done) {
    return std::unexpected(done.error());
  }
  return files;
}

}  // namespace sf
