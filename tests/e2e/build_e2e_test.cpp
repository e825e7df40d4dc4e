// SPDX-License-Identifier: Apache-2.0
// `sparkforge build` on the bundled example, with every output handed to
// the program that consumes it in the field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "tests/support/e2e_support.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEpoch = "1767225600";  // 2026-01-01T00:00:00Z

// One build of the example, shared by every test of the suite.
class ExampleBuild : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::create(::testing::TempDir(), "e2e-build-");
    ASSERT_TRUE(dir) << dir.error().message;
    work_ = new TempDir(std::move(*dir));
    ASSERT_TRUE(fs::exists(example_cache() / "base.img"))
        << "the example inputs are missing; run scripts/install-deps";
    auto built = build_example(out());
    ASSERT_TRUE(built);
    ASSERT_EQ(built->exit_code, 0) << built->err;
    build_stderr_ = new std::string(built->err);
  }
  static void TearDownTestSuite() {
    delete work_;
    delete build_stderr_;
  }

  static Result<RunResult> build_example(const fs::path& out_dir) {
    return run_tool({sparkforge_binary().string(), "build",
                     fs::path(SF_SOURCE_DIR) / "examples/fleet.yaml", "--out",
                     out_dir.string()},
                    {{"SOURCE_DATE_EPOCH", kEpoch}});
  }

  static fs::path work() { return work_->path(); }
  static fs::path out() { return work() / "out"; }

  // Copies a folder out of an ext4 image with debugfs, without mounting.
  static void rdump(const fs::path& image, const std::string& from,
                    const fs::path& to) {
    fs::create_directories(to);
    auto ran = run_tool(
        {"debugfs", "-R", "rdump " + from + " " + to.string(), image.string()});
    ASSERT_TRUE(ran);
    ASSERT_EQ(ran->exit_code, 0) << ran->err;
  }

  // The repository and keys of an OEMDATA image in a fresh folder.
  static fs::path take_repo(const fs::path& image, const std::string& name) {
    auto dest = work() / name;
    rdump(image, "/repo", dest);
    rdump(image, "/keys", dest);
    return dest;
  }

  static std::string suite_of(const fs::path& repo) {
    return fs::directory_iterator(repo / "repo/dists")->path().filename();
  }

  static TempDir* work_;
  static std::string* build_stderr_;
};

TempDir* ExampleBuild::work_ = nullptr;
std::string* ExampleBuild::build_stderr_ = nullptr;

TEST_F(ExampleBuild, WritesEveryOutputAndAManifestOfThem) {
  auto manifest =
      nlohmann::json::parse(read_file(out() / "manifest.json").value());
  std::set<std::string> listed;
  for (const auto& output : manifest["outputs"]) {
    auto path = out() / output["path"].get<std::string>();
    auto digests = hash_file(path);
    ASSERT_TRUE(digests) << path;
    EXPECT_EQ(digests->sha256, output["sha256"]) << path;
    listed.insert(output["path"]);
  }
  EXPECT_EQ(listed, (std::set<std::string>{"cidata.img", "oemdata.img",
                                           "installer.img"}));
  EXPECT_FALSE(manifest["inputs"].empty());
  EXPECT_EQ(manifest["sparkforge_version"], SPARKFORGE_VERSION);
}

TEST_F(ExampleBuild, SaysOnStderrThatItGeneratedAThrowawayKey) {
  EXPECT_NE(build_stderr_->find("throwaway"), std::string::npos)
      << *build_stderr_;
}

TEST_F(ExampleBuild, CidataIsVfatLabelledCidataTwice) {
  auto tags = blkid(out() / "cidata.img");
  EXPECT_EQ(tags["TYPE"], "vfat");
  EXPECT_EQ(tags["LABEL"], "CIDATA");          // root directory entry
  EXPECT_EQ(tags["LABEL_FATBOOT"], "CIDATA");  // boot sector
  auto fsck = run_tool({"fsck.fat", "-n", (out() / "cidata.img").string()});
  ASSERT_TRUE(fsck);
  EXPECT_EQ(fsck->exit_code, 0) << fsck->out;
}

