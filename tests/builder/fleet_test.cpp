// SPDX-License-Identifier: Apache-2.0
// The fleet file loader: good files, every class of mistake, path expansion.
#include "builder/fleet.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/atomic_file.hpp"

namespace sf::builder {
namespace {

const std::filesystem::path kFleetPath = "/srv/fleets/fleet.yaml";

// Four lines every case starts from: the required keys, nothing else.
const std::string kMinimal =
    "fleet: lab\n"
    "cloud_init:\n"
    "  admin_user: ops\n"
    "  ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1 ops@example']\n";

Result<Fleet> parse(const std::string& text) {
  return parse_fleet(text, kFleetPath);
}

TEST(Fleet, MinimalFileGetsDefaults) {
  auto fleet = parse(kMinimal);
  ASSERT_TRUE(fleet) << fleet.error().message;
  EXPECT_EQ(fleet->name, "lab");
  EXPECT_EQ(fleet->fleet_file, kFleetPath);
  EXPECT_EQ(fleet->signing_key.kind, SigningKey::Kind::generate);
  EXPECT_EQ(fleet->signing_key.algorithm, "ed25519");
  EXPECT_EQ(fleet->cloud_init.admin_user, "ops");
  EXPECT_TRUE(fleet->cloud_init.manage_locale);
  EXPECT_TRUE(fleet->cloud_init.network.is_null());
  EXPECT_EQ(fleet->apt.suite, "sparkforge");
  EXPECT_EQ(fleet->oemdata_filesystem, "ext4");
  EXPECT_EQ(fleet->oemdata_size, 0u);
  EXPECT_TRUE(fleet->devices.empty());
}

TEST(Fleet, FullFileReadsEveryField) {
  auto fleet = parse(kMinimal +
                     "  locale: false\n"
                     "  timezone: Europe/Berlin\n"
                     "  ntp_servers: [ntp.example.com, 10.0.0.1]\n"
                     "  hostname_pattern: spark-{serial_lower}-{ring}\n"
                     "  network: {version: 2, ethernets: {eth: {dhcp4: true,"
                     " mtu: 9000, addresses: ['10.1.0.2/24']}}}\n"
                     "  vendor_data: vendor.yaml\n"
                     "base_image: ../images/base.img\n"
                     "signing_key: {gnupg_home: /keys,"
                     " fingerprint: 'ABCD ABCD ABCD ABCD ABCD abcd ABCD ABCD"
                     " ABCD ABCD'}\n"
                     "apt:\n"
                     "  mirror_url: http://mirror.example/ubuntu\n"
                     "  mirror_key: keys/mirror.asc\n"
                     "  mirror_suite: noble\n"
                     "  install: [jq, nvme-cli]\n"
                     "  suite: lab\n"
                     "  valid_for_days: 30\n"
                     "  disable_sources: [ubuntu.sources]\n"
                     "lvfs: {mirror_url: 'https://lvfs.example/'}\n"
                     "debs: [debs, /opt/x.deb]\n"
                     "firmware: [cabs/]\n"
                     "oemdata: {filesystem: vfat, size: 512MiB}\n"
                     "asset_tags: {OWNERDATA: {org: Example, cc: 0042}}\n"
                     "devices:\n"
                     "  - serial: AB12\n"
                     "    ring: canary\n"
                     "    asset_tags: {OWNERDATA: {cc: 7}}\n"
                     "  - {serial: AB13, hostname: special}\n");
  ASSERT_TRUE(fleet) << fleet.error().message;
  const CloudInit& ci = fleet->cloud_init;
  EXPECT_FALSE(ci.manage_locale);
  EXPECT_EQ(ci.timezone, "Europe/Berlin");
  EXPECT_EQ(ci.ntp_servers.size(), 2u);
  EXPECT_EQ(ci.network["ethernets"]["eth"]["mtu"], 9000);
  EXPECT_EQ(ci.network["ethernets"]["eth"]["dhcp4"], true);
  EXPECT_EQ(ci.network["ethernets"]["eth"]["addresses"][0], "10.1.0.2/24");
  EXPECT_EQ(ci.vendor_data, "/srv/fleets/vendor.yaml");
  EXPECT_EQ(fleet->base_image, "/srv/images/base.img");
  EXPECT_EQ(fleet->signing_key.kind, SigningKey::Kind::gnupg_home);
  std::string fingerprint;
  for (int i = 0; i < 10; ++i) fingerprint += "ABCD";
  EXPECT_EQ(fleet->signing_key.fingerprint, fingerprint);
  EXPECT_EQ(fleet->apt.mirror_components, std::vector<std::string>{"main"});
  EXPECT_EQ(fleet->apt.mirror_key, "/srv/fleets/keys/mirror.asc");
  EXPECT_EQ(fleet->apt.valid_for_days, 30);
  EXPECT_EQ(fleet->lvfs_mirror_url, "https://lvfs.example/");
  ASSERT_EQ(fleet->debs.size(), 2u);
  EXPECT_EQ(fleet->debs[0], "/srv/fleets/debs");
  EXPECT_EQ(fleet->debs[1], "/opt/x.deb");
  EXPECT_EQ(fleet->firmware[0], "/srv/fleets/cabs/");
  EXPECT_EQ(fleet->oemdata_filesystem, "vfat");
  EXPECT_EQ(fleet->oemdata_size, 512u << 20);

  ASSERT_EQ(fleet->devices.size(), 2u);
  const Device& first = fleet->devices[0];
  EXPECT_EQ(first.hostname, "spark-ab12-canary");
  EXPECT_EQ(first.line, 27);
  // Device tags override fleet-wide ones field by field.
  EXPECT_EQ(first.asset_tags.groups.at("OWNERDATA").at("cc"), "7");
  EXPECT_EQ(first.asset_tags.groups.at("OWNERDATA").at("org"), "Example");
  const Device& second = fleet->devices[1];
  EXPECT_EQ(second.hostname, "special");
  EXPECT_EQ(second.ring, "default");
  // Scalars stay as written: 0042 is not the number 42.
  EXPECT_EQ(second.asset_tags.groups.at("OWNERDATA").at("cc"), "0042");
}

TEST(Fleet, SizesInEveryUnit) {
  struct Case {
    const char* text;
    std::uint64_t bytes;
  };
  for (const Case& c :
       {Case{"auto", 0}, Case{"4096", 4096}, Case{"2GiB", 2ull << 30},
        Case{"1 TiB", 1ull << 40}, Case{"64KiB", 64u << 10}}) {
    auto fleet = parse(kMinimal + "oemdata: {size: " + c.text + "}\n");
    ASSERT_TRUE(fleet) << c.text << ": " << fleet.error().message;
    EXPECT_EQ(fleet->oemdata_size, c.bytes) << c.text;
  }
}

struct BadCase {
  const char* name;
  std::string text;
  const char* position;  // "LINE:COL"
  const char* fragment;
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class FleetErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(FleetErrors, PointsAtTheMistake) {
  const BadCase& c = GetParam();
  auto fleet = parse(c.text);
  ASSERT_FALSE(fleet) << c.name;
  EXPECT_EQ(fleet.error().code, ExitCode::invalid_args);
  const std::string& message = fleet.error().message;
  EXPECT_TRUE(message.starts_with(
      "/srv/fleets/fleet.yaml:" + std::string(c.position) + ": "))
      << message;
  EXPECT_NE(message.find(c.fragment), std::string::npos) << message;
}

const std::string kDevice = "devices:\n  - serial: A1\n    hostname: a1\n";

INSTANTIATE_TEST_SUITE_P(
    Table, FleetErrors,
    ::testing::Values(
        // yaml-cpp's own parser error keeps its mark.
        BadCase{"InvalidYaml", "fleet: [lab\n", "2:1", "invalid YAML: "},
        BadCase{"NotAMapping", "- a\n", "1:1",
                "expected a mapping of fleet settings, found a list"},
        BadCase{"EmptyFile", "", "1:1",
                "expected a mapping of fleet settings, found an empty value"},
        BadCase{"DevicesIsAString", kMinimal + "devices: all of them\n", "5:10",
                "expected a list of devices, found a string"},
        BadCase{"UnknownKeyClose", kMinimal + "devics: []\n", "5:1",
                "unknown key 'devics' at the top level; did you mean "
                "'devices'?"},
        BadCase{"UnknownKeyFar", kMinimal + "colour: red\n", "5:1",
                "valid keys are: fleet, base_image, signing_key"},
        BadCase{"UnknownNestedKey", kMinimal + "  timezon: Etc/UTC\n", "5:3",
                "unknown key 'timezon' in cloud_init; did you mean "
                "'timezone'?"},
        BadCase{"MissingFleet", kMinimal.substr(11), "1:1",
                "missing required key 'fleet' at the top level"},
        BadCase{"MissingAdminUser",
                "fleet: lab\ncloud_init:\n  ssh_authorized_keys: []\n", "3:3",
                "missing required key 'admin_user' in cloud_init"},
        BadCase{"DuplicateKey", kMinimal + "fleet: other\n", "5:1",
                "key 'fleet' appears twice at the top level (first at "
                "line 1)"},
        BadCase{"MissingSerial", kMinimal + "devices:\n  - hostname: a\n",
                "6:5", "missing required key 'serial' in device"},
        BadCase{"DuplicateSerial",
                kMinimal + kDevice + "  - serial: a1\n    hostname: a2\n",
                "8:13", "serial 'a1' is listed twice (first at line 6)"},
        BadCase{"DuplicateHostname",
                kMinimal + kDevice + "  - serial: A2\n    hostname: A1\n",
                "9:15", "hostname 'A1' is used twice (first at line 6)"},
        BadCase{"InvalidHostname",
                kMinimal + "devices:\n  - {serial: A1, hostname: spark_1}\n",
                "6:28", "invalid hostname 'spark_1'"},
        BadCase{"NoHostnameNoPattern", kMinimal + "devices:\n  - serial: A\n",
                "6:5", "missing required key 'hostname' in device"},
        BadCase{"PatternMakesBadHostname",
                kMinimal + "  hostname_pattern: x-{serial}\n" +
                    "devices:\n  - serial: A.1\n",
                "7:5", "invalid hostname 'x-A.1' from hostname_pattern"},
        BadCase{"UnknownPlaceholder",
                kMinimal + "  hostname_pattern: x-{serail}\n", "5:21",
                "unknown placeholder '{serail}'"},
        BadCase{"InvalidRing", kMinimal + kDevice + "    ring: Ring A\n",
                "8:11", "invalid ring 'Ring A'"},
        BadCase{"UnknownTagGroup",
                kMinimal + kDevice + "    asset_tags: {ownerdta: {a: b}}\n",
                "8:18",
                "unknown key 'ownerdta' in asset_tags; did you mean "
                "'OWNERDATA'?"},
        BadCase{"BadTagField",
                kMinimal + "asset_tags: {OWNERDATA: {'a b': c}}\n", "5:26",
                "invalid asset-tag field name in OWNERDATA"},
        BadCase{"OversizedTagValue",
                kMinimal + "asset_tags: {OWNERDATA: {a: " +
                    std::string(257, 'x') + "}}\n",
                "5:29", "value of OWNERDATA.a has 257 characters"},
        BadCase{"TagValueIsAList",
                kMinimal + "asset_tags: {OWNERDATA: {a: [1]}}\n", "5:29",
                "expected a value for OWNERDATA.a, found a list"},
        BadCase{"BadSize", kMinimal + "oemdata:\n  size: 2GB\n", "6:9",
                "invalid size '2GB'"},
        BadCase{"ZeroSize", kMinimal + "oemdata:\n  size: 0\n", "6:9",
                "invalid size '0'"},
        BadCase{"BadFilesystem", kMinimal + "oemdata: {filesystem: btrfs}\n",
                "5:23", "invalid filesystem 'btrfs': expected ext4 or vfat"},
        BadCase{"BadSshKeyType",
                "fleet: lab\ncloud_init:\n  admin_user: ops\n"
                "  ssh_authorized_keys:\n    - ssh-dss AAAAB3 old\n",
                "5:7", "ssh key does not start with a known type"},
        BadCase{"SshKeyWithoutData",
                "fleet: lab\ncloud_init:\n  admin_user: ops\n"
                "  ssh_authorized_keys: [ssh-ed25519]\n",
                "4:25", "has no base64 key data"},
        BadCase{"RootAdmin",
                "fleet: lab\ncloud_init:\n  admin_user: root\n"
                "  ssh_authorized_keys: []\n",
                "3:15", "invalid admin_user 'root'"},
        BadCase{"NetworkWithoutVersion",
                kMinimal + "  network: {ethernets: {}}\n", "5:12",
                "invalid network: expected 'version: 2'"},
        BadCase{"NetworkVersion1", kMinimal + "  network: {version: 1}\n",
                "5:22", "expected 'version: 2' (netplan v2), found a number"},
        BadCase{"NetworkTypo",
                kMinimal + "  network: {version: 2, ethernet: {}}\n", "5:25",
                "did you mean 'ethernets'?"},
        BadCase{"NetworkIsAList", kMinimal + "  network: [a]\n", "5:12",
                "expected a netplan v2 mapping for 'network', found a list"},
        BadCase{"BadTimezone", kMinimal + "  timezone: Europe Berlin\n", "5:13",
                "invalid timezone 'Europe Berlin'"},
        BadCase{"BadLocale", kMinimal + "  locale: english\n", "5:11",
                "invalid locale 'english'"},
        BadCase{"UnsetVariable",
                kMinimal + "base_image: ${SF_TEST_NEVER_SET}/b.img\n", "5:13",
                "base_image: environment variable 'SF_TEST_NEVER_SET' is not "
                "set"},
        BadCase{"BadVariableSyntax", kMinimal + "debs: ['${A:B}']\n", "5:8",
                "bad variable reference '${A:B}'"},
        BadCase{"TwoSigningKeys",
                kMinimal + "signing_key: {generate: ed25519, "
                           "secret_key_file: k}\n",
                "5:14", "exactly one of 'generate'"},
        BadCase{"GnupgWithoutFingerprint",
                kMinimal + "signing_key: {gnupg_home: /k}\n", "5:14",
                "missing required key 'fingerprint'"},
        BadCase{"BadAlgorithm", kMinimal + "signing_key: {generate: dsa}\n",
                "5:25", "expected ed25519 or rsa3072"},
        BadCase{"MirrorWithoutSuite",
                kMinimal + "apt: {mirror_url: 'http://m/'}\n", "5:6",
                "missing required key 'mirror_suite' in apt"},
        BadCase{"BadUrl", kMinimal + "lvfs: {mirror_url: ftp://x}\n", "5:20",
                "expected an http://, https:// or file:/ URL"},
        BadCase{"BadFleetName", "fleet: Lab_A\n", "1:8",
                "invalid fleet name 'Lab_A'"},
        BadCase{"TwoDocuments", kMinimal + "---\nfleet: b\n", "6:1",
                "expected one YAML document, found 2"}),
    [](const ::testing::TestParamInfo<BadCase>& case_info) {
      return std::string(case_info.param.name);
    });

TEST(Fleet, ExpandsVariablesAndHome) {
  ASSERT_EQ(setenv("SF_TEST_CACHE", "/cache", 1), 0);
  ASSERT_EQ(setenv("HOME", "/home/tester", 1), 0);
  unsetenv("SF_TEST_UNSET");
  auto fleet = parse(kMinimal +
                     "base_image: ${SF_TEST_CACHE}/base.img\n"
                     "debs:\n"
                     "  - ${SF_TEST_UNSET:-~/.cache/sf}/debs\n"
                     "  - ${SF_TEST_UNSET:-${SF_TEST_CACHE}}/more\n"
                     "  - ~/own.deb\n"
                     "  - relative/x.deb\n");
  ASSERT_TRUE(fleet) << fleet.error().message;
  EXPECT_EQ(fleet->base_image, "/cache/base.img");
  ASSERT_EQ(fleet->debs.size(), 4u);
  EXPECT_EQ(fleet->debs[0], "/home/tester/.cache/sf/debs");
  EXPECT_EQ(fleet->debs[1], "/cache/more");
  EXPECT_EQ(fleet->debs[2], "/home/tester/own.deb");
  EXPECT_EQ(fleet->debs[3], "/srv/fleets/relative/x.deb");
}

TEST(Fleet, EmptyVariableTakesTheDefault) {
  ASSERT_EQ(setenv("SF_TEST_EMPTY", "", 1), 0);
  auto fleet = parse(kMinimal + "base_image: ${SF_TEST_EMPTY:-/d}/b.img\n");
  ASSERT_TRUE(fleet) << fleet.error().message;
  EXPECT_EQ(fleet->base_image, "/d/b.img");
}

TEST(Fleet, LoadReportsAMissingFile) {
  auto fleet = load_fleet("/nonexistent/sparkforge/fleet.yaml");
  ASSERT_FALSE(fleet);
  EXPECT_EQ(fleet.error().code, ExitCode::not_found);
}

TEST(Fleet, LoadResolvesAgainstTheFilesFolder) {
  auto dir = TempDir::create(::testing::TempDir(), "fleet");
  ASSERT_TRUE(dir);
  ASSERT_TRUE(
      write_file_atomic(dir->path() / "f.yaml", kMinimal + "debs: [d]\n"));
  auto fleet = load_fleet(dir->path() / "f.yaml");
  ASSERT_TRUE(fleet) << fleet.error().message;
  EXPECT_EQ(fleet->fleet_file, dir->path() / "f.yaml");
  EXPECT_EQ(fleet->debs.at(0), dir->path() / "d");
}

TEST(Fleet, BundledExampleLoads) {
  unsetenv("SPARKFORGE_CACHE");
  ASSERT_EQ(setenv("HOME", "/home/tester", 1), 0);
  auto fleet = load_fleet(SF_SOURCE_DIR "/examples/fleet.yaml");
  ASSERT_TRUE(fleet) << fleet.error().message;
  EXPECT_EQ(fleet->name, "example-lab");
  EXPECT_EQ(fleet->base_image,
            "/home/tester/.cache/sparkforge/example/base.img");
  ASSERT_EQ(fleet->devices.size(), 2u);
  EXPECT_EQ(fleet->devices[0].hostname, "spark-1234567890abc");
  EXPECT_EQ(fleet->devices[1].hostname, "spark-lab-02");
}

TEST(HostnamePattern, ReplacesEveryPlaceholder) {
  auto name = expand_hostname_pattern("{serial}-{serial_lower}-{ring}", "AbC",
                                      "canary");
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "AbC-abc-canary");
  EXPECT_FALSE(expand_hostname_pattern("x-{serial", "A", "r"));
}

}  // namespace
}  // namespace sf::builder
