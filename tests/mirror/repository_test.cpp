// SPDX-License-Identifier: Apache-2.0
// Building and verifying signed repositories: layout, order, duplicates,
// determinism and tampering.
#include "mirror/apt/repository.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "mirror/apt/repo_index.hpp"
#include "tests/mirror/apt_fixtures.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;
using testing::DebSpec;
using testing::make_deb;
using testing::SigningKey;

constexpr std::int64_t kDate = 1700000000;  // Tue, 14 Nov 2023 22:13:20 UTC

std::string read(const fs::path& path) { return read_file(path).value(); }

// Flips one bit in the middle of a file, in place (by-hash links see it).
void flip_byte(const fs::path& path) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  auto middle = static_cast<std::streamoff>(fs::file_size(path) / 2);
  file.seekg(middle);
  char c = 0;
  file.get(c);
  file.seekp(middle);
  file.put(static_cast<char>(c ^ 1));
}

// Every regular file under dir with its content, keyed by relative path.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files[fs::relative(entry.path(), dir).string()] = read(entry.path());
  }
  return files;
}

class RepositoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SigningKey::set_up(); }
  static void TearDownTestSuite() { SigningKey::tear_down(); }

  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "repo");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    fs::create_directories(debs());
    options_.root = dir_->path() / "root";
    options_.date = kDate;
  }

  fs::path debs() const { return dir_->path() / "debs"; }
  fs::path root() const { return options_.root; }
  SigningIdentity signer() const {
    return {&SigningKey::gpg(), SigningKey::fingerprint()};
  }
  Result<RepoReport> build(const std::vector<fs::path>& files) {
    return build_repository(files, options_, signer());
  }

  std::optional<TempDir> dir_;
  RepoOptions options_;
};

TEST_F(RepositoryTest, BuildsAVerifiableRepository) {
  auto newer = make_deb(debs(), {.version = "1.10"});
  auto older = make_deb(debs(), {.version = "1.9"});
  auto lib = make_deb(debs(), {.package = "libfoo1", .compression = "gzip"});
  auto docs = make_deb(debs(), {.package = "docs", .architecture = "all"});

  auto report = build({newer, older, lib, docs});
  ASSERT_TRUE(report) << report.error().message;

  // Sorted by name, then Debian version order (1.9 before 1.10).
  ASSERT_EQ(report->packages.size(), 4u);
  EXPECT_EQ(report->packages[0].package, "docs");
  EXPECT_EQ(report->packages[1].version, "1.9");
  EXPECT_EQ(report->packages[2].version, "1.10");
  EXPECT_EQ(report->packages[3].filename,
            "pool/main/libf/libfoo1/libfoo1_1.0_arm64.deb");
  EXPECT_EQ(report->packages[1].filename,
            "pool/main/h/hello/hello_1.9_arm64.deb");
  for (const auto& file : report->index_files) {
    EXPECT_TRUE(fs::is_regular_file(root() / file)) << file;
  }
  EXPECT_EQ(report->index_files.size(), 9u);

  auto dists = root() / "dists/stable";
  auto arm64 = read(dists / "main/binary-arm64/Packages");
  EXPECT_LT(arm64.find("Version: 1.9\n"), arm64.find("Version: 1.10\n"));
  EXPECT_EQ(arm64.find("Package: docs"), std::string::npos);
  EXPECT_NE(arm64.find("Filename: pool/main/h/hello/hello_1.10_arm64.deb\n"
                       "Size: "),
            std::string::npos);
  EXPECT_NE(arm64.find("\n\nPackage: "), std::string::npos);
  auto all = read(dists / "main/binary-all/Packages");
  EXPECT_TRUE(all.starts_with("Package: docs\n"));

  auto release = read(dists / "Release");
  EXPECT_NE(release.find("Date: Tue, 14 Nov 2023 22:13:20 UTC\n"),
            std::string::npos);
  EXPECT_NE(release.find("Architectures: arm64 all\n"), std::string::npos);
  EXPECT_NE(release.find("Codename: stable\n"), std::string::npos);
  EXPECT_NE(release.find(" main/binary-all/Packages.xz\n"), std::string::npos);
  EXPECT_EQ(release.find("Valid-Until"), std::string::npos);

  auto sha = hash_bytes(arm64).sha256;
  EXPECT_TRUE(fs::exists(dists / "main/binary-arm64/by-hash/SHA256" / sha));
  // Hard links into the pool by default.
  EXPECT_TRUE(fs::equivalent(newer, root() / report->packages[2].filename));

  auto verified = verify_repository(root(), "stable", SigningKey::gpg());
  EXPECT_TRUE(verified) << verified.error().message;
}

TEST_F(RepositoryTest, ReleaseDateIsEnglishUtc) {
  EXPECT_EQ(release_date(0), "Thu, 01 Jan 1970 00:00:00 UTC");
  EXPECT_EQ(release_date(1796292000), "Thu, 03 Dec 2026 10:00:00 UTC");
}

