// SPDX-License-Identifier: Apache-2.0
// driver_inventory_reporter: /proc/modules parsing, the kernel taint
// decoding, the source of a module, and the collector on broken roots.
#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "runtime-tools/tools/driver_inventory_reporter.hpp"
#include "tests/support/temp_root.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;

TEST(ParseProcModules, ReadsEachShapeTheKernelWrites) {
  auto parsed = parse_proc_modules(
      "nvidia_uvm 2158592 4 - Live 0x0000000000000000 (OE)\n"
      "ib_core 491520 3 nvidia_peermem,mlx5_ib,ib_uverbs, Live "
      "0xffff800079a10000\n"
      "kvm 1032192 1 [permanent], Loading 0x0000000000000000\n"
      "noref 16384 - - Unloading 0x0000000000000000\n");
  ASSERT_EQ(parsed.skipped_lines, 0u);
  ASSERT_EQ(parsed.modules.size(), 4u);
  EXPECT_EQ(parsed.modules[0], (LoadedModule{.name = "nvidia_uvm",
                                             .size = 2158592,
                                             .refcount = 4,
                                             .state = "live",
                                             .taint = "OE"}));
  EXPECT_EQ(
      parsed.modules[1].used_by,
      (std::vector<std::string>{"nvidia_peermem", "mlx5_ib", "ib_uverbs"}));
  EXPECT_TRUE(parsed.modules[2].permanent);
  EXPECT_TRUE(parsed.modules[2].used_by.empty());
  EXPECT_EQ(parsed.modules[2].state, "loading");
  EXPECT_FALSE(parsed.modules[3].refcount);
}

// Lines of another shape are counted, never fatal.
TEST(ParseProcModules, SkipsGarbageLines) {
  struct Case {
    const char* what;
    std::string line;
  };
  for (const auto& [what, line] : std::vector<Case>{
           {"too few words", "nvme 61440 3 - Live"},
           {"size not a number", "nvme big 3 - Live 0x0"},
           {"refcount not a number", "nvme 61440 x - Live 0x0"},
           {"taint not bracketed", "nvme 61440 3 - Live 0x0 OE"},
           {"taint in lowercase", "nvme 61440 3 - Live 0x0 (oe)"},
           {"name with a slash", "../x 61440 3 - Live 0x0"},
           {"binary junk", std::string("\xff\xfe\x01 1 2 3 4 5", 15)},
           {"too many words", "nvme 1 2 - Live 0x0 (O) extra"}}) {
    auto parsed = parse_proc_modules("ok 1 0 - Live 0x0\n" + line + "\n");
    EXPECT_EQ(parsed.modules.size(), 1u) << what;
    EXPECT_EQ(parsed.skipped_lines, 1u) << what;
  }
  EXPECT_EQ(parse_proc_modules("\n  \n").skipped_lines, 0u);
}

TEST(DecodeTaint, NamesEachSetBit) {
  struct Case {
    std::uint64_t value;
    std::string letters;
  };
  for (const auto& [value, letters] :
       std::vector<Case>{{0, ""},
                         {1, "P"},
                         {4096, "O"},
                         {12288, "OE"},
                         {4097 | 512, "PWO"},
                         {1u << 19, "J"},
                         {std::uint64_t{1} << 40, "?"}}) {
    std::string got;
    for (const auto& flag : decode_taint(value)) got += flag.letter;
    EXPECT_EQ(got, letters) << value;
  }
  EXPECT_EQ(decode_taint(8192).front(),
            (TaintFlag{13, 'E', "unsigned module loaded"}));
}

TEST(ModuleSource, ProprietaryThenDkmsThenOutOfTree) {
  EXPECT_EQ(module_source("", false), "in-tree");
  EXPECT_EQ(module_source("C", false), "in-tree");
  EXPECT_EQ(module_source("O", false), "out-of-tree");
  EXPECT_EQ(module_source("OE", true), "dkms");
  EXPECT_EQ(module_source("POE", true), "proprietary");
  EXPECT_EQ(module_source("P", false), "proprietary");
}

