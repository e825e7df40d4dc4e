// SPDX-License-Identifier: Apache-2.0
// NVAIAwrite and NVAIAread as built, through the real libefivar, against a
// folder named by EFIVARFS_PATH (or found below --sysroot).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/atomic_file.hpp"
#include "tests/support/tool_runner.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kVariable =
    "NVAIAAssetMeta-3b8e3c2a-2f4a-4a4b-8d2d-9f4d0c8b7b2a";

struct Ran {
  int exit_code = -1;
  json envelope;
};

class NvaiaTools : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "nvaia");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    fs::create_directories(vars());
  }

  fs::path vars() const { return dir_->path() / "vars"; }
  fs::path variable_file() const { return vars() / kVariable; }

  // Runs the tool with EFIVARFS_PATH at vars() and checks the envelope
  // against the schema.
  Ran run_tool(const std::string& tool, std::vector<std::string> args,
               std::vector<std::string> prefix = {}) {
    auto argv = prefix;
    for (const auto& word : tool_command(tool)) argv.push_back(word);
    argv.push_back("--no-write-file");
    argv.insert(argv.end(), args.begin(), args.end());
    auto ran = run({.argv = argv,
                    .timeout = std::chrono::seconds(60),
                    .env = {{"EFIVARFS_PATH", vars().string()}}});
    EXPECT_TRUE(ran) << (ran ? "" : ran.error().message);
    if (!ran) return {};
    EXPECT_EQ(schema_errors(ran->out), "") << ran->out;
    return {ran->exit_code, json::parse(ran->out, nullptr, false)};
  }

  std::string variable_bytes() const {
    auto bytes = read_file(variable_file());
    return bytes ? *bytes : std::string();
  }

  std::optional<TempDir> dir_;
};

// The last error of an envelope (warnings such as W_NO_ASSET_ID come
// first on a build machine).
json last_error(const json& envelope) { return envelope["errors"].back(); }

