// SPDX-License-Identifier: Apache-2.0
// Reading .deb control stanzas, good and broken.
#include "mirror/apt/deb_file.hpp"

#include <gtest/gtest.h>

#include "tests/mirror/apt_fixtures.hpp"

namespace sf {
namespace {

using testing::DebSpec;
using testing::make_deb;

class DebFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "deb");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
  }
  const std::filesystem::path& dir() const { return dir_->path(); }

  // Builds an ar archive by hand from members named in `files` (written
  // with the given contents) so the package can be broken on purpose.
  std::filesystem::path make_ar(
      const std::string& name,
      const std::vector<std::pair<std::string, std::string>>& files,
      const std::string& control = "") {
    auto work = dir() / ("ar-" + name);
    std::filesystem::create_directories(work);
    std::vector<std::string> argv = {"ar", "rc", (dir() / name).string()};
    for (const auto& [member, content] : files) {
      EXPECT_TRUE(write_file_atomic(work / member, content));
      argv.push_back(member);
    }
    if (!control.empty()) {
      EXPECT_TRUE(write_file_atomic(work / "control", control));
      RunOptions tar{.argv = {"tar", "-czf", "control.tar.gz", "./control"},
                     .cwd = work};
      EXPECT_TRUE(run_checked(tar));
      argv.push_back("control.tar.gz");
    }
    EXPECT_TRUE(run_checked(RunOptions{.argv = argv, .cwd = work}));
    return dir() / name;
  }

  std::optional<TempDir> dir_;
};

// Every compression dpkg-deb offers yields the same control fields.
TEST_F(DebFileTest, ReadsEachCompression) {
  for (std::string compression : {"xz", "gzip", "zstd", "none"}) {
    SCOPED_TRACE(compression);
    DebSpec spec{.package = "pkg-" + compression,
                 .version = "2:1.0-1",
                 .compression = compression};
    auto control = read_deb_control(make_deb(dir(), spec));
    ASSERT_TRUE(control) << control.error().message;
    EXPECT_EQ(control->package, spec.package);
    EXPECT_EQ(control->version, "2:1.0-1");
    EXPECT_EQ(control->architecture, "arm64");
    EXPECT_TRUE(control->stanza.starts_with("Package: " + spec.package + "\n"));
    EXPECT_TRUE(
        control->stanza.ends_with("Description: test package\n"
                                  " long text\n"));
  }
}

TEST_F(DebFileTest, MissingFileIsNotFound) {
  auto control = read_deb_control(dir() / "absent.deb");
  ASSERT_FALSE(control);
  EXPECT_EQ(control.error().code, ExitCode::not_found);
  EXPECT_NE(control.error().message.find("absent.deb"), std::string::npos);
}

struct BrokenCase {
  const char* name;
  const char* expected;  // the message after "reading <path>: "
};

TEST_F(DebFileTest, BrokenPackagesNameTheCause) {
  // Plain text, and an empty file, are not ar archives.
  ASSERT_TRUE(write_file_atomic(dir() / "text.deb", "just some text\n"));
  ASSERT_TRUE(write_file_atomic(dir() / "empty.deb", ""));
  // Valid ar archives with broken contents.
  make_ar("nocontrol.deb", {{"debian-binary", "2.0\n"}});
  make_ar("badformat.deb", {{"debian-binary", "3.0\n"}});
  make_ar("garbage.deb", {{"debian-binary", "2.0\n"}},
          "Package: a\nthis line has no colon\n");
  make_ar("noversion.deb", {{"debian-binary", "2.0\n"}},
          "Package: a\nArchitecture: arm64\n");
  make_ar("twice.deb", {{"debian-binary", "2.0\n"}},
          "Package: a\nVersion: 1\nVersion: 2\nArchitecture: arm64\n");

  const BrokenCase cases[] = {
      {"text.deb", "not an ar archive"},
      {"empty.deb", "not an ar archive"},
      {"nocontrol.deb", "no control member"},
      {"badformat.deb", "unsupported package format 3.0"},
      {"garbage.deb", "control file does not parse"},
      {"noversion.deb", "control has no Version field"},
      {"twice.deb", "control file does not parse"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto path = dir() / c.name;
    auto control = read_deb_control(path);
    ASSERT_FALSE(control);
    EXPECT_EQ(control.error().code, ExitCode::general);
    EXPECT_EQ(control.error().message,
              "reading " + path.string() + ": " + c.expected);
  }
}

}  // namespace
}  // namespace sf
