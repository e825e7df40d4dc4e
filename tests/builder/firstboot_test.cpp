// SPDX-License-Identifier: Apache-2.0
// The first-boot script under sh with fake blkid, mount, umount and logger.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "builder/seed.hpp"
#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;

// A scratch device: fake tools first in PATH, each recording its arguments
// to calls.log, and every path of the script redirected into the folder.
class Firstboot : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "firstboot");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    fs::create_directories(root() / "bin");
    fs::create_directories(mnt());
    ASSERT_TRUE(write_file_atomic(root() / "firstboot.sh",
                                  std::string(firstboot_script())));
    fake("blkid", 2);
    fake("mount", 0);
    fake("umount", 0);
    fake("logger", 0);
  }

  const fs::path& root() const { return dir_->path(); }
  fs::path mnt() const { return root() / "mnt"; }
  fs::path dev() const { return root() / "OEMDATA"; }
  fs::path disabled() const { return root() / "cloud-init.disabled"; }
  // cloud-init's once-per-instance mark for runcmd; present before a boot.
  fs::path sem() const { return root() / "config_scripts_user"; }

  // A command that logs "NAME ARGS" and exits with code.
  void fake(const std::string& name, int code) {
    std::string text = "#!/bin/sh\necho \"" + name + " $*\" >>\"" +
                       (root() / "calls.log").string() + "\"\nexit " +
                       std::to_string(code) + "\n";
    ASSERT_TRUE(write_file_atomic(root() / "bin" / name, text, 0755));
  }

  void hook(const std::string& body) {
    ASSERT_TRUE(write_file_atomic(mnt() / "hook.sh", body));
  }

  std::string read(const fs::path& path) const {
    auto text = read_file(path);
    return text ? *text : "";
  }

  RunResult run_script(const std::string& wait_sec = "0") {
    RunOptions options{
        .argv = {"sh", (root() / "firstboot.sh").string()},
        .timeout = std::chrono::seconds(30),
        .env = {{"PATH", (root() / "bin").string() + ":" + std::getenv("PATH")},
                {"SPARKFORGE_OEM_DEV", dev().string()},
                {"SPARKFORGE_OEM_MNT", mnt().string()},
                {"SPARKFORGE_CONSOLE", (root() / "console").string()},
                {"SPARKFORGE_WAIT_SEC", wait_sec},
                {"SPARKFORGE_POLL_SEC", "1"},
                {"SPARKFORGE_CLOUD_DISABLED_FILE", disabled().string()},
                {"SPARKFORGE_RUNCMD_SEM", sem().string()}}};
    EXPECT_TRUE(write_file_atomic(sem(), ""));
    auto result = run(options);
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : RunResult{};
  }

  std::optional<TempDir> dir_;
};

TEST_F(Firstboot, MissingOemdataKeepsCloudInitEnabled) {
  RunResult result = run_script("1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(read(root() / "console"),
            "sparkforge: OEMDATA partition not found after 1 s; cloud-init "
            "stays enabled and will retry on next boot\n");
  EXPECT_NE(read(root() / "calls.log").find("logger -t sparkforge -p user.err"),
            std::string::npos);
  // blkid was asked too, mount never ran.
  EXPECT_NE(read(root() / "calls.log").find("blkid -L OEMDATA"),
            std::string::npos);
  EXPECT_EQ(read(root() / "calls.log").find("mount "), std::string::npos);
  EXPECT_FALSE(fs::exists(disabled()));
  // runcmd will run again on the next boot.
  EXPECT_FALSE(fs::exists(sem()));
}

TEST_F(Firstboot, FailingHookKeepsCloudInitEnabled) {
  ASSERT_TRUE(write_file_atomic(dev(), ""));
  hook("exit 3\n");
  RunResult result = run_script();
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(fs::exists(disabled()));
  EXPECT_FALSE(fs::exists(sem()));
  EXPECT_NE(read(root() / "console").find("hook.sh failed with exit code 3"),
            std::string::npos);
  // Unmounted even after a failure.
  EXPECT_NE(read(root() / "calls.log").find("umount " + mnt().string()),
            std::string::npos);
}

TEST_F(Firstboot, SucceedingHookDisablesCloudInit) {
  ASSERT_TRUE(write_file_atomic(dev(), ""));
  hook("echo \"$OEM_MNT\" >\"$OEM_MNT/seen\"\n");
  RunResult result = run_script();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(disabled()));
  EXPECT_TRUE(fs::exists(sem()));
  EXPECT_EQ(read(mnt() / "seen"), mnt().string() + "\n");
  const std::string calls = read(root() / "calls.log");
  EXPECT_NE(calls.find("mount -o rw LABEL=OEMDATA " + mnt().string()),
            std::string::npos);
  EXPECT_NE(calls.find("umount " + mnt().string()), std::string::npos);
}

TEST_F(Firstboot, BlkidAloneFindsTheLabel) {
  fake("blkid", 0);
  hook("exit 0\n");
  RunResult result = run_script();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(disabled()));
  EXPECT_TRUE(fs::exists(sem()));
}

TEST_F(Firstboot, FailedMountSkipsTheHook) {
  ASSERT_TRUE(write_file_atomic(dev(), ""));
  fake("mount", 32);
  hook("touch \"$OEM_MNT/ran\"\n");
  RunResult result = run_script();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_FALSE(fs::exists(mnt() / "ran"));
  EXPECT_FALSE(fs::exists(disabled()));
  EXPECT_NE(read(root() / "console").find("mounting OEMDATA"),
            std::string::npos);
}

}  // namespace
}  // namespace sf::builder
