// SPDX-License-Identifier: Apache-2.0
// hardware_config and firmware_reporter on broken machines: sysfs files
// missing or holding garbage, commands that are missing, fail, print junk
// or hang. Each run still prints one valid envelope, on time, with ok true
// and W_PARTIAL_DATA (and E_TIMEOUT as a warning for a hang).
#include <gtest/gtest.h>

#include <set>

#include "core/atomic_file.hpp"
#include "tests/support/temp_root.hpp"
#include "tests/support/tool_runner.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

class HardwareBadInputTest : public TempRootTest {
 protected:
  void SetUp() override {
    TempRootTest::SetUp();
    fs::create_directories(bin());
    put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  }
  // The only folder in PATH: fake commands of this test, nothing else.
  fs::path bin() const { return scratch() / "bin"; }

  void link(const std::string& path, const std::string& target) {
    fs::create_directories((root() / path).parent_path());
    fs::create_symlink(target, root() / path);
  }
  // A fake command in bin(); `sleep` is linked in for the hanging ones.
  void fake(const std::string& name, const std::string& body) {
    auto file = bin() / name;
    ASSERT_TRUE(write_file_atomic(file, "#!/bin/sh\n" + body + "\n", 0755));
    if (!fs::exists(bin() / "sleep")) {
      fs::create_symlink(fs::path("/bin/sleep"), bin() / "sleep");
    }
  }

