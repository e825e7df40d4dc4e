// SPDX-License-Identifier: Apache-2.0
// Atomic writes leave either the old or the new file, never a part.
#include "core/atomic_file.hpp"

#include <gtest/gtest.h>

namespace sf {
namespace {

TEST(AtomicFile, WritesAndReplaces) {
  auto dir = TempDir::create(::testing::TempDir(), "atomic");
  ASSERT_TRUE(dir);
  auto path = dir->path() / "f";
  ASSERT_TRUE(write_file_atomic(path, "one"));
  ASSERT_TRUE(write_file_atomic(path, "two"));
  EXPECT_EQ(read_file(path).value(), "two");
  // No temporary file is left beside it.
  int entries = 0;
  for ([[maybe_unused]] auto& e :
       std::filesystem::directory_iterator(dir->path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(AtomicFile, UnwritableFolderIsAnError) {
  auto r = write_file_atomic("/proc/sparkforge-test/f", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/proc/sparkforge-test/f"),
            std::string::npos);
}

TEST(AtomicFile, ReadRefusesOversizedFiles) {
  auto dir = TempDir::create(::testing::TempDir(), "atomic");
  ASSERT_TRUE(dir);
  ASSERT_TRUE(write_file_atomic(dir->path() / "big", std::string(100, 'a')));
  EXPECT_FALSE(read_file(dir->path() / "big", 10));
}

TEST(TempDir, RemovedUnlessReleased) {
  std::filesystem::path kept;
  {
    auto dir = TempDir::create(::testing::TempDir(), "t");
    ASSERT_TRUE(dir);
    kept = dir->path();
    EXPECT_TRUE(std::filesystem::is_directory(kept));
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace sf
