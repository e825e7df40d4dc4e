// SPDX-License-Identifier: Apache-2.0
// Sparse-aware copies of byte ranges between image files.
#include "oemdata/file_range.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace sf {
namespace {

constexpr std::uint64_t kChunk = 1u << 20;

std::string errno_text() { return std::strerror(errno); }

bool all_zero(const char* data, std::size_t size) {
  return std::all_of(data, data + size, [](char c) { return c == 0; });
}

// The offset of the next data at or after `offset`, or `end` when only a
// hole remains. Filesystems without SEEK_DATA report everything as data.
std::uint64_t next_data(int fd, std::uint64_t offset, std::uint64_t end) {
  off_t found = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
  if (found < 0) return errno == ENXIO ? end : offset;
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(found), end);
}

Result<void> pread_full(int fd, char* data, std::size_t size,
                        std::uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("reading: " + errno_text());
    if (n == 0) return fail("reading: unexpected end of file");
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

Result<void> pwrite_full(int fd, const char* data, std::size_t size,
                         std::uint64_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing: " + errno_text());
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<UniqueFd> open_file(const std::filesystem::path& path, int flags,
                           const char* action, unsigned mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd >= 0) return UniqueFd(fd);
  auto code = errno == ENOENT                     ? ExitCode::not_found
              : errno == EACCES || errno == EROFS ? ExitCode::permission
                                                  : ExitCode::general;
  return fail(code,
              std::string(action) + " " + path.string() + ": " + errno_text());
}

Result<void> copy_fd_range(int from, std::uint64_t from_offset,
                           std::uint64_t size, int to,
                           std::uint64_t to_offset) {
  std::vector<char> buffer(kChunk);
  const std::uint64_t end = from_offset + size;
  std::uint64_t at = from_offset;
  while (at < end) {
    at = next_data(from, at, end);
    if (at >= end) break;
    auto length = static_cast<std::size_t>(std::min(kChunk, end - at));
    if (auto r = pread_full(from, buffer.data(), length, at); !r) return r;
    if (!all_zero(buffer.data(), length)) {
      auto r = pwrite_full(to, buffer.data(), length,
                           to_offset + (at - from_offset));
      if (!r) return r;
    }
    at += length;
  }
  return {};
}

Result<void> zero_fd_range(int fd, std::uint64_t offset, std::uint64_t size) {
  if (size == 0) return {};
  if (::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  static_cast<off_t>(offset), static_cast<off_t>(size)) == 0) {
    return {};
  }
  std::vector<char> zeros(kChunk, 0);
  for (std::uint64_t done = 0; done < size;) {
    auto length = static_cast<std::size_t>(std::min(kChunk, size - done));
    if (auto r = pwrite_full(fd, zeros.data(), length, offset + done); !r) {
      return r;
    }
    done += length;
  }
  return {};
}

Result<void> copy_range(const std::filesystem::path& from, std::uint64_t offset,
                        std::uint64_t size, const std::filesystem::path& to) {
  auto source = open_file(from, O_RDONLY, "reading");
  if (!source) return std::unexpected(source.error());
  struct stat st {};
  if (::fstat(source->get(), &st) != 0) {
    return fail("reading " + from.string() + ": " + errno_text());
  }
  auto total = static_cast<std::uint64_t>(st.st_size);
  if (size == 0 && offset <= total) size = total - offset;
  if (offset > total || size > total - offset) {
    return fail("reading " + from.string() + ": range " +
                std::to_string(offset) + "+" + std::to_string(size) +
                " lies beyond its end (" + std::to_string(total) + " bytes)");
  }

  auto dest = open_file(to, O_RDWR | O_CREAT | O_TRUNC, "writing");
  if (!dest) return std::unexpected(dest.error());
  if (::ftruncate(dest->get(), static_cast<off_t>(size)) != 0) {
    return fail("writing " + to.string() + ": " + errno_text());
  }
  auto copied = copy_fd_range(source->get(), offset, size, dest->get(), 0);
  if (!copied) {
    return fail("copying " + from.string() + " to " + to.string() + ": " +
                copied.error().message);
  }
  return {};
}

}  // namespace sf
