// SPDX-License-Identifier: Apache-2.0
// "did you mean" picks the closest candidate within two edits.
#include "core/suggest.hpp"

#include <gtest/gtest.h>

#include <array>

namespace sf {
namespace {

constexpr std::array<std::string_view, 3> kWords = {"build", "verify",
                                                    "inspect"};

TEST(Suggest, EditDistanceCountsTranspositionsOnce) {
  EXPECT_EQ(edit_distance("buidl", "build"), 1);
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(edit_distance("same", "same"), 0);
}

TEST(Suggest, ClosestIgnoresCaseAndDistantWords) {
  EXPECT_EQ(closest("VERIFI", kWords), "verify");
  EXPECT_FALSE(closest("mirror", kWords));
}

TEST(Suggest, ListsChoicesWhenNothingIsClose) {
  EXPECT_EQ(suggestion("biuld", kWords, "commands"), "did you mean 'build'?");
  EXPECT_EQ(suggestion("zzz", kWords, "commands"),
            "valid commands are: build, verify, inspect");
}

}  // namespace
}  // namespace sf
