// SPDX-License-Identifier: Apache-2.0
// The real apt-get against a repository we build: update and download
// succeed with the key as signed-by; a tampered index makes apt fail.
#include <gtest/gtest.h>

#include <fstream>

#include "mirror/apt/repository.hpp"
#include "tests/mirror/apt_fixtures.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;
using testing::DebSpec;
using testing::make_deb;
using testing::SigningKey;

class AptEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SigningKey::set_up(); }
  static void TearDownTestSuite() { SigningKey::tear_down(); }

  void SetUp() override {
    if (!fs::exists("/usr/bin/apt-get")) GTEST_SKIP() << "apt-get missing";
    auto dir = TempDir::create(::testing::TempDir(), "apte2e");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    write_apt_config();
  }

  fs::path dir() const { return dir_->path(); }
  fs::path root() const { return dir() / "repo"; }

  // A private apt: own state, cache, sources and keys; arm64 only.
  void write_apt_config() {
    for (auto sub : {"state/lists/partial", "cache/archives/partial",
                     "sources.list.d", "trusted.gpg.d", "prefs.d", "log"}) {
      fs::create_directories(dir() / sub);
    }
    ASSERT_TRUE(write_file_atomic(dir() / "status", ""));
    auto d = dir().string();
    std::string config =
        "Dir::State \"" + d + "/state\";\n" + "Dir::State::status \"" + d +
        "/status\";\n" + "Dir::Cache \"" + d + "/cache\";\n" + "Dir::Log \"" +
        d + "/log\";\n" + "Dir::Etc::sourcelist \"" + d + "/sources.list\";\n" +
        "Dir::Etc::sourceparts \"" + d + "/sources.list.d\";\n" +
        "Dir::Etc::trusted \"" + d + "/trusted.gpg\";\n" +
        "Dir::Etc::trustedparts \"" + d + "/trusted.gpg.d\";\n" +
        "Dir::Etc::preferencesparts \"" + d + "/prefs.d\";\n" +
        "APT::Architecture \"arm64\";\n"
        "APT::Architectures { \"arm64\"; };\n"
        "APT::Sandbox::User \"root\";\n"
        "Acquire::Languages \"none\";\n"
        "Debug::NoLocking \"true\";\n";
    ASSERT_TRUE(write_file_atomic(dir() / "apt.conf", config));
  }

  void write_sources(const fs::path& key) {
    auto line = "deb [signed-by=" + key.string() + "] file:" + root().string() +
                " stable main\n";
    ASSERT_TRUE(write_file_atomic(dir() / "sources.list", line));
  }

  RunResult apt_get(std::vector<std::string> args) {
    RunOptions options;
    options.argv = {"apt-get", "-q"};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = {{"APT_CONFIG", (dir() / "apt.conf").string()}};
    options.timeout = std::chrono::seconds(60);
    auto result = run(options);
    EXPECT_TRUE(result);
    return result ? *result : RunResult{};
  }

  std::optional<TempDir> dir_;
};

TEST_F(AptEndToEnd, UpdateAndDownloadThenTamperFails) {
  auto debs = dir() / "debs";
  fs::create_directories(debs);
  std::vector<fs::path> files = {
      make_deb(debs, {.package = "sf-hello"}),
      make_deb(debs, {.package = "sf-docs", .architecture = "all"})};
  RepoOptions options{.root = root()};
  auto report = build_repository(
      files, options, {&SigningKey::gpg(), SigningKey::fingerprint()});
  ASSERT_TRUE(report) << report.error().message;
  auto key = SigningKey::gpg().export_public(SigningKey::fingerprint());
  ASSERT_TRUE(key);
  ASSERT_TRUE(write_file_atomic(dir() / "repo.asc", *key));
  write_sources(dir() / "repo.asc");

  auto update = apt_get({"update"});
  ASSERT_EQ(update.exit_code, 0) << update.out << update.err;
  EXPECT_EQ(update.err.find("W:"), std::string::npos) << update.err;
  auto install =
      apt_get({"install", "--download-only", "-y", "sf-hello", "sf-docs"});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  // apt uses file: packages in place instead of copying them to the cache.
  EXPECT_NE(install.out.find("sf-docs sf-hello"), std::string::npos)
      << install.out;
  EXPECT_NE(install.out.find("Download complete"), std::string::npos)
      << install.out;

  // Flip one byte of Packages.xz (its by-hash link shares the inode) and
  // start from empty lists so apt fetches it again.
  auto xz = root() / "dists/stable/main/binary-arm64/Packages.xz";
  {
    std::fstream file(xz, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(xz) / 2));
    file.put('\x5a');
  }
  fs::remove_all(dir() / "state/lists");
  fs::create_directories(dir() / "state/lists/partial");
  auto tampered = apt_get({"update"});
  EXPECT_NE(tampered.exit_code, 0) << tampered.out << tampered.err;
  EXPECT_NE(tampered.err.find("Hash Sum mismatch"), std::string::npos)
      << tampered.err;

  auto verified = verify_repository(root(), "stable", SigningKey::gpg());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().message,
            "verifying repo: dists/stable/main/binary-arm64/Packages.xz: "
            "SHA256 mismatch");
}

// Without the key, apt refuses the repository.
TEST_F(AptEndToEnd, WrongKeyIsRejected) {
  auto debs = dir() / "debs";
  fs::create_directories(debs);
  RepoOptions options{.root = root()};
  ASSERT_TRUE(
      build_repository({make_deb(debs, {.package = "sf-hello"})}, options,
                       {&SigningKey::gpg(), SigningKey::fingerprint()}));
  auto other = GpgContext::open(dir() / "g");
  ASSERT_TRUE(other);
  auto fpr = other->generate_key("other <other@example.com>");
  ASSERT_TRUE(fpr);
  auto key = other->export_public(*fpr);
  ASSERT_TRUE(key);
  ASSERT_TRUE(write_file_atomic(dir() / "other.asc", *key));
  write_sources(dir() / "other.asc");
  auto update = apt_get({"update"});
  EXPECT_NE(update.exit_code, 0);
  EXPECT_NE(update.err.find("NO_PUBKEY"), std::string::npos) << update.err;
}

}  // namespace
}  // namespace sf
