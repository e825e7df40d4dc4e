// SPDX-License-Identifier: Apache-2.0
// A test fixture with a machine root of its own, for tools run with
// --sysroot: root() and put(path, text) to fill it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/atomic_file.hpp"

namespace sf::test {

class TempRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "root-");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    std::filesystem::create_directories(root());
  }

  // The machine root, below a scratch folder that tests may use too.
  std::filesystem::path root() const { return scratch() / "root"; }
  std::filesystem::path scratch() const { return dir_->path(); }

  // Writes a file below the root, creating its folders.
  void put(const std::string& path, const std::string& text) {
    std::filesystem::create_directories((root() / path).parent_path());
    ASSERT_TRUE(write_file_atomic(root() / path, text));
  }

 private:
  std::optional<TempDir> dir_;
};

}  // namespace sf::test