  // Runs a tool with PATH = bin(); the envelope, checked against the
  // schema; elapsed_ the wall time it took.
  json run_tool(const std::string& tool, const fs::path& sysroot,
                std::vector<std::string> extra = {}) {
    auto argv = tool_command(tool);
    argv.insert(argv.end(), {"--sysroot", sysroot.string(), "--no-write-file"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto start = Clock::now();
    auto ran = run({.argv = argv,
                    .timeout = std::chrono::seconds(60),
                    .env = {{"PATH", bin().string()}}});
    elapsed_ = Clock::now() - start;
    EXPECT_TRUE(ran) << ran.error().message;
    if (!ran) return {};
    EXPECT_EQ(ran->exit_code, 0) << tool << ": " << ran->err;
    EXPECT_EQ(schema_errors(ran->out), "") << tool;
    return json::parse(ran->out, nullptr, false);
  }

  static json issue(const json& envelope, const std::string& code) {
    for (const auto& item : envelope["errors"]) {
      if (item["code"] == code) return item;
    }
    return nullptr;
  }

  Clock::duration elapsed_{};
};

// A root with only a machine id and no commands: partial data, no GPU, no
// components, no crash.
TEST_F(HardwareBadInputTest, EmptyRootAndNoCommands) {
  auto hw = run_tool("hardware_config", root());
  EXPECT_EQ(hw["ok"], true);
  EXPECT_TRUE(error_codes(hw).contains("W_PARTIAL_DATA"));
  EXPECT_EQ(hw["data"]["gpus"], json::array());
  EXPECT_EQ(hw["data"]["gpu_probe"]["status"], "not_installed");
  EXPECT_TRUE(hw["data"]["memory"]["total_bytes"].is_null());
  EXPECT_EQ(hw["data"]["cpu"]["logical_cpus"], 0);

  auto fw = run_tool("firmware_reporter", root());
  EXPECT_EQ(fw["ok"], true);
  EXPECT_TRUE(error_codes(fw).contains("W_PARTIAL_DATA"));
  EXPECT_EQ(fw["data"]["components"], json::array());
  EXPECT_EQ(fw["data"]["fwupd"]["status"], "not_installed");
  EXPECT_TRUE(fw["data"]["pending_activation"].is_null());
  EXPECT_TRUE(fw["data"]["uefi"]["version"].is_null());
}

// Devices whose sysfs folders lack files or hold junk: each field that
// cannot be read is null, the rest is reported.
TEST_F(HardwareBadInputTest, MissingAndGarbageSysfsValues) {
  put("proc/cpuinfo",
      "processor\t: 0\nCPU implementer\t: 0x41\n"
      "CPU part\t: 0xzzz\n\nprocessor : x\n");
  put("sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "not hex\n");
  put("proc/meminfo", "MemTotal: lots kB\n");
  // A PCI device with a vendor only, and one with junk link files.
  put("sys/devices/pci0000:00/0000:00:01.0/vendor", "0x15b3\n");
  link("sys/bus/pci/devices/0000:00:01.0",
       "../../../devices/pci0000:00/0000:00:01.0");
  for (auto [leaf, value] : std::vector<std::pair<const char*, const char*>>{
           {"vendor", "0x10de"},
           {"class", "0x030200"},
           {"current_link_speed", "Unknown"},
           {"current_link_width", "x16"},
           {"max_link_speed", "32.0 GT/s PCIe"},
           {"max_link_width", "255"}}) {
    put(std::string("sys/devices/pci000f:00/000f:01:00.0/") + leaf, value);
  }
  link("sys/bus/pci/devices/000f:01:00.0",
       "../../../devices/pci000f:00/000f:01:00.0");
  // Interfaces: a link-down -1, a non-numeric speed, a missing speed.
  for (auto [name, speed] : std::vector<std::pair<const char*, const char*>>{
           {"eth0", "-1\n"}, {"eth1", "fast\n"}, {"eth2", nullptr}}) {
    auto base = std::string("sys/class/net/") + name;
    if (speed != nullptr) put(base + "/speed", speed);
    put(base + "/mtu", "big\n");
    link(base + "/device", "../../../devices/pci0000:00/0000:00:01.0");
  }
  // An NVMe controller with no model and no namespace.
  put("sys/class/nvme/nvme0/serial", "S1\n");

  auto hw = run_tool("hardware_config", root());
  EXPECT_EQ(hw["ok"], true);
  EXPECT_TRUE(error_codes(hw).contains("W_PARTIAL_DATA"));
  const auto& data = hw["data"];
  EXPECT_TRUE(data["memory"]["total_bytes"].is_null());
  ASSERT_EQ(data["network"].size(), 3u);
  for (const auto& nic : data["network"]) {
    EXPECT_TRUE(nic["speed_mbps"].is_null()) << nic.dump();
    EXPECT_TRUE(nic["mtu"].is_null()) << nic.dump();
    EXPECT_EQ(nic["pci_address"], "0000:00:01.0");
    EXPECT_TRUE(nic["driver"].is_null());
  }
  ASSERT_EQ(data["pcie"].size(), 2u);
  EXPECT_TRUE(data["pcie"][0]["class"].is_null());
  const auto& gpu_link = data["pcie"][1]["link"];
  EXPECT_TRUE(gpu_link["current_speed_gts"].is_null());
  EXPECT_TRUE(gpu_link["current_width"].is_null());
  EXPECT_TRUE(gpu_link["downtrained"].is_null());
  ASSERT_EQ(data["nvme"].size(), 1u);
  EXPECT_TRUE(data["nvme"][0]["model"].is_null());
  EXPECT_EQ(data["nvme"][0]["serial"], "S1");
}

// The regression DESIGN.md names: nvidia-smi hangs after some GPU faults.
// The envelope arrives within the timeout plus a little, ok, with the CPU
// still reported and E_TIMEOUT as a warning.
TEST_F(HardwareBadInputTest, HangingNvidiaSmiTimesOutAsAWarning) {
  fake("nvidia-smi", "sleep 100");
  auto hw = run_tool("hardware_config", fixture_root("spark"),
                     {"--timeout-sec", "1"});
  EXPECT_LT(elapsed_, std::chrono::seconds(3));
  EXPECT_EQ(hw["ok"], true);
  auto timeout = issue(hw, "E_TIMEOUT");
  ASSERT_TRUE(timeout.is_object()) << hw["errors"].dump();
  EXPECT_EQ(timeout["severity"], "warning");
  EXPECT_TRUE(error_codes(hw).contains("W_PARTIAL_DATA"));
  EXPECT_EQ(hw["data"]["gpu_probe"]["status"], "timeout");
  EXPECT_EQ(hw["data"]["gpus"], json::array());
  EXPECT_EQ(hw["data"]["cpu"]["logical_cpus"], 20);
}

TEST_F(HardwareBadInputTest, HangingFwupdmgrTimesOutAsAWarning) {
  fake("fwupdmgr", "sleep 100");
  auto fw = run_tool("firmware_reporter", fixture_root("spark"),
                     {"--timeout-sec", "1"});
  EXPECT_LT(elapsed_, std::chrono::seconds(3));
  EXPECT_EQ(fw["ok"], true);
  auto timeout = issue(fw, "E_TIMEOUT");
  ASSERT_TRUE(timeout.is_object()) << fw["errors"].dump();
  EXPECT_EQ(timeout["severity"], "warning");
  EXPECT_TRUE(error_codes(fw).contains("W_PARTIAL_DATA"));
  EXPECT_EQ(fw["data"]["fwupd"]["status"], "timeout");
  EXPECT_EQ(fw["data"]["uefi"]["version"], "5.36_0ACUM018");
  EXPECT_TRUE(fw["data"]["pending_activation"].is_null());
}

// nvidia-smi without a loaded driver prints a sentence and exits 9.
TEST_F(HardwareBadInputTest, FailingNvidiaSmiIsPartialData) {
  fake("nvidia-smi",
       "echo \"NVIDIA-SMI has failed because it couldn't communicate with "
       "the NVIDIA driver.\"\nexit 9");
  auto hw = run_tool("hardware_config", fixture_root("spark"));
  EXPECT_EQ(hw["ok"], true);
  EXPECT_TRUE(error_codes(hw).contains("W_PARTIAL_DATA"));
  EXPECT_FALSE(error_codes(hw).contains("E_TIMEOUT"));
  EXPECT_EQ(hw["data"]["gpu_probe"]["status"], "failed");
  EXPECT_NE(hw["data"]["gpu_probe"]["detail"].get<std::string>().find(
                "couldn't communicate"),
            std::string::npos);
}

TEST_F(HardwareBadInputTest, JunkFromFwupdmgrIsPartialData) {
  fake("fwupdmgr", "echo '{\"Devices\": [ truncated'");
  auto fw = run_tool("firmware_reporter", fixture_root("gx10"));
  EXPECT_EQ(fw["ok"], true);
  EXPECT_TRUE(error_codes(fw).contains("W_PARTIAL_DATA"));
  EXPECT_EQ(fw["data"]["fwupd"]["status"], "unreadable");
  EXPECT_EQ(fw["data"]["components"], json::array());
}

}  // namespace
}  // namespace sf::test
