// SPDX-License-Identifier: Apache-2.0
// Sparse-aware copies of byte ranges between image files.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/error.hpp"

namespace sf {

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// Opens path with open(2) flags. Fails with not_found when it is missing,
// permission when access is denied; the message reads "<action> <path>: ...".
[[nodiscard]] Result<UniqueFd> open_file(const std::filesystem::path& path,
                                         int flags, const char* action,
                                         unsigned mode = 0644);

// Copies `size` bytes of the file behind `from` starting at from_offset to
// `to` at to_offset. Holes and all-zero blocks of the source are skipped, so
// the destination range must already read as zeros (a fresh or punched
// range). Fails when the source ends before the range does.
[[nodiscard]] Result<void> copy_fd_range(int from, std::uint64_t from_offset,
                                         std::uint64_t size, int to,
                                         std::uint64_t to_offset);

// Makes a byte range of a file read as zeros, freeing its blocks where the
// filesystem can punch holes and writing zeros where it cannot.
[[nodiscard]] Result<void> zero_fd_range(int fd, std::uint64_t offset,
                                         std::uint64_t size);

// Copies the range [offset, offset + size) of `from` into a new file `to`
// (replaced when it exists), keeping it sparse. Used to read a partition of a
// disk image as a filesystem image. size 0 means up to the end of `from`.
[[nodiscard]] Result<void> copy_range(const std::filesystem::path& from,
                                      std::uint64_t offset, std::uint64_t size,
                                      const std::filesystem::path& to);

}  // namespace sf
