// SPDX-License-Identifier: Apache-2.0
// Writes that never leave a half-written file under its final name.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace sf {

// Writes data to `path.tmp.<pid>`, fsyncs it and renames it over path.
// On failure the temporary file is removed and path is untouched.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path,
                                             std::string_view data,
                                             unsigned mode = 0644);

// Renames from over to, then fsyncs the parent folder.
[[nodiscard]] Result<void> rename_into_place(const std::filesystem::path& from,
                                             const std::filesystem::path& to);

// Flushes every pending write of the filesystem holding path (syncfs), for
// work that places many files and then publishes them at once.
[[nodiscard]] Result<void> sync_filesystem(const std::filesystem::path& path);

// Reads a whole file. Fails with not_found when it is missing and general
// when it is larger than max_bytes.
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& path,
                                            std::size_t max_bytes = 64u << 20);

// A temporary folder removed (with its contents) when this goes out of scope,
// unless release() was called.
class TempDir {
 public:
  // Creates `<parent>/<prefix>XXXXXX`.
  [[nodiscard]] static Result<TempDir> create(
      const std::filesystem::path& parent, std::string_view prefix);
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Keeps the folder on destruction.
  void release() { path_.clear(); }

 private:
  explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace sf