TEST_F(ExampleBuild, OemdataIsCleanExt4LabelledOemdata) {
  auto tags = blkid(out() / "oemdata.img");
  EXPECT_EQ(tags["TYPE"], "ext4");
  EXPECT_EQ(tags["LABEL"], "OEMDATA");
  auto fsck = run_tool({"fsck.ext4", "-fn", (out() / "oemdata.img").string()});
  ASSERT_TRUE(fsck);
  EXPECT_EQ(fsck->exit_code, 0) << fsck->out;
}

TEST_F(ExampleBuild, UserDataPassesCloudInitSchema) {
  auto dest = work() / "seed";
  fs::create_directories(dest);
  for (const char* name : {"user-data", "meta-data", "network-config"}) {
    auto copy = run_tool({"mcopy", "-n", "-i", (out() / "cidata.img").string(),
                          std::string("::") + name, (dest / name).string()});
    ASSERT_TRUE(copy);
    ASSERT_EQ(copy->exit_code, 0) << name << ": " << copy->err;
  }
  auto schema = run_tool(
      {"cloud-init", "schema", "--config-file", (dest / "user-data").string()});
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->exit_code, 0) << schema->out << schema->err;
  auto user_data = read_file(dest / "user-data").value();
  EXPECT_TRUE(user_data.starts_with("#cloud-config\n"));
  // The hook runs from OEMDATA, and only its success disables cloud-init.
  EXPECT_NE(user_data.find("hook.sh"), std::string::npos);
  EXPECT_NE(user_data.find("cloud-init.disabled"), std::string::npos);
}

// `sfdisk --dump` lines of the partitions, without the device name.
std::vector<std::string> partition_lines(const fs::path& image) {
  auto dump = run_tool({"sfdisk", "--dump", image.string()});
  std::vector<std::string> lines;
  if (!dump) return lines;
  std::istringstream text(dump->out);
  for (std::string line; std::getline(text, line);) {
    auto colon = line.find(" : ");
    if (line.starts_with(image.string()) && colon != line.npos) {
      lines.push_back(line.substr(colon + 3));
    }
  }
  return lines;
}

TEST_F(ExampleBuild, InstallerKeepsBasePartitionsAndAddsTwo) {
  auto base = partition_lines(example_cache() / "base.img");
  auto installer = partition_lines(out() / "installer.img");
  ASSERT_EQ(base.size(), 2u);
  ASSERT_EQ(installer.size(), 4u);
  EXPECT_EQ(installer[0], base[0]);
  EXPECT_EQ(installer[1], base[1]);
  EXPECT_NE(installer[2].find("name=\"CIDATA\""), std::string::npos);
  EXPECT_NE(installer[3].find("name=\"OEMDATA\""), std::string::npos);

  auto verify = run_tool({"sfdisk", "--verify", (out() / "installer.img")});
  ASSERT_TRUE(verify);
  EXPECT_EQ(verify->exit_code, 0) << verify->out << verify->err;
  EXPECT_EQ(verify->err, "");
}

TEST_F(ExampleBuild, BlkidFindsEveryPartitionOfTheInstaller) {
  auto image = out() / "installer.img";
  auto dump = run_tool({"sfdisk", "--json", image.string()});
  ASSERT_TRUE(dump);
  auto table = nlohmann::json::parse(dump->out)["partitiontable"];
  std::vector<std::string> labels;
  for (const auto& part : table["partitions"]) {
    auto tags = blkid(image, part["start"].get<std::uint64_t>() * 512);
    labels.push_back(tags["LABEL"]);
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"EFI", "installer", "CIDATA",
                                              "OEMDATA"}));
}

// SHA-256 of a byte range of a file.
std::string range_sha256(const fs::path& file, std::uint64_t offset,
                         std::uint64_t size) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  return sha256_hex(data);
}