TEST_F(NvaiaTools, WriteMakesAttributeBytesThenJsonAndReadGetsItBack) {
  auto wrote =
      run_tool("NVAIAwrite",
               {"--set", "USERASSETDATA.asset_id=A-17", "--group", "OWNERDATA",
                "--field", "location", "--value", "Lab 2", "--emit-compact"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.envelope.dump();
  EXPECT_TRUE(wrote.envelope["data"]["written"]);

  // efivarfs layout: four attribute bytes (0x7, little-endian), then the
  // payload.
  auto bytes = variable_bytes();
  ASSERT_GT(bytes.size(), 4u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x07\x00\x00\x00", 4));
  auto payload = json::parse(bytes.substr(4));
  EXPECT_EQ(payload["groups"]["USERASSETDATA"]["asset_id"], "A-17");
  EXPECT_EQ(payload["schema"], "NVAIAAssetMeta/1");

  auto read = run_tool("NVAIAread", {"--emit-compact"});
  ASSERT_EQ(read.exit_code, 0);
  const auto& data = read.envelope["data"];
  EXPECT_TRUE(data["present"]);
  EXPECT_EQ(data["attributes"], 7);
  EXPECT_EQ(data["groups"], payload["groups"]);
  EXPECT_EQ(data["compact"], "DGXAT1;id=A-17;loc=Lab 2");
  EXPECT_EQ(data["payload_bytes"], bytes.size() - 4);
}

TEST_F(NvaiaTools, MissingVariableIsPresentFalseNotAnError) {
  auto read = run_tool("NVAIAread", {});
  ASSERT_EQ(read.exit_code, 0);
  EXPECT_TRUE(read.envelope["ok"]);
  EXPECT_FALSE(read.envelope["data"]["present"]);
  EXPECT_TRUE(read.envelope["data"]["efi_variables"]);
}

TEST_F(NvaiaTools, UnsetRemovesAField) {
  ASSERT_EQ(run_tool("NVAIAwrite", {"--set", "LEASEDATA.end=2027-06-30",
                                    "--set", "LEASEDATA.lessor=ACME"})
                .exit_code,
            0);
  ASSERT_EQ(run_tool("NVAIAwrite", {"--unset", "LEASEDATA.lessor"}).exit_code,
            0);
  auto read = run_tool("NVAIAread", {});
  EXPECT_EQ(read.envelope["data"]["groups"],
            json({{"LEASEDATA", {{"end", "2027-06-30"}}}}));
}

// libefivar 37 writes into an existing plain file without truncating it;
// a shorter payload must not keep the old tail.
TEST_F(NvaiaTools, ShorterRewriteLeavesNoStaleTail) {
  ASSERT_EQ(run_tool("NVAIAwrite",
                     {"--set", "SUPPORTDATA.note=" + std::string(200, 'n')})
                .exit_code,
            0);
  auto wrote = run_tool("NVAIAwrite", {"--set", "SUPPORTDATA.note=short"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.envelope.dump();
  auto bytes = variable_bytes();
  EXPECT_EQ(bytes.size(),
            4 + wrote.envelope["data"]["payload_bytes"].get<std::size_t>());
  EXPECT_TRUE(json::accept(bytes.substr(4)));
}

TEST_F(NvaiaTools, DryRunChangesNothing) {
  ASSERT_EQ(run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=ops"}).exit_code,
            0);
  auto before = variable_bytes();
  auto dry =
      run_tool("NVAIAwrite", {"--dry-run", "--set", "OWNERDATA.owner=finance"});
  ASSERT_EQ(dry.exit_code, 0);
  EXPECT_EQ(dry.envelope["data"]["payload"]["groups"]["OWNERDATA"]["owner"],
            "finance");
  EXPECT_FALSE(dry.envelope["data"]["written"]);
  EXPECT_EQ(variable_bytes(), before);

  fs::remove(variable_file());
  ASSERT_EQ(
      run_tool("NVAIAwrite", {"--dry-run", "--set", "OWNERDATA.a=1"}).exit_code,
      0);
  EXPECT_FALSE(fs::exists(variable_file()));
}

TEST_F(NvaiaTools, GarbageVariableIsAGeneralErrorNamingTheVariable) {
  ASSERT_TRUE(write_file_atomic(variable_file(),
                                std::string("\x07\x00\x00\x00", 4) + "{garb"));
  auto read = run_tool("NVAIAread", {});
  EXPECT_EQ(read.exit_code, 1);
  EXPECT_TRUE(read.envelope["data"].is_null());
  auto error = last_error(read.envelope);
  EXPECT_EQ(error["code"], "E_GENERAL");
  EXPECT_NE(error["message"].get<std::string>().find(
                std::string("reading ") + kVariable + ": payload is not JSON"),
            std::string::npos)
      << error;
}

TEST_F(NvaiaTools, TooLargeVariableIsAnErrorWithItsSize) {
  std::string big = R"({"groups":{"SUPPORTDATA":{"pad":")";
  big += std::string(8193 - big.size() - 4, 'p') + R"("}}})";
  ASSERT_EQ(big.size(), 8193u);
  ASSERT_TRUE(write_file_atomic(variable_file(),
                                std::string("\x07\x00\x00\x00", 4) + big));
  auto read = run_tool("NVAIAread", {});
  EXPECT_EQ(read.exit_code, 1);
  EXPECT_NE(last_error(read.envelope)["message"].get<std::string>().find(
                "payload is 8193 bytes, more than the 8192 allowed"),
            std::string::npos);
}

