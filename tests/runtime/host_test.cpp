// SPDX-License-Identifier: Apache-2.0
// The host-access layer reads below its root and runs commands under a
// timeout, recording each.
#include "runtime-tools/lib/host.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/temp_root.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class HostTest : public test::TempRootTest {};

TEST_F(HostTest, ReadsBelowTheRootOnly) {
  put("etc/machine-id", "abc\n");
  Host host(root(), milliseconds(1000));
  EXPECT_EQ(host.read_trimmed("/etc/machine-id"), "abc");
  EXPECT_FALSE(host.read("/etc/missing"));
  EXPECT_EQ(host.read_trimmed("/etc/missing"), "");
}

// Garbage and vendor placeholders in DMI never reach an envelope.
TEST_F(HostTest, DmiPlaceholdersAndGarbageReadAsEmpty) {
  struct Case {
    std::string value;
    std::string expected;
  };
  for (const auto& [value, expected] :
       std::vector<Case>{{"1234567890ABC\n", "1234567890ABC"},
                         {"To Be Filled By O.E.M.\n", ""},
                         {"Default string\n", ""},
                         {"00000000-0000-0000-0000-000000000000\n", ""},
                         {std::string("\xff\xfe\x01garbage", 10), ""},
                         {"\n", ""}}) {
    put("sys/class/dmi/id/product_serial", value);
    Host host(root(), milliseconds(1000));
    EXPECT_EQ(dmi_field(host, "product_serial"), expected) << value;
  }
}

TEST_F(HostTest, AssetIdPrefersSerialThenUuidThenMachineId) {
  put("etc/machine-id", "mid\n");
  Host host(root(), milliseconds(1000));
  bool fallback = false;
  EXPECT_EQ(read_host_ids(host, &fallback).asset_id, "mid");
  EXPECT_TRUE(fallback);
  put("sys/class/dmi/id/product_uuid", "ABCD-1\n");
  EXPECT_EQ(read_host_ids(host, &fallback).asset_id, "abcd-1");
  EXPECT_FALSE(fallback);
  put("sys/class/dmi/id/product_serial", "SN9\n");
  EXPECT_EQ(read_host_ids(host, &fallback).asset_id, "SN9");
}

TEST_F(HostTest, CommandsTimeOutAndAreRecorded) {
  Host host(root(), milliseconds(300));
  auto ran = host.run({"sleep", "5"});
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().code, ExitCode::timeout);
  ASSERT_EQ(host.commands().size(), 1u);
  EXPECT_TRUE(host.commands()[0].timed_out);
}

}  // namespace
}  // namespace sf::rt

namespace sf::rt {
namespace {

// Regression: a root whose links point at the host's files made the tools
// print /etc/shadow.
TEST_F(HostTest, SymlinksNeverLeaveTheRoot) {
  put("etc/real", "inside\n");
  std::filesystem::create_symlink("/etc/real", root() / "etc/absolute");
  std::filesystem::create_symlink("../../../../../../etc/passwd",
                                  root() / "etc/climbing");
  std::filesystem::create_symlink("/etc/machine-id", root() / "etc/escape");
  Host host(root(), milliseconds(1000));
  EXPECT_EQ(host.read_trimmed("/etc/absolute"), "inside");
  EXPECT_FALSE(host.read("/etc/climbing"));  // /etc/passwd of the root: none
  EXPECT_FALSE(host.read("/etc/escape"));
  EXPECT_FALSE(host.read("/../../etc/passwd"));
  EXPECT_EQ(host.link_target("/etc/absolute"), "/etc/real");
  EXPECT_TRUE(host.exists("/etc/escape"));  // the link itself is there
  auto real = host.confined_path("/etc/absolute");
  ASSERT_TRUE(real);
  EXPECT_EQ(*real, std::filesystem::canonical(root() / "etc/real"));
}

// Regression: a fifo in a root hung every tool, whatever --timeout-sec said.
TEST_F(HostTest, FifosReadAsMissingWithoutBlocking) {
  std::filesystem::create_directories(root() / "etc");
  ASSERT_EQ(::mkfifo((root() / "etc/machine-id").c_str(), 0644), 0);
  Host host(root(), milliseconds(1000));
  EXPECT_FALSE(host.read("/etc/machine-id"));
}

TEST_F(HostTest, ListsFoldersSorted) {
  put("sys/class/net/b/x", "");
  put("sys/class/net/a/x", "");
  Host host(root(), milliseconds(1000));
  EXPECT_EQ(host.list("/sys/class/net"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(host.list("/missing").empty());
}

}  // namespace
}  // namespace sf::rt