TEST_F(ExampleBuild, BasePartitionBytesAreUnchanged) {
  auto base = example_cache() / "base.img";
  auto dump = run_tool({"sfdisk", "--json", base.string()});
  ASSERT_TRUE(dump);
  auto table = nlohmann::json::parse(dump->out)["partitiontable"];
  for (const auto& part : table["partitions"]) {
    auto start = part["start"].get<std::uint64_t>() * 512;
    auto size = part["size"].get<std::uint64_t>() * 512;
    EXPECT_EQ(range_sha256(base, start, size),
              range_sha256(out() / "installer.img", start, size))
        << part["node"];
  }
}

TEST_F(ExampleBuild, AptInstallsCarriedPackagesOverFile) {
  auto repo = take_repo(out() / "oemdata.img", "repo-file");
  PrivateApt apt(work() / "apt-file");
  apt.set_source("file:" + (repo / "repo").string(), suite_of(repo),
                 repo / "keys/fleet.asc");
  auto update = apt.apt_get({"update"});
  ASSERT_TRUE(update);
  ASSERT_EQ(update->exit_code, 0) << update->out << update->err;
  EXPECT_EQ(update->err.find("W:"), std::string::npos) << update->err;
  auto install = apt.apt_get({"install", "--download-only", "-y",
                              "--no-install-recommends", "jq", "nvme-cli",
                              "smartmontools", "sparkforge-tools"});
  ASSERT_TRUE(install);
  ASSERT_EQ(install->exit_code, 0) << install->out << install->err;
  // apt-packages.txt names the tools package for the hook to install.
  auto listed = run_tool({"debugfs", "-R", "cat /apt-packages.txt",
                          (out() / "oemdata.img").string()});
  ASSERT_TRUE(listed);
  EXPECT_NE(listed->out.find("sparkforge-tools\n"), std::string::npos)
      << listed->out;
}

TEST_F(ExampleBuild, AptInstallsCarriedPackagesOverHttp) {
  auto repo = take_repo(out() / "oemdata.img", "repo-http");
  HttpServer server(repo);
  ASSERT_FALSE(server.url().empty()) << "python3 http.server did not start";
  PrivateApt apt(work() / "apt-http");
  apt.set_source(server.url() + "/repo", suite_of(repo),
                 repo / "keys/fleet.asc");
  auto update = apt.apt_get({"update"});
  ASSERT_TRUE(update);
  ASSERT_EQ(update->exit_code, 0) << update->out << update->err;
  auto install = apt.apt_get({"install", "--download-only", "-y",
                              "--no-install-recommends", "jq", "nvme-cli",
                              "smartmontools", "sparkforge-tools"});
  ASSERT_TRUE(install);
  ASSERT_EQ(install->exit_code, 0) << install->out << install->err;
  int debs = 0;
  for (const auto& entry : fs::directory_iterator(apt.archives())) {
    debs += entry.path().extension() == ".deb";
  }
  // The four and libjq1, libonig5, libnvme1.
  EXPECT_EQ(debs, 7);
}

// Flips one byte of a file inside an ext4 image, found with debugfs.
void tamper(const fs::path& image, const std::string& file) {
  auto stat =
      run_tool({"debugfs", "-R", "bmap " + file + " 0", image.string()});
  ASSERT_TRUE(stat);
  auto block = std::stoull(stat->out);
  auto blocks = run_tool({"dumpe2fs", "-h", image.string()});
  ASSERT_TRUE(blocks);
  auto at = blocks->out.find("Block size:");
  ASSERT_NE(at, std::string::npos);
  auto block_size = std::stoull(blocks->out.substr(at + 11));
  std::fstream io(image, std::ios::in | std::ios::out | std::ios::binary);
  auto offset = static_cast<std::streamoff>(block * block_size + 40);
  io.seekg(offset);
  char byte = 0;
  io.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5a);
  io.seekp(offset);
  io.write(&byte, 1);
}

