// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the oemdata tests: staged trees and external commands.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"

namespace sf::testing {

// Writes a file with the given content and mode, creating its folders.
inline void put_file(const std::filesystem::path& path,
                     const std::string& content, unsigned mode = 0644) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), mode);
}

// Sets the access and modification time of path (not following symlinks).
inline void set_mtime(const std::filesystem::path& path, long seconds) {
  struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

// Runs a command and returns its stdout; fails the test on a non-zero exit.
inline std::string shell(const std::vector<std::string>& argv) {
  auto ran = run(RunOptions{.argv = argv});
  EXPECT_TRUE(ran) << quote_command(argv);
  if (!ran) return {};
  EXPECT_EQ(ran->exit_code, 0) << quote_command(argv) << "\n" << ran->err;
  return ran->out;
}

inline std::string file_bytes(const std::filesystem::path& path) {
  return read_file(path, std::size_t{1} << 30).value_or("<unreadable>");
}

}  // namespace sf::testing
