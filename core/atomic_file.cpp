// SPDX-License-Identifier: Apache-2.0
// Writes that never leave a half-written file under its final name.
#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace sf {
namespace {

std::string errno_text() { return std::strerror(errno); }

Result<void> sync_folder(const std::filesystem::path& folder) {
  int fd = ::open(folder.empty() ? "." : folder.c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return fail("syncing " + folder.string() + ": " + errno_text());
  }
  ::fsync(fd);
  ::close(fd);
  return {};
}

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& path,
                               std::string_view data, unsigned mode) {
  auto temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    auto code = errno == EACCES ? ExitCode::permission : ExitCode::general;
    return fail(code, "writing " + path.string() + ": " + errno_text());
  }
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto message = "writing " + path.string() + ": " + errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      return fail(message);
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, mode);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto message = "writing " + path.string() + ": " + errno_text();
    ::unlink(temp.c_str());
    return fail(message);
  }
  return rename_into_place(temp, path);
}

Result<void> rename_into_place(const std::filesystem::path& from,
                               const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    auto message = "renaming " + from.string() + " to " + to.string() + ": " +
                   errno_text();
    return fail(message);
  }
  return sync_folder(to.parent_path());
}

Result<void> sync_filesystem(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail("syncing " + path.string() + ": " + errno_text());
  }
  int rc = ::syncfs(fd);
  auto message = errno_text();
  ::close(fd);
  if (rc != 0) return fail("syncing " + path.string() + ": " + message);
  return {};
}

Result<std::string> read_file(const std::filesystem::path& path,
                              std::size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    auto code = ec == std::errc::no_such_file_or_directory ? ExitCode::not_found
                                                           : ExitCode::general;
    return fail(code, "reading " + path.string() + ": " + ec.message());
  }
  if (size > max_bytes) {
    return fail("reading " + path.string() + ": larger than " +
                std::to_string(max_bytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail("reading " + path.string() + ": " + errno_text());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<TempDir> TempDir::create(const std::filesystem::path& parent,
                                std::string_view prefix) {
  auto pattern = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    auto code = errno == EACCES || errno == EROFS ? ExitCode::permission
                                                  : ExitCode::general;
    return fail(
        code, "creating a folder in " + parent.string() + ": " + errno_text());
  }
  return TempDir(std::filesystem::path(pattern));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  // A process that is still exiting (gpg-agent after --kill) may add or
  // remove files while the tree goes; retry until it is really gone, since
  // such folders can hold secret keys.
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (!std::filesystem::exists(path_, ec)) return;
    ::usleep(20 * 1000);
  }
}

}  // namespace sf
