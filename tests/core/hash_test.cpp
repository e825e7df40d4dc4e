// SPDX-License-Identifier: Apache-2.0
// Digests against the published test vectors.
#include "core/hash.hpp"

#include <gtest/gtest.h>

#include "core/atomic_file.hpp"

namespace sf {
namespace {

TEST(Hash, KnownVectors) {
  // FIPS 180-2 "abc" vectors.
  auto d = hash_bytes("abc", WithSha512::yes);
  EXPECT_EQ(d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(d.sha512.substr(0, 32), "ddaf35a193617abacc417349ae204131");
  EXPECT_EQ(d.size, 3u);
}

TEST(Hash, FileMatchesBytes) {
  auto dir = TempDir::create(::testing::TempDir(), "hash");
  ASSERT_TRUE(dir);
  std::string data(3 << 20, 'x');  // spans several read chunks
  ASSERT_TRUE(write_file_atomic(dir->path() / "f", data));
  auto d = hash_file(dir->path() / "f", WithSha512::yes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->sha256, sha256_hex(data));
  EXPECT_EQ(d->sha512, hash_bytes(data, WithSha512::yes).sha512);
  EXPECT_EQ(d->size, data.size());
}

TEST(Hash, MissingFileIsNotFound) {
  auto d = hash_file("/nonexistent/file");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ExitCode::not_found);
  EXPECT_NE(d.error().message.find("/nonexistent/file"), std::string::npos);
}

}  // namespace
}  // namespace sf
