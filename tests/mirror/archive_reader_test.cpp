// SPDX-License-Identifier: Apache-2.0
// Compression round trips through the libarchive wrapper.
#include "mirror/apt/archive_reader.hpp"

#include <gtest/gtest.h>

namespace sf {
namespace {

std::string decompress(const std::string& data) {
  auto reader = ArchiveReader::open_memory(data, ArchiveFormat::raw, "test");
  EXPECT_TRUE(reader);
  auto entry = reader->next();
  EXPECT_TRUE(entry && *entry);
  return reader->read_data(1 << 20).value_or("<error>");
}

TEST(Compress, RoundTripsAndIsDeterministic) {
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text += "Package: p" + std::to_string(i) + "\n";
  for (auto compression : {Compression::gzip, Compression::xz}) {
    auto once = compress(text, compression);
    auto twice = compress(text, compression);
    ASSERT_TRUE(once);
    ASSERT_TRUE(twice);
    EXPECT_EQ(*once, *twice);
    EXPECT_LT(once->size(), text.size());
    EXPECT_EQ(decompress(*once), text);
  }
}

// An empty Packages index (an architecture without packages) still
// compresses to a valid stream.
TEST(Compress, EmptyInput) {
  for (auto compression : {Compression::gzip, Compression::xz}) {
    auto out = compress("", compression);
    ASSERT_TRUE(out);
    EXPECT_FALSE(out->empty());
  }
}

}  // namespace
}  // namespace sf
