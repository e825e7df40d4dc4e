// SPDX-License-Identifier: Apache-2.0
// The sparkforge-tools packages, checked with dpkg-deb, readelf and
// lintian: architecture, dependencies, file list, modes, conffiles.
#include <gtest/gtest.h>

#include <sstream>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

fs::path deb(const std::string& arch) {
  return fs::path(SF_PACKAGE_DIR) /
         ("sparkforge-tools_" SPARKFORGE_VERSION "_" + arch + ".deb");
}

std::string output_of(std::vector<std::string> argv) {
  auto ran = run({.argv = std::move(argv), .timeout = std::chrono::minutes(2)});
  EXPECT_TRUE(ran) << ran.error().message;
  if (!ran) return {};
  EXPECT_EQ(ran->exit_code, 0) << ran->err;
  return ran->out;
}

// "mode owner path" for every entry of `dpkg-deb --contents`.
std::map<std::string, std::string> contents(const fs::path& package) {
  std::map<std::string, std::string> entries;
  std::istringstream lines(output_of({"dpkg-deb", "--contents", package}));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string mode, owner, size, date, time, path;
    words >> mode >> owner >> size >> date >> time >> path;
    if (path.starts_with("./")) path = path.substr(1);
    entries[path] = mode + " " + owner;
  }
  return entries;
}

class Package : public ::testing::TestWithParam<std::string> {};

TEST_P(Package, ControlNamesArchitectureAndRenamedLibraries) {
  ASSERT_TRUE(fs::exists(deb(GetParam()))) << deb(GetParam());
  auto field = [&](const char* name) {
    return output_of({"dpkg-deb", "--field", deb(GetParam()), name});
  };
  EXPECT_EQ(field("Package"), "sparkforge-tools\n");
  EXPECT_EQ(field("Architecture"), GetParam() + "\n");
  EXPECT_EQ(field("Version"), SPARKFORGE_VERSION "\n");
  auto depends = field("Depends");
  // Ubuntu 24.04 renamed these in the 64-bit time transition.
  EXPECT_NE(depends.find("libssl3t64 | libssl3"), std::string::npos);
  EXPECT_NE(depends.find("libefivar1t64 | libefivar1"), std::string::npos);
  EXPECT_NE(depends.find("libapt-pkg6.0t64 | libapt-pkg6.0"),
            std::string::npos);
  EXPECT_NE(depends.find("libc6 (>= "), std::string::npos);
}

TEST_P(Package, FilesLandWhereTheyBelongWithTheirModes) {
  auto files = contents(deb(GetParam()));
  for (const char* tool :
       {"device_identity", "NVAIAread", "os_build_identity",
        "driver_inventory_reporter", "software_inventory_reporter"}) {
    EXPECT_EQ(files["/usr/bin/" + std::string(tool)], "-rwxr-xr-x root/root")
        << tool;
    EXPECT_EQ(files["/usr/share/man/man1/" + std::string(tool) + ".1.gz"],
              "-rw-r--r-- root/root")
        << tool;
    EXPECT_TRUE(files.contains("/usr/share/bash-completion/completions/" +
                               std::string(tool)))
        << tool;
  }
  // Controllers need root and live in /usr/sbin with section-8 pages.
  EXPECT_EQ(files["/usr/sbin/NVAIAwrite"], "-rwxr-xr-x root/root");
  EXPECT_TRUE(files.contains("/usr/share/man/man8/NVAIAwrite.8.gz"));
  EXPECT_EQ(files["/etc/sparkforge/health.json"], "-rw-r--r-- root/root");
  EXPECT_TRUE(files.contains("/lib/systemd/system/sparkforge-health.timer"));
  EXPECT_TRUE(files.contains("/usr/share/sparkforge/sudoers.template"));
  EXPECT_TRUE(files.contains("/usr/share/doc/sparkforge-tools/copyright"));
  for (const auto& [path, mode] : files) {
    EXPECT_NE(mode.find("root/root"), std::string::npos) << path;
    if (mode.starts_with("l")) continue;  // symlink modes mean nothing
    EXPECT_EQ(mode.find('w', 3), mode.npos) << path << " is group/world "
                                            << "writable";
  }
}

TEST_P(Package, ConffilesAndMaintainerScripts) {
  auto dir = TempDir::create(fs::temp_directory_path(), "sf-deb-");
  ASSERT_TRUE(dir);
  output_of({"dpkg-deb", "--control", deb(GetParam()),
             (dir->path() / "DEBIAN").string()});
  auto conffiles = read_file(dir->path() / "DEBIAN/conffiles");
  ASSERT_TRUE(conffiles);
  EXPECT_EQ(*conffiles,
            "/etc/sparkforge/health.json\n/etc/sparkforge/evidence.json\n");
  auto postinst = read_file(dir->path() / "DEBIAN/postinst");
  ASSERT_TRUE(postinst);
  EXPECT_NE(postinst->find("/var/lib/dgx_spark_management"), std::string::npos);
  // The timer is off by default: nothing enables it.
  EXPECT_EQ(postinst->find("enable"), std::string::npos);
}

TEST_P(Package, BinariesAreBuiltForTheArchitecture) {
  auto dir = TempDir::create(fs::temp_directory_path(), "sf-deb-");
  ASSERT_TRUE(dir);
  output_of({"dpkg-deb", "-x", deb(GetParam()), dir->path().string()});
  auto header = output_of(
      {"readelf", "-h", (dir->path() / "usr/bin/device_identity").string()});
  EXPECT_NE(
      header.find(GetParam() == "arm64" ? "AArch64"
                                        : "Advanced Micro Devices X86-64"),
      std::string::npos)
      << header;
}

TEST_P(Package, LintianReportsNoErrors) {
  auto ran = run({.argv = {"lintian", "--tag-display-limit", "0",
                           deb(GetParam()).string()},
                  .timeout = std::chrono::minutes(5)});
  ASSERT_TRUE(ran) << ran.error().message;
  // E: lines are errors; warnings left are explained in lintian-overrides.
  EXPECT_EQ(ran->out.find("E: "), std::string::npos) << ran->out;
  EXPECT_EQ(ran->out.find("W: "), std::string::npos) << ran->out;
}

INSTANTIATE_TEST_SUITE_P(Architectures, Package,
                         ::testing::Values("amd64", "arm64"));

}  // namespace
}  // namespace sf::test
