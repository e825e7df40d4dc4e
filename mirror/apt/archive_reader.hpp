// SPDX-License-Identifier: Apache-2.0
// A small RAII wrapper over libarchive for reading archives entry by entry.
#pragma once

#include <archive.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sf {

// Which container formats an ArchiveReader accepts. Compression filters
// (gzip, xz, zstd, ...) are always detected; `raw` reads a compressed
// single file (such as Packages.xz) as one entry.
enum class ArchiveFormat { ar, tar, raw };

// Reads one archive sequentially. Entries can only be visited in order and
// each entry's data can be read once, as libarchive streams.
class ArchiveReader {
 public:
  // Opens a file. Fails with not_found when it is missing and general when
  // libarchive does not recognise it as `format`.
  [[nodiscard]] static Result<ArchiveReader> open_file(
      const std::filesystem::path& path, ArchiveFormat format);

  // Opens bytes held in memory; `data` must outlive the reader. `name` only
  // appears in error messages.
  [[nodiscard]] static Result<ArchiveReader> open_memory(std::string_view data,
                                                         ArchiveFormat format,
                                                         std::string_view name);

  // Advances to the next entry and returns its path name, or std::nullopt at
  // the end of the archive. Fails when the archive is damaged.
  [[nodiscard]] Result<std::optional<std::string>> next();

  // Reads the current entry's data, failing when it exceeds max_bytes.
  [[nodiscard]] Result<std::string> read_data(std::size_t max_bytes);

 private:
  struct Free {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  ArchiveReader(std::unique_ptr<archive, Free> handle, std::string name)
      : handle_(std::move(handle)), name_(std::move(name)) {}

  std::unique_ptr<archive, Free> handle_;
  std::string name_;
};

// The compression filters compress() can apply.
enum class Compression { gzip, xz };

// Compresses bytes with libarchive's raw writer. The output is deterministic:
// gzip carries no timestamp and no file name, so equal inputs give equal
// bytes.
[[nodiscard]] Result<std::string> compress(std::string_view data,
                                           Compression compression);

}  // namespace sf
