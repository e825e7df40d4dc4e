// SPDX-License-Identifier: Apache-2.0
// os_build_identity: the DGX build levels, the package fingerprint, and
// the collector on roots with parts missing or broken.
#include "runtime-tools/tools/os_build_identity.hpp"

#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "tests/support/temp_root.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(DgxBuild, OtaLevelWinsOverTheFactoryBuild) {
  auto factory = dgx_build({{"DGX_SWBUILD_VERSION", "7.2.2"}});
  EXPECT_EQ(factory["factory_build"], "7.2.2");
  EXPECT_TRUE(factory["ota_version"].is_null());
  EXPECT_EQ(factory["current_version"], "7.2.2");

  auto updated = dgx_build(
      {{"DGX_SWBUILD_VERSION", "7.2.3"}, {"DGX_OTA_VERSION", "7.3.1"}});
  EXPECT_EQ(updated["factory_build"], "7.2.3");
  EXPECT_EQ(updated["current_version"], "7.3.1");

  EXPECT_TRUE(dgx_build(json::object())["current_version"].is_null());
}

// The fingerprint is of the sorted lines, so input order never matters,
// and it is exactly sha256("name version architecture\n"...).
TEST(PackageFingerprint, IsTheSha256OfTheSortedLines) {
  std::vector<InstalledPackage> list = {
      {.name = "b", .version = "2", .architecture = "all"},
      {.name = "a", .version = "1", .architecture = "arm64"}};
  auto expected = sha256_hex("a 1 arm64\nb 2 all\n");
  EXPECT_EQ(package_fingerprint(list), expected);
  std::swap(list[0], list[1]);
  EXPECT_EQ(package_fingerprint(list), expected);
}

class OsBuildIdentityTest : public test::TempRootTest {
 protected:
  json collect(Envelope& envelope) {
    CommonOptions options;
    options.sysroot = root();
    options.no_write_file = true;
    Host host(root(), std::chrono::milliseconds(1000));
    json config = json::object();
    EvidenceStore evidence(options, "inventory", "os_build_identity", "t");
    Context ctx{host, options, config, envelope, evidence};
    auto data = collect_os_build_identity(ctx);
    EXPECT_TRUE(data);
    return data ? *data : json();
  }
  std::vector<std::string> warnings(const Envelope& envelope) {
    std::vector<std::string> messages;
    for (const auto& issue : envelope.issues()) {
      EXPECT_EQ(issue.code, kPartialData);
      messages.push_back(issue.message);
    }
    return messages;
  }
};

// A root with only a machine id: every part null, one warning each,
// "dgx" null without a warning (a machine that is not a DGX).
TEST_F(OsBuildIdentityTest, OnlyAMachineId) {
  put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  Envelope envelope("os_build_identity", "test");
  auto data = collect(envelope);
  EXPECT_TRUE(envelope.ok());
  EXPECT_TRUE(data["os_release"].is_null());
  EXPECT_TRUE(data["dgx"].is_null());
  EXPECT_TRUE(data["kernel"]["release"].is_null());
  EXPECT_TRUE(data["boot_id"].is_null());
  EXPECT_TRUE(data["packages"]["fingerprint"].is_null());
  EXPECT_EQ(
      warnings(envelope),
      (std::vector<std::string>{
          "the os-release file was not read", "the kernel release was not read",
          "the boot id was not read", "no package fingerprint"}));
}

TEST_F(OsBuildIdentityTest, FallsBackToUsrLibOsRelease) {
  put("usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  Envelope envelope("os_build_identity", "test");
  auto data = collect(envelope);
  EXPECT_EQ(data["os"]["id"], "debian");
  EXPECT_EQ(data["os"]["version_id"], "12");
}

// A status file that turns to garbage part-way gives no fingerprint: a
// fingerprint of part of the list would look like another build.
TEST_F(OsBuildIdentityTest, GarbageStatusGivesNoFingerprint) {
  put("var/lib/dpkg/status",
      "Package: a\nStatus: install ok installed\nVersion: 1\n"
      "Architecture: arm64\n\n" +
          std::string("\x01\xff garbage\n\nPackage: b\n", 22));
  Envelope envelope("os_build_identity", "test");
  auto data = collect(envelope);
  EXPECT_TRUE(data["packages"]["fingerprint"].is_null());
  EXPECT_TRUE(data["packages"]["count"].is_null());
  auto messages = warnings(envelope);
  EXPECT_NE(
      std::find(messages.begin(), messages.end(), "no package fingerprint"),
      messages.end());
}

TEST_F(OsBuildIdentityTest, CountsInstalledAndHeldPackages) {
  put("var/lib/dpkg/status",
      "Package: a\nStatus: hold ok installed\nVersion: 1\n"
      "Architecture: arm64\n\nPackage: b\nStatus: install ok installed\n"
      "Version: 2\nArchitecture: all\n\nPackage: c\n"
      "Status: deinstall ok config-files\nVersion: 3\nArchitecture: all\n");
  Envelope envelope("os_build_identity", "test");
  auto data = collect(envelope);
  EXPECT_EQ(data["packages"]["count"], 2);
  EXPECT_EQ(data["packages"]["held"], 1);
  EXPECT_EQ(data["packages"]["fingerprint"],
            sha256_hex("a 1 arm64\nb 2 all\n"));
}

}  // namespace
}  // namespace sf::rt
