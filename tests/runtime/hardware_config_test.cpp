// SPDX-License-Identifier: Apache-2.0
// The parsers of hardware_config: MIDR decoding and core names, cpuinfo,
// meminfo, nvidia-smi CSV, PCIe link speeds and network speeds.
#include "runtime-tools/tools/hardware_config.hpp"

#include <gtest/gtest.h>

namespace sf::rt {
namespace {

using nlohmann::json;

struct MidrCase {
  const char* text;
  std::optional<Midr> want;
};

TEST(ParseMidr, DecodesEveryField) {
  const std::vector<MidrCase> cases = {
      // GB10's big core, as sysfs prints it (16 hex digits).
      {"0x00000000410fd851\n", Midr{0x41, 0x0, 0xf, 0xd85, 0x1}},
      // GB10's little core.
      {"0x00000000410fd871", Midr{0x41, 0x0, 0xf, 0xd87, 0x1}},
      // Neoverse V2 r0p0 (Grace), without the 0x prefix.
      {"410fd4f0", Midr{0x41, 0x0, 0xf, 0xd4f, 0x0}},
      // Variant and revision in use: Cortex-A78 r1p1.
      {"0x411fd411", Midr{0x41, 0x1, 0xf, 0xd41, 0x1}},
      // Not hexadecimal, empty, wider than 32 bits.
      {"garbage", std::nullopt},
      {"", std::nullopt},
      {"0x1410fd851", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_midr(c.text), c.want) << c.text;
  }
}

TEST(ArmCoreName, KnowsGb10AndCommonServerCores) {
  EXPECT_EQ(arm_core_name(0x41, 0xd85), "Cortex-X925");
  EXPECT_EQ(arm_core_name(0x41, 0xd87), "Cortex-A725");
  EXPECT_EQ(arm_core_name(0x41, 0xd4f), "Neoverse V2");
  EXPECT_EQ(arm_core_name(0x41, 0xd49), "Neoverse N2");
  EXPECT_EQ(arm_core_name(0x41, 0xd41), "Cortex-A78");
  EXPECT_EQ(arm_core_name(0x41, 0xd44), "Cortex-X1");
  // Same part number, another implementer: not the Arm core.
  EXPECT_EQ(arm_core_name(0x51, 0xd85), "");
  EXPECT_EQ(cpu_implementer_name(0x41), "Arm");
  EXPECT_EQ(cpu_implementer_name(0x99), "");
}

TEST(ParseCpuinfo, Arm64BlocksKeepImplementerAndPart) {
  auto blocks = parse_cpuinfo(
      "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd87\n\n"
      "processor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd85\n");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].at("CPU part"), "0xd87");
  EXPECT_EQ(blocks[1].at("processor"), "1");
  EXPECT_EQ(blocks[1].at("CPU implementer"), "0x41");
}

TEST(ParseCpuinfo, X86ModelNameAndEmptyValues) {
  auto blocks = parse_cpuinfo(
      "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Silver 4410Y\n"
      "power management:\n\n\n");
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].at("model name"), "Intel(R) Xeon(R) Silver 4410Y");
  EXPECT_EQ(blocks[0].at("power management"), "");
}

TEST(ParseCpuinfo, GarbageGivesNoBlocksAndNoCrash) {
  EXPECT_TRUE(parse_cpuinfo("").empty());
  EXPECT_TRUE(parse_cpuinfo("no colons here\n\n\n").empty());
}

TEST(ParseMeminfo, KilobytesBecomeBytesAndCountsStay) {
  auto info = parse_meminfo(
      "MemTotal:       125711404 kB\nHugePages_Total:       0\n"
      "Broken: twelve kB\nOdd:  5 MB\n");
  EXPECT_EQ(info.at("MemTotal"), 125711404ull * 1024);
  EXPECT_EQ(info.at("HugePages_Total"), 0u);
  EXPECT_FALSE(info.contains("Broken"));
  EXPECT_FALSE(info.contains("Odd"));
}