class DriverInventoryTest : public test::TempRootTest {
 protected:
  // Runs the collector below root() with evidence off.
  nlohmann::json collect(Envelope& envelope) {
    CommonOptions options;
    options.sysroot = root();
    options.no_write_file = true;
    Host host(root(), std::chrono::milliseconds(1000));
    nlohmann::json config = nlohmann::json::object();
    EvidenceStore evidence(options, "inventory", "driver_inventory_reporter",
                           "test");
    Context ctx{host, options, config, envelope, evidence};
    auto data = collect_driver_inventory(ctx);
    EXPECT_TRUE(data);
    return data ? *data : nlohmann::json();
  }
};

// A root with nothing but a machine id: nulls and warnings, no crash.
TEST_F(DriverInventoryTest, EmptyRootGivesNullsAndPartialData) {
  put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  Envelope envelope("driver_inventory_reporter", "test");
  auto data = collect(envelope);
  EXPECT_TRUE(data["modules"].is_null());
  EXPECT_TRUE(data["kernel"]["tainted"]["value"].is_null());
  EXPECT_TRUE(data["highlights"]["nvidia"].is_null());
  EXPECT_EQ(data["highlights"]["network"], nlohmann::json::array());
  EXPECT_TRUE(envelope.ok());
  ASSERT_EQ(envelope.issues().size(), 2u);
  for (const auto& issue : envelope.issues()) {
    EXPECT_EQ(issue.code, kPartialData);
  }
}

TEST_F(DriverInventoryTest, DkmsModulesOfTheRunningKernelOnly) {
  put("proc/sys/kernel/osrelease", "6.17.0-1008-nvidia\n");
  put("proc/sys/kernel/tainted", "4096\n");
  put("proc/modules",
      "nvidia_uvm 1 0 - Live 0x0 (O)\nnvidia 1 1 nvidia_uvm, Live 0x0 (O)\n");
  put("sys/module/nvidia/version", "580.95.05\n");
  put("var/lib/dkms/nvidia/580.95.05/6.17.0-1008-nvidia/aarch64/module/"
      "nvidia-uvm.ko.zst",
      "");
  put("var/lib/dkms/nvidia/575.57.08/6.14.0-1001-nvidia/aarch64/module/"
      "nvidia.ko.zst",
      "");
  Envelope envelope("driver_inventory_reporter", "test");
  auto data = collect(envelope);
  ASSERT_EQ(data["modules"].size(), 2u);
  EXPECT_EQ(data["modules"][0]["source"], "dkms");
  EXPECT_EQ(data["modules"][0]["dkms"]["version"], "580.95.05");
  EXPECT_EQ(data["modules"][1]["source"], "out-of-tree");
  EXPECT_EQ(data["highlights"]["nvidia"]["version"], "580.95.05");
  EXPECT_EQ(data["highlights"]["nvidia"]["not_loaded"],
            (nlohmann::json{"nvidia_drm", "nvidia_modeset", "nvidia_peermem"}));
  EXPECT_TRUE(envelope.issues().empty());
}

// Garbage in the module list and the taint: partial data, no crash.
TEST_F(DriverInventoryTest, GarbageIsPartialData) {
  put("proc/sys/kernel/tainted", std::string("\xff\xfe\x00", 3));
  put("proc/modules", std::string(5000, 'x') + "\nok 1 0 - Live 0x0\n");
  Envelope envelope("driver_inventory_reporter", "test");
  auto data = collect(envelope);
  EXPECT_EQ(data["module_count"], 1);
  EXPECT_TRUE(data["kernel"]["tainted"]["value"].is_null());
  EXPECT_EQ(envelope.issues().size(), 2u);
}

}  // namespace
}  // namespace sf::rt