TEST_F(RepositoryTest, SameInputsGiveIdenticalTrees) {
  auto deb = make_deb(debs(), {});
  auto docs = make_deb(debs(), {.package = "docs", .architecture = "all"});
  options_.pool_mode = RepoOptions::PoolMode::copy;
  ASSERT_TRUE(build({deb, docs}));
  auto first = tree(root());
  fs::remove_all(root());
  options_.threads = 1;
  ASSERT_TRUE(build({docs, deb}));
  auto second = tree(root());

  // gzip carries no modification time (bytes 4..7 of its header).
  auto gz = first["dists/stable/main/binary-arm64/Packages.gz"];
  ASSERT_GT(gz.size(), 8u);
  EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0'));
  ASSERT_EQ(first.size(), second.size());
  for (const auto& [path, content] : first) {
    if (path.ends_with("InRelease") || path.ends_with("Release.gpg")) continue;
    EXPECT_EQ(content, second[path]) << path;
  }
  EXPECT_FALSE(fs::equivalent(deb, root() / "pool/main/h/hello/"
                                            "hello_1.0_arm64.deb"));
}

TEST_F(RepositoryTest, IdenticalDuplicatesAreKeptOnce) {
  auto deb = make_deb(debs(), {});
  fs::copy_file(deb, debs() / "copy.deb");
  auto report = build({deb, debs() / "copy.deb"});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->packages.size(), 1u);
}

TEST_F(RepositoryTest, ConflictingDuplicatesNameBothFiles) {
  auto first = make_deb(debs(), {.payload = "one"}, "a.deb");
  auto second = make_deb(debs(), {.payload = "two"}, "b.deb");
  auto report = build({first, second});
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("adding " + second.string()),
            std::string::npos)
      << report.error().message;
  EXPECT_NE(report.error().message.find(first.string()), std::string::npos);
}

TEST_F(RepositoryTest, ForeignArchitectureNamesTheFile) {
  auto deb = make_deb(debs(), {.architecture = "amd64"});
  auto report = build({deb});
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find(deb.string() + ": architecture amd64"),
            std::string::npos)
      << report.error().message;
}

// A failed rebuild leaves the previous suite exactly as it was.
TEST_F(RepositoryTest, FailedRebuildKeepsThePreviousSuite) {
  ASSERT_TRUE(build({make_deb(debs(), {})}));
  auto before = tree(root() / "dists");
  ASSERT_TRUE(write_file_atomic(debs() / "broken.deb", "not a package"));
  auto report =
      build({make_deb(debs(), {.version = "2.0"}), debs() / "broken.deb"});
  ASSERT_FALSE(report);
  EXPECT_EQ(tree(root() / "dists"), before);
}

// A second build replaces the suite; the new one verifies.
TEST_F(RepositoryTest, RebuildReplacesTheSuite) {
  ASSERT_TRUE(build({make_deb(debs(), {})}));
  options_.date = kDate + 60;
  ASSERT_TRUE(build({make_deb(debs(), {.version = "2.0"})}));
  auto packages = read(root() / "dists/stable/main/binary-arm64/Packages");
  EXPECT_NE(packages.find("Version: 2.0\n"), std::string::npos);
  EXPECT_EQ(packages.find("Version: 1.0\n"), std::string::npos);
  EXPECT_TRUE(verify_repository(root(), "stable", SigningKey::gpg()));
  int suites = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(root() / "dists")) {
    ++suites;
  }
  EXPECT_EQ(suites, 1);  // no staging folder left behind
}

struct TamperCase {
  const char* file;      // relative to the root
  const char* expected;  // the verify error message
};

TEST_F(RepositoryTest, TamperingIsNamed) {
  const TamperCase cases[] = {
      {"dists/stable/main/binary-arm64/Packages.xz",
       "verifying repo: dists/stable/main/binary-arm64/Packages.xz: SHA256 "
       "mismatch"},
      {"pool/main/h/hello/hello_1.0_arm64.deb",
       "verifying repo: pool/main/h/hello/hello_1.0_arm64.deb: SHA256 "
       "mismatch"},
      {"dists/stable/Release",
       "verifying repo: dists/stable/Release: differs from InRelease"},
  };
  options_.pool_mode = RepoOptions::PoolMode::copy;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    fs::remove_all(root());
    ASSERT_TRUE(build({make_deb(debs(), {})}));
    flip_byte(root() / c.file);
    auto verified = verify_repository(root(), "stable", SigningKey::gpg());
    ASSERT_FALSE(verified);
    EXPECT_EQ(verified.error().code, ExitCode::verify_failed);
    EXPECT_EQ(verified.error().message, c.expected);
  }
}

TEST_F(RepositoryTest, ExpiredReleaseFailsVerification) {
  options_.valid_for = std::chrono::hours(24);
  ASSERT_TRUE(build({make_deb(debs(), {})}));
  auto release = read(root() / "dists/stable/Release");
  EXPECT_NE(release.find("Valid-Until: Wed, 15 Nov 2023 22:13:20 UTC\n"),
            std::string::npos);
  auto verified = verify_repository(root(), "stable", SigningKey::gpg());
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().message,
            "verifying repo: dists/stable/Release: expired");
}

}  // namespace
}  // namespace sf
