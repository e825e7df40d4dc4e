// SPDX-License-Identifier: Apache-2.0
// Test helpers: .deb files built with dpkg-deb and a throwaway signing key.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"
#include "mirror/apt/gpg.hpp"

namespace sf::testing {

namespace fs = std::filesystem;

struct DebSpec {
  std::string package = "hello";
  std::string version = "1.0";
  std::string architecture = "arm64";
  std::string compression = "xz";   // dpkg-deb -Z: xz, gzip, zstd, none
  std::string payload = "hello\n";  // content of /usr/share/<package>/data
  std::string extra_fields;         // more control lines, each ending "\n"
};

// Builds a .deb named <package>_<version>_<arch>.deb (or `name`) in dir.
inline fs::path make_deb(const fs::path& dir, const DebSpec& spec,
                         std::string name = "") {
  if (name.empty()) {
    name = spec.package + "_" + spec.version + "_" + spec.architecture + ".deb";
  }
  auto tree = dir / ("tree-" + name);
  fs::create_directories(tree / "DEBIAN");
  fs::create_directories(tree / "usr/share" / spec.package);
  std::string control =
      "Package: " + spec.package + "\nVersion: " + spec.version +
      "\nArchitecture: " + spec.architecture +
      "\nMaintainer: Test <test@example.com>" +
      "\nDescription: test package\n long text\n" + spec.extra_fields;
  EXPECT_TRUE(write_file_atomic(tree / "DEBIAN/control", control));
  EXPECT_TRUE(write_file_atomic(tree / "usr/share" / spec.package / "data",
                                spec.payload));
  auto out = dir / name;
  RunOptions run_options;
  run_options.argv = {"dpkg-deb", "--root-owner-group", "-Z" + spec.compression,
                      "--build",  tree.string(),        out.string()};
  // Fixed mtimes so equal specs give equal files.
  run_options.env = {{"SOURCE_DATE_EPOCH", "1700000000"}};
  auto result = run_checked(run_options);
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  fs::remove_all(tree);
  return out;
}

// One signing key for a whole test suite: generating and stopping agents
// per test would dominate the run time.
class SigningKey {
 public:
  static void set_up() {
    auto dir = TempDir::create("/tmp", "sfgpg");
    ASSERT_TRUE(dir);
    auto gpg = GpgContext::open(dir->path() / "h");
    ASSERT_TRUE(gpg) << gpg.error().message;
    auto fpr = gpg->generate_key("sparkforge test <test@example.com>");
    ASSERT_TRUE(fpr) << fpr.error().message;
    state() =
        std::make_unique<State>(State{std::move(*dir), std::move(*gpg), *fpr});
  }
  static void tear_down() { state().reset(); }
  static GpgContext& gpg() { return state()->gpg; }
  static const std::string& fingerprint() { return state()->fingerprint; }

 private:
  struct State {
    TempDir dir;  // destroyed after gpg, which stops its agent
    GpgContext gpg;
    std::string fingerprint;
  };
  static std::unique_ptr<State>& state() {
    static std::unique_ptr<State> instance;
    return instance;
  }
};

}  // namespace sf::testing