TEST_F(NvaiaTools, UnknownGroupIsInvalidArgumentsWithASuggestion) {
  auto wrote = run_tool("NVAIAwrite", {"--set", "OWNRDATA.owner=x"});
  EXPECT_EQ(wrote.exit_code, 2);
  EXPECT_EQ(last_error(wrote.envelope)["code"], "E_INVALID_ARGS");
  EXPECT_NE(last_error(wrote.envelope)["message"].get<std::string>().find(
                "did you mean 'OWNERDATA'?"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(variable_file()));
}

TEST_F(NvaiaTools, FileGroupsMergeIntoTheStoredTag) {
  ASSERT_EQ(run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=ops"}).exit_code,
            0);
  auto file = dir_->path() / "payload.json";
  ASSERT_TRUE(write_file_atomic(
      file, R"({"groups":{"PRELOADPROFILE":{"profile":"ai-dev"}}})"));
  ASSERT_EQ(run_tool("NVAIAwrite", {"--file", file.string()}).exit_code, 0);
  auto groups = run_tool("NVAIAread", {}).envelope["data"]["groups"];
  EXPECT_EQ(groups["OWNERDATA"]["owner"], "ops");
  EXPECT_EQ(groups["PRELOADPROFILE"]["profile"], "ai-dev");
}

// efivarfs marks vendor variables immutable; a write clears the flag and
// puts it back. Needs root and a filesystem with the flag (ext4, xfs).
TEST_F(NvaiaTools, ImmutableFlagIsClearedForTheWriteAndRestored) {
  ASSERT_EQ(run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=ops"}).exit_code,
            0);
  auto flags_of = [&](int* flags) {
    int fd = open(variable_file().c_str(), O_RDONLY);
    int rc = ioctl(fd, FS_IOC_GETFLAGS, flags);
    close(fd);
    return rc;
  };
  int flags = 0;
  if (geteuid() != 0 || flags_of(&flags) != 0) {
    GTEST_SKIP() << "needs root and a folder that supports chattr +i";
  }
  flags |= FS_IMMUTABLE_FL;
  int fd = open(variable_file().c_str(), O_RDONLY);
  int set = ioctl(fd, FS_IOC_SETFLAGS, &flags);
  close(fd);
  if (set != 0) GTEST_SKIP() << "the temp folder has no immutable flag";

  auto wrote = run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=finance"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.envelope.dump();
  ASSERT_EQ(flags_of(&flags), 0);
  EXPECT_NE(flags & FS_IMMUTABLE_FL, 0) << "the flag was not restored";
  EXPECT_NE(variable_bytes().find("finance"), std::string::npos);

  flags &= ~FS_IMMUTABLE_FL;  // let TempDir remove the file
  fd = open(variable_file().c_str(), O_RDONLY);
  EXPECT_EQ(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
  close(fd);
}

// Writing needs root even where the folder would allow it; the refused run
// changes nothing.
TEST_F(NvaiaTools, WriteAsAnotherUserIsPermissionDenied) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to nobody";
  if (access("/usr/bin/setpriv", X_OK) != 0) {
    GTEST_SKIP() << "setpriv (util-linux) is not installed";
  }
  ASSERT_EQ(run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=ops"}).exit_code,
            0);
  auto before = variable_bytes();
  auto refused =
      run_tool("NVAIAwrite", {"--set", "OWNERDATA.owner=mallory"},
               {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  EXPECT_EQ(refused.exit_code, 3) << refused.envelope.dump();
  EXPECT_EQ(last_error(refused.envelope)["code"], "E_PERMISSION");
  EXPECT_EQ(variable_bytes(), before);
}

TEST_F(NvaiaTools, SysrootFindsVariablesBelowItAndOverridesTheEnvironment) {
  auto root = dir_->path() / "root";
  auto below = root / "sys/firmware/efi/efivars";
  fs::create_directories(below);
  auto wrote = run_tool("NVAIAwrite", {"--sysroot", root.string(), "--set",
                                       "USERDEVICE.user=ada"});
  ASSERT_EQ(wrote.exit_code, 0) << wrote.envelope.dump();
  EXPECT_TRUE(fs::exists(below / kVariable));
  EXPECT_FALSE(fs::exists(variable_file()));  // EFIVARFS_PATH was ignored

  auto none = run_tool("NVAIAwrite", {"--sysroot", (root / "x").string(),
                                      "--set", "USERDEVICE.user=ada"});
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_EQ(last_error(none.envelope)["code"], "E_NOT_FOUND");
}

// Regression: a --sysroot whose efivars folder was a symlink made a root
// NVAIAwrite create files anywhere.
TEST_F(NvaiaTools, SysrootLinksOutOfTheRootAreRefused) {
  auto root = dir_->path() / "root";
  auto victim = dir_->path() / "victim";
  fs::create_directories(root / "sys/firmware/efi");
  fs::create_directories(victim);
  fs::create_symlink(victim, root / "sys/firmware/efi/efivars");
  auto wrote = run_tool("NVAIAwrite", {"--sysroot", root.string(), "--set",
                                       "OWNERDATA.asset_id=x"});
  EXPECT_EQ(wrote.exit_code, 3) << wrote.envelope.dump();
  EXPECT_TRUE(fs::is_empty(victim));
}

}  // namespace
}  // namespace sf::test
