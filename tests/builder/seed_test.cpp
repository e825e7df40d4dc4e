// SPDX-License-Identifier: Apache-2.0
// The NoCloud seed: content, determinism, and cloud-init's own schema check.
#include "builder/seed.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <string>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"

namespace sf::builder {
namespace {

Fleet sample_fleet() {
  Fleet fleet;
  fleet.name = "lab";
  fleet.cloud_init.admin_user = "ops";
  fleet.cloud_init.ssh_authorized_keys = {"ssh-ed25519 AAAAC3NzaC1 ops@x"};
  fleet.cloud_init.locale = "en_US.UTF-8";
  fleet.cloud_init.timezone = "Etc/UTC";
  fleet.cloud_init.ntp_servers = {"ntp.example.com", "10.0.0.1"};
  return fleet;
}

// Runs `cloud-init schema --config-file` on text; skips without cloud-init.
void expect_valid_cloud_config(const std::string& text) {
  auto dir = TempDir::create(::testing::TempDir(), "schema");
  ASSERT_TRUE(dir);
  auto file = dir->path() / "user-data";
  ASSERT_TRUE(write_file_atomic(file, text));
  auto result = run(RunOptions{
      .argv = {"cloud-init", "schema", "--config-file", file.string()},
      .timeout = std::chrono::seconds(120)});
  if (!result && result.error().code == ExitCode::not_found) {
    GTEST_SKIP() << "cloud-init is not installed";
  }
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exit_code, 0) << result->out << result->err << text;
  EXPECT_NE(result->out.find("Valid cloud-config"), std::string::npos)
      << result->out;
}

TEST(Seed, UserDataHasTheAdminAndTheFirstbootCommand) {
  auto seed = render_seed(sample_fleet(), "lab-1");
  ASSERT_TRUE(seed) << seed.error().message;
  ASSERT_TRUE(seed->user_data.starts_with("#cloud-config\n"));

  YAML::Node doc = YAML::Load(seed->user_data);
  EXPECT_EQ(doc["users"][0]["name"].as<std::string>(), "ops");
  EXPECT_EQ(doc["users"][0]["groups"][0].as<std::string>(), "sudo");
  EXPECT_TRUE(doc["users"][0]["lock_passwd"].as<bool>());
  EXPECT_EQ(doc["users"][0]["ssh_authorized_keys"][0].as<std::string>(),
            "ssh-ed25519 AAAAC3NzaC1 ops@x");
  EXPECT_FALSE(doc["ssh_pwauth"].as<bool>());
  EXPECT_TRUE(doc["disable_root"].as<bool>());
  EXPECT_FALSE(doc["preserve_hostname"].as<bool>());
  EXPECT_FALSE(doc["hostname"]);
  EXPECT_EQ(doc["locale"].as<std::string>(), "en_US.UTF-8");
  EXPECT_EQ(doc["timezone"].as<std::string>(), "Etc/UTC");
  EXPECT_TRUE(doc["ntp"]["enabled"].as<bool>());
  // An IP address must stay a string, hence quoted.
  EXPECT_EQ(doc["ntp"]["servers"][1].Tag(), "!");

  // One runcmd entry in list form whose script survives the round trip.
  ASSERT_EQ(doc["runcmd"].size(), 1u);
  YAML::Node command = doc["runcmd"][0];
  ASSERT_EQ(command.size(), 3u);
  EXPECT_EQ(command[0].as<std::string>(), "sh");
  EXPECT_EQ(command[1].as<std::string>(), "-c");
  EXPECT_EQ(command[2].as<std::string>(), std::string(firstboot_script()));
}

TEST(Seed, RenderingIsDeterministic) {
  auto a = render_seed(sample_fleet(), "lab-1");
  auto b = render_seed(sample_fleet(), "lab-1");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->user_data, b->user_data);
  EXPECT_EQ(a->meta_data, b->meta_data);
  EXPECT_EQ(a->network_config, b->network_config);
}

TEST(Seed, LocaleFalseLeavesTheLocaleAlone) {
  Fleet fleet = sample_fleet();
  fleet.cloud_init.manage_locale = false;
  fleet.cloud_init.locale.clear();
  auto seed = render_seed(fleet, "lab-1");
  ASSERT_TRUE(seed);
  // cc_locale skips the string "false"; 22.4's schema rejects a boolean.
  EXPECT_NE(seed->user_data.find("locale: \"false\"\n"), std::string::npos)
      << seed->user_data;
}

TEST(Seed, MetaDataHasOnlyTheInstanceId) {
  auto seed = render_seed(sample_fleet(), "lab-2024-1");
  ASSERT_TRUE(seed);
  EXPECT_EQ(seed->meta_data, "instance-id: lab-2024-1\n");
  EXPECT_FALSE(render_seed(sample_fleet(), ""));
  EXPECT_FALSE(render_seed(sample_fleet(), "a\nlocal-hostname: x"));
}

