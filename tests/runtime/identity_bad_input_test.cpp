// SPDX-License-Identifier: Apache-2.0
// device_identity, os_build_identity and driver_inventory_reporter on
// broken machines: a root with almost nothing, garbage in DMI, a garbage
// dpkg status. Each still prints one valid envelope and exits 0, with
// W_PARTIAL_DATA where something could not be read.
#include <gtest/gtest.h>

#include "core/atomic_file.hpp"
#include "tests/support/temp_root.hpp"
#include "tests/support/tool_runner.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class IdentityBadInputTest : public TempRootTest {
 protected:
  void SetUp() override {
    TempRootTest::SetUp();
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  }
  // Runs a tool below root(); the envelope, checked against the schema.
  json run_tool(const std::string& tool) {
    auto argv = tool_command(tool);
    argv.insert(argv.end(), {"--sysroot", root().string(), "--no-write-file"});
    auto ran = run({.argv = argv, .timeout = std::chrono::seconds(60)});
    EXPECT_TRUE(ran) << ran.error().message;
    if (!ran) return {};
    EXPECT_EQ(ran->exit_code, 0) << tool << ": " << ran->err;
    EXPECT_LE(ran->out.size(), 65536u) << tool;
    EXPECT_EQ(schema_errors(ran->out), "") << tool;
    return json::parse(ran->out, nullptr, false);
  }
};

const std::vector<std::string> kTools = {"device_identity", "os_build_identity",
                                         "driver_inventory_reporter"};

// Only /etc/machine-id: partial data, never a crash or an error.
TEST_F(IdentityBadInputTest, RootWithOnlyAMachineId) {
  for (const auto& tool : kTools) {
    auto envelope = run_tool(tool);
    EXPECT_EQ(envelope["ok"], true) << tool;
    EXPECT_TRUE(error_codes(envelope).contains("W_PARTIAL_DATA")) << tool;
  }
}

// Binary junk and very long values in DMI fields never reach the
// envelope as they are, and the envelope stays within --max-bytes.
TEST_F(IdentityBadInputTest, GarbageInDmiFields) {
  put("sys/class/dmi/id/sys_vendor", std::string("\xff\xfe\x00\x01NV", 6));
  put("sys/class/dmi/id/product_name", std::string(200000, 'A') + "\n");
  put("sys/class/dmi/id/product_serial", std::string("\x1b[31mred\n", 9));
  put("sys/class/dmi/id/product_uuid", "not a uuid at all\n");
  put("sys/class/dmi/id/chassis_type", "999\n");
  put("sys/class/dmi/id/bios_version", std::string(3, '\0'));
  auto envelope = run_tool("device_identity");
  ASSERT_TRUE(envelope.is_object());
  const auto& dmi = envelope["data"]["dmi"];
  EXPECT_TRUE(dmi["sys_vendor"].is_null());
  EXPECT_TRUE(dmi["product_serial"].is_null());
  EXPECT_TRUE(dmi["bios_version"].is_null());
  EXPECT_TRUE(dmi["chassis"].is_null() || dmi["chassis"] == "");
  // SMBIOS strings are short: a 200 kB product name is garbage.
  EXPECT_TRUE(dmi["product_name"].is_null());
}

// Garbage in the dpkg status file: no fingerprint, W_PARTIAL_DATA.
TEST_F(IdentityBadInputTest, GarbageDpkgStatus) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 37) % 256);
  put("var/lib/dpkg/status", junk);
  auto envelope = run_tool("os_build_identity");
  EXPECT_EQ(envelope["ok"], true);
  EXPECT_TRUE(envelope["data"]["packages"]["fingerprint"].is_null());
  EXPECT_TRUE(error_codes(envelope).contains("W_PARTIAL_DATA"));
}

// Garbage where the kernel's files should be.
TEST_F(IdentityBadInputTest, GarbageInProcFiles) {
  put("proc/modules", std::string("\x00\xff\n\n\x01 2 3 4 5 6\n", 17));
  put("proc/sys/kernel/tainted", "-1\n");
  put("proc/sys/kernel/osrelease", std::string(1000, 'r'));
  auto envelope = run_tool("driver_inventory_reporter");
  EXPECT_EQ(envelope["ok"], true);
  EXPECT_EQ(envelope["data"]["module_count"], 0);
  EXPECT_TRUE(error_codes(envelope).contains("W_PARTIAL_DATA"));
}

}  // namespace
}  // namespace sf::test
