// SPDX-License-Identifier: Apache-2.0
// The parsers of firmware_reporter: fwupd's device JSON, the component
// categories, pending activation and the DMI date.
#include "runtime-tools/tools/firmware_reporter.hpp"

#include <gtest/gtest.h>

namespace sf::rt {
namespace {

struct ClassifyCase {
  const char* name;
  const char* plugin;
  std::vector<std::string> flags;
  const char* want;
};

TEST(ClassifyComponent, NameBeatsPluginForSparkCapsules) {
  const std::vector<ClassifyCase> cases = {
      // DGX Spark ships all of these as UEFI capsules.
      {"DGX Spark System Firmware", "uefi_capsule", {"internal"}, "UEFI"},
      {"GB10 SoC Firmware", "uefi_capsule", {"internal"}, "SoC"},
      {"Embedded Controller", "uefi_capsule", {"internal"}, "EC"},
      {"ConnectX-7 Firmware", "uefi_capsule", {"internal"}, "ConnectX"},
      // Their own plugins elsewhere.
      {"TPM", "tpm", {"internal"}, "TPM"},
      {"Samsung SSD 990 PRO 4TB", "nvme", {}, "NVMe"},
      {"System Firmware", "uefi_capsule", {"internal"}, "UEFI"},
      // Not firmware a fleet tracks per category.
      {"UEFI dbx", "uefi_dbx", {"internal"}, "other"},
      {"Intel(R) Xeon(R) Silver 4410Y", "cpu", {"internal"}, "other"},
      {"UEFI Device Firmware", "uefi_capsule", {"internal"}, "other"},
      {"Logitech Unifying Receiver", "logitech_hidpp", {}, "other"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(classify_component(c.name, c.plugin, c.flags), c.want) << c.name;
  }
}

constexpr const char* kDevices = R"(WARNING: a daemon note before the JSON
{
  "Devices" : [
    { "Name" : "TPM", "Plugin" : "tpm", "Version" : "7.2.3.1",
      "Guid" : [ "84df3581-f896-54d2-bd1a-372602f04c32" ],
      "Flags" : [ "internal" ] },
    { "Name" : "System Firmware", "Plugin" : "uefi_capsule",
      "Version" : "5.36_0ACUM020", "VersionBootloader" : "1.0",
      "Guid" : "6e3c1f0a-4b2d-4e8a-9c71-0d5f2a8b3e64",
      "Flags" : [ "internal", "updatable", "needs-reboot" ],
      "UpdateState" : "needs-reboot", "Vendor" : "NVIDIA" },
    { "Plugin" : "nvme", "Version" : "no name, skipped" },
    "not an object",
    { "Name" : "Odd", "Version" : 12, "Flags" : "not a list" }
  ]
})";

TEST(ParseFwupdDevices, ReadsFieldsSortsAndSkipsJunk) {
  auto parsed = parse_fwupd_devices(kDevices);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  const auto& uefi = (*parsed)[0];
  EXPECT_EQ(uefi.category, "UEFI");
  EXPECT_EQ(uefi.version, "5.36_0ACUM020");
  EXPECT_EQ(uefi.version_bootloader, "1.0");
  EXPECT_EQ(uefi.vendor, "NVIDIA");
  EXPECT_EQ(uefi.update_state, "needs-reboot");
  // A single GUID written as a string, as older fwupd did.
  EXPECT_EQ(uefi.guids.size(), 1u);
  EXPECT_EQ((*parsed)[1].category, "TPM");
  // Wrongly typed fields are empty, not fatal.
  EXPECT_EQ((*parsed)[2].name, "Odd");
  EXPECT_EQ((*parsed)[2].version, "");
  EXPECT_TRUE((*parsed)[2].flags.empty());
}

TEST(ParseFwupdDevices, FailsWithoutDevicesArray) {
  EXPECT_FALSE(parse_fwupd_devices(""));
  EXPECT_FALSE(parse_fwupd_devices("No supported devices"));
  EXPECT_FALSE(parse_fwupd_devices("{ \"Devices\" : "));
  EXPECT_FALSE(parse_fwupd_devices("{ \"Remotes\" : [] }"));
  auto empty = parse_fwupd_devices("{ \"Devices\" : [] }");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

FirmwareComponent uefi(std::string version,
                       std::vector<std::string> flags = {"needs-reboot"},
                       std::string state = "success") {
  return {.category = "UEFI",
          .name = "System Firmware",
          .version = std::move(version),
          .flags = std::move(flags),
          .update_state = std::move(state)};
}

TEST(PendingActivation, VersionMismatchIsPending) {
  auto result = pending_activation("5.36_0ACUM018", {uefi("5.36_0ACUM020")});
  EXPECT_TRUE(result.pending);
  ASSERT_EQ(result.reasons.size(), 1u);
  EXPECT_NE(result.reasons[0].find("5.36_0ACUM020"), std::string::npos);
}

TEST(PendingActivation, SameVersionIgnoringCaseAndSpaceIsNot) {
  // The static needs-reboot flag of every capsule device is no reason.
  EXPECT_FALSE(pending_activation(" 0205 ", {uefi("0205")}).pending);
  EXPECT_FALSE(pending_activation("V1.2A", {uefi("v1.2a")}).pending);
}

TEST(PendingActivation, StateAndActivationFlagArePending) {
  EXPECT_TRUE(
      pending_activation("0205", {uefi("0205", {}, "needs-reboot")}).pending);
  EXPECT_TRUE(
      pending_activation("0205", {uefi("0205", {}, "pending")}).pending);
  FirmwareComponent nic{.category = "ConnectX",
                        .name = "ConnectX-7",
                        .version = "28.45.1020",
                        .flags = {"needs-activation"}};
  auto result = pending_activation("0205", {uefi("0205"), nic});
  EXPECT_TRUE(result.pending);
  EXPECT_EQ(result.reasons, std::vector<std::string>{"ConnectX-7 needs "
                                                     "activation"});
}

TEST(PendingActivation, UnknownRunningVersionSkipsTheComparison) {
  EXPECT_FALSE(pending_activation("", {uefi("5.36_0ACUM020")}).pending);
  EXPECT_FALSE(pending_activation("0205", {}).pending);
}

TEST(IsoBiosDate, ConvertsDmiDatesOnly) {
  EXPECT_EQ(iso_bios_date("09/26/2025"), "2025-09-26");
  EXPECT_EQ(iso_bios_date("2025-09-26"), "");
  EXPECT_EQ(iso_bios_date("9/26/2025"), "");
  EXPECT_EQ(iso_bios_date("ab/cd/efgh"), "");
}

}  // namespace
}  // namespace sf::rt