TEST(Seed, DefaultNetworkIsDhcpOnEveryEthernet) {
  auto seed = render_seed(sample_fleet(), "lab-1");
  ASSERT_TRUE(seed);
  EXPECT_EQ(seed->network_config,
            "version: 2\n"
            "ethernets:\n"
            "  all-en:\n"
            "    match:\n"
            "      name: en*\n"
            "    dhcp4: true\n");
}

TEST(Seed, ConfiguredNetworkKeepsTypes) {
  Fleet fleet = sample_fleet();
  fleet.cloud_init.network = nlohmann::json::parse(
      R"({"version": 2, "ethernets": {"eth0": {"dhcp4": false,
          "mtu": 9000, "addresses": ["10.1.0.2/24"]}}})");
  auto seed = render_seed(fleet, "lab-1");
  ASSERT_TRUE(seed);
  YAML::Node doc = YAML::Load(seed->network_config);
  EXPECT_EQ(doc["version"].as<int>(), 2);
  EXPECT_EQ(doc["ethernets"]["eth0"]["mtu"].as<int>(), 9000);
  EXPECT_EQ(doc["ethernets"]["eth0"]["dhcp4"].Scalar(), "false");
  EXPECT_EQ(doc["ethernets"]["eth0"]["addresses"][0].Tag(), "!");
  EXPECT_TRUE(seed->network_config.starts_with("version: 2\n"));
}

TEST(Seed, VendorDataIsCopiedWhenValid) {
  auto dir = TempDir::create(::testing::TempDir(), "vendor");
  ASSERT_TRUE(dir);
  Fleet fleet = sample_fleet();
  fleet.cloud_init.vendor_data = dir->path() / "vendor.yaml";
  const std::string text = "#cloud-config\npackage_update: false\n";
  ASSERT_TRUE(write_file_atomic(*fleet.cloud_init.vendor_data, text));
  auto seed = render_seed(fleet, "lab-1");
  ASSERT_TRUE(seed) << seed.error().message;
  EXPECT_EQ(seed->vendor_data, text);
}

TEST(Seed, VendorDataErrors) {
  auto dir = TempDir::create(::testing::TempDir(), "vendor");
  ASSERT_TRUE(dir);
  Fleet fleet = sample_fleet();
  auto path = dir->path() / "vendor.yaml";
  fleet.cloud_init.vendor_data = path;

  // Missing file.
  auto missing = render_seed(fleet, "lab-1");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ExitCode::not_found);

  // No #cloud-config line.
  ASSERT_TRUE(write_file_atomic(path, "packages: []\n"));
  auto header = render_seed(fleet, "lab-1");
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().message, path.string() +
                                        ":1:1: vendor_data must start with a "
                                        "#cloud-config line");

  // Broken YAML, with its position.
  ASSERT_TRUE(write_file_atomic(path, "#cloud-config\na: [b\n"));
  auto yaml = render_seed(fleet, "lab-1");
  ASSERT_FALSE(yaml);
  EXPECT_EQ(yaml.error().code, ExitCode::invalid_args);
  EXPECT_TRUE(yaml.error().message.starts_with(path.string() + ":3:1: "))
      << yaml.error().message;
}

TEST(Seed, UserDataPassesCloudInitSchema) {
  auto seed = render_seed(sample_fleet(), "lab-1");
  ASSERT_TRUE(seed);
  expect_valid_cloud_config(seed->user_data);
}

TEST(Seed, UserDataWithoutLocaleAndNtpPassesCloudInitSchema) {
  Fleet fleet = sample_fleet();
  fleet.cloud_init.manage_locale = false;
  fleet.cloud_init.locale.clear();
  fleet.cloud_init.timezone.clear();
  fleet.cloud_init.ntp_servers.clear();
  auto seed = render_seed(fleet, "lab-1");
  ASSERT_TRUE(seed);
  expect_valid_cloud_config(seed->user_data);
}

TEST(Seed, BundledExampleSeedPassesCloudInitSchema) {
  ASSERT_EQ(setenv("HOME", "/home/tester", 1), 0);
  auto fleet = load_fleet(SF_SOURCE_DIR "/examples/fleet.yaml");
  ASSERT_TRUE(fleet) << fleet.error().message;
  auto seed = render_seed(*fleet, fleet->name + "-1");
  ASSERT_TRUE(seed) << seed.error().message;
  expect_valid_cloud_config(seed->user_data);
  YAML::Node network = YAML::Load(seed->network_config);
  EXPECT_EQ(network["ethernets"]["wired"]["match"]["name"].as<std::string>(),
            "en*");
}

}  // namespace
}  // namespace sf::builder