TEST(ParseNvidiaSmiCsv, Gb10MemoryIsNullWithANote) {
  auto table = parse_nvidia_smi_csv(
      "0, NVIDIA GB10, 0000000F:01:00.0, 580.95.05, [N/A], 43, 11.84\n");
  ASSERT_EQ(table.gpus.size(), 1u);
  EXPECT_EQ(table.bad_lines, 0u);
  const auto& gpu = table.gpus[0];
  EXPECT_EQ(gpu["index"], 0);
  EXPECT_EQ(gpu["name"], "NVIDIA GB10");
  EXPECT_EQ(gpu["pci_bus_id"], "0000000F:01:00.0");
  EXPECT_EQ(gpu["pci_address"], "000f:01:00.0");
  EXPECT_EQ(gpu["driver_version"], "580.95.05");
  EXPECT_TRUE(gpu["memory_total_mib"].is_null());
  EXPECT_EQ(gpu["temperature_c"], 43.0);
  EXPECT_EQ(gpu["power_draw_w"], 11.84);
  ASSERT_EQ(gpu["notes"].size(), 1u);
  EXPECT_NE(gpu["notes"][0].get<std::string>().find("unified"),
            std::string::npos);
}

TEST(ParseNvidiaSmiCsv, NotSupportedSpellingsAndDiscreteGpus) {
  auto table = parse_nvidia_smi_csv(
      "0, NVIDIA GB10, 0000000F:01:00.0, 580.82.09, Not Supported, 38, "
      "[N/A]\n"
      "1, NVIDIA H100 80GB HBM3, 00000000:1B:00.0, 580.82.09, 81559, 31, "
      "[Not Supported]\n");
  ASSERT_EQ(table.gpus.size(), 2u);
  EXPECT_TRUE(table.gpus[0]["memory_total_mib"].is_null());
  EXPECT_TRUE(table.gpus[0]["power_draw_w"].is_null());
  EXPECT_EQ(table.gpus[1]["memory_total_mib"], 81559.0);
  EXPECT_EQ(table.gpus[1]["pci_address"], "0000:1b:00.0");
  EXPECT_TRUE(table.gpus[1]["notes"].empty());
}

TEST(ParseNvidiaSmiCsv, ErrorTextIsCountedNotParsed) {
  // What nvidia-smi prints when the driver is not loaded.
  auto table = parse_nvidia_smi_csv(
      "NVIDIA-SMI has failed because it couldn't communicate with the "
      "NVIDIA driver.\n\n0, too, few\n");
  EXPECT_TRUE(table.gpus.empty());
  EXPECT_EQ(table.bad_lines, 2u);
}

TEST(SysfsPciAddress, NormalizesNvidiaSmiBusIds) {
  EXPECT_EQ(sysfs_pci_address("0000000F:01:00.0"), "000f:01:00.0");
  EXPECT_EQ(sysfs_pci_address("00000000:01:00.0"), "0000:01:00.0");
  EXPECT_EQ(sysfs_pci_address("000f:01:00.0"), "000f:01:00.0");
  EXPECT_EQ(sysfs_pci_address("[N/A]"), "[N/A]");
}

TEST(ParseLinkSpeed, ReadsEveryKernelSpelling) {
  EXPECT_EQ(parse_link_speed("32.0 GT/s PCIe"), 32.0);
  EXPECT_EQ(parse_link_speed("2.5 GT/s PCIe\n"), 2.5);
  // Kernels before 5.x wrote no "PCIe" suffix.
  EXPECT_EQ(parse_link_speed("8 GT/s"), 8.0);
  EXPECT_EQ(parse_link_speed("Unknown"), std::nullopt);
  EXPECT_EQ(parse_link_speed(""), std::nullopt);
  EXPECT_EQ(parse_link_speed("fast GT/s"), std::nullopt);
}

TEST(ParseNetSpeed, LinkDownAndGarbageAreUnknown) {
  EXPECT_EQ(parse_net_speed("200000\n"), 200000);
  EXPECT_EQ(parse_net_speed("-1"), std::nullopt);
  EXPECT_EQ(parse_net_speed("0"), std::nullopt);
  EXPECT_EQ(parse_net_speed("fast"), std::nullopt);
  EXPECT_EQ(parse_net_speed("10G"), std::nullopt);
  EXPECT_EQ(parse_net_speed(""), std::nullopt);
}

}  // namespace
}  // namespace sf::rt