TEST_F(ExampleBuild, TamperedPackagesXzFailsAptAndVerify) {
  auto copy = work() / "tampered";
  fs::copy(out(), copy, fs::copy_options::recursive);
  auto suite = suite_of(take_repo(out() / "oemdata.img", "repo-suite"));
  auto index = "/repo/dists/" + suite + "/main/binary-arm64/Packages.xz";
  tamper(copy / "oemdata.img", index);

  // Over HTTP apt fetches Packages.xz (by hash); over file: it would read
  // the uncompressed Packages beside it.
  auto repo = take_repo(copy / "oemdata.img", "repo-tampered");
  HttpServer server(repo);
  ASSERT_FALSE(server.url().empty()) << "python3 http.server did not start";
  PrivateApt apt(work() / "apt-tampered");
  apt.set_source(server.url() + "/repo", suite, repo / "keys/fleet.asc");
  auto update = apt.apt_get({"update"});
  ASSERT_TRUE(update);
  EXPECT_NE(update->exit_code, 0) << update->out << update->err;
  EXPECT_NE(update->err.find("Hash Sum mismatch"), std::string::npos)
      << update->err;

  auto verify =
      run_tool({sparkforge_binary().string(), "verify", copy.string()});
  ASSERT_TRUE(verify);
  EXPECT_EQ(verify->exit_code, 6) << verify->out << verify->err;
  EXPECT_NE(verify->err.find("binary-arm64/Packages.xz"), std::string::npos)
      << verify->err;
}

TEST_F(ExampleBuild, VerifyPassesOnTheFolderAndEachImage) {
  for (const auto& target : {out(), out() / "installer.img",
                             out() / "oemdata.img", out() / "cidata.img"}) {
    auto verify =
        run_tool({sparkforge_binary().string(), "verify", target.string()});
    ASSERT_TRUE(verify);
    EXPECT_EQ(verify->exit_code, 0) << target << verify->out << verify->err;
    EXPECT_EQ(verify->out.find("skipped"), std::string::npos) << verify->out;
  }
}

TEST_F(ExampleBuild, InspectDescribesPartitionsAndOemdataFiles) {
  auto inspect = run_tool({sparkforge_binary().string(), "inspect",
                           (out() / "installer.img").string()});
  ASSERT_TRUE(inspect);
  ASSERT_EQ(inspect->exit_code, 0) << inspect->err;
  auto doc = nlohmann::json::parse(inspect->out);
  EXPECT_EQ(doc["partition_table"], "gpt");
  ASSERT_EQ(doc["partitions"].size(), 4u);
  auto oem = doc["partitions"][3]["content"];
  EXPECT_EQ(oem["label"], "OEMDATA");
  std::set<std::string> paths;
  for (const auto& file : oem["files"]) paths.insert(file["path"]);
  EXPECT_TRUE(paths.contains("hook.sh"));
  EXPECT_TRUE(paths.contains("MANIFEST.json"));
  EXPECT_TRUE(paths.contains("keys/fleet.asc"));
  // The arm64 on-device tools ride along unless the fleet says otherwise.
  EXPECT_TRUE(
      paths.contains("debs/sparkforge-tools_" SPARKFORGE_VERSION "_arm64.deb"));
}

TEST_F(ExampleBuild, SameInputsAndEpochGiveIdenticalBytes) {
  auto again = work() / "again";
  fs::create_directories(again);
  // The same throwaway key, as a rerun into the same folder would use.
  fs::copy_file(out() / "throwaway-signing-key.asc",
                again / "throwaway-signing-key.asc");
  auto built = build_example(again);
  ASSERT_TRUE(built);
  ASSERT_EQ(built->exit_code, 0) << built->err;
  for (const char* name :
       {"cidata.img", "oemdata.img", "installer.img", "manifest.json"}) {
    EXPECT_EQ(hash_file(out() / name)->sha256, hash_file(again / name)->sha256)
        << name;
  }
}

}  // namespace
}  // namespace sf::test
