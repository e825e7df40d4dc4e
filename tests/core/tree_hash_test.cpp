// SPDX-License-Identifier: Apache-2.0
// Tree hashing lists regular files in order and refuses special files.
#include "core/tree_hash.hpp"

#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"

namespace sf {
namespace {

TEST(TreeHash, ListsSortedWithDigests) {
  auto dir = TempDir::create(::testing::TempDir(), "tree");
  ASSERT_TRUE(dir);
  std::filesystem::create_directories(dir->path() / "b/c");
  ASSERT_TRUE(write_file_atomic(dir->path() / "b/c/x", "xx"));
  ASSERT_TRUE(write_file_atomic(dir->path() / "a", "a"));
  auto files = hash_tree(dir->path(), 2);
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "a");
  EXPECT_EQ((*files)[1].path, "b/c/x");
  EXPECT_EQ((*files)[1].size, 2u);
  EXPECT_EQ((*files)[1].sha256, sha256_hex("xx"));
}

TEST(TreeHash, RefusesSymlinks) {
  auto dir = TempDir::create(::testing::TempDir(), "tree");
  ASSERT_TRUE(dir);
  std::filesystem::create_symlink("/etc/passwd", dir->path() / "link");
  auto files = hash_tree(dir->path());
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("link"), std::string::npos);
}

TEST(ParallelFor, ReportsLowestFailingIndex) {
  auto done = parallel_for(100, 2, [](std::size_t i) -> Result<void> {
    if (i == 40 || i == 70) return fail("item " + std::to_string(i));
    return {};
  });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "item 40");
}

}  // namespace
}  // namespace sf
