// SPDX-License-Identifier: Apache-2.0
// Appending CIDATA and OEMDATA partitions to a GPT base image: what sfdisk,
// blkid and probe_image see, and that the base stays as it was.
#include "oemdata/gpt.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "core/hash.hpp"
#include "oemdata/file_range.hpp"
#include "oemdata/filesystem_image.hpp"
#include "oemdata/probe.hpp"
#include "test_helpers.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;
using testing::put_file;
using testing::shell;

constexpr const char* kBaseTable = R"(label: gpt
label-id: 5F3C1E2A-0B4D-4C6E-8F10-2A3B4C5D6E7F
start=2048, size=20480, type=C12A7328-F81F-11D2-BA4B-00A0C93EC3B8, name="ESP"
start=22528, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="rootfs"
)";

// Creates a 64 MiB file with the given sfdisk script.
void make_disk(const fs::path& path, const std::string& script) {
  shell({"truncate", "-s", "64M", path.string()});
  auto ran = run(RunOptions{.argv = {"sfdisk", "-q", path.string()},
                            .stdin_data = script});
  ASSERT_TRUE(ran && ran->exit_code == 0) << (ran ? ran->err : "");
}

// The partition lines of `sfdisk --dump` without the device names.
std::vector<std::string> dump_partitions(const fs::path& disk) {
  std::istringstream dump(shell({"sfdisk", "--dump", disk.string()}));
  std::vector<std::string> lines;
  for (std::string line; std::getline(dump, line);) {
    auto colon = line.find(" : ");
    if (line.starts_with(disk.string()) && colon != std::string::npos) {
      lines.push_back(line.substr(colon + 3));
    }
  }
  return lines;
}

std::string range_hash(const fs::path& disk, std::uint64_t offset,
                       std::uint64_t size, const fs::path& scratch) {
  EXPECT_TRUE(copy_range(disk, offset, size, scratch));
  return hash_file(scratch)->sha256;
}

class AppendPartitions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>(
        TempDir::create(::testing::TempDir(), "oemdata-gpt").value());
    make_disk(path("base.img"), kBaseTable);
    // Known bytes in both base partitions.
    put_file(path("esp.bin"), std::string(1 << 20, 'E'));
    put_file(path("root.bin"), std::string(3 << 20, 'R'));
    shell({"dd", "if=" + path("esp.bin").string(),
           "of=" + path("base.img").string(), "bs=512", "seek=2048",
           "conv=notrunc", "status=none"});
    shell({"dd", "if=" + path("root.bin").string(),
           "of=" + path("base.img").string(), "bs=512", "seek=22528",
           "conv=notrunc", "status=none"});

    put_file(path("seed") / "user-data", "#cloud-config\n");
    put_file(path("seed") / "meta-data", "instance-id: spark-1\n");
    put_file(path("oem") / "hook.sh", "#!/bin/sh\n", 0755);
    ASSERT_TRUE(make_filesystem_image({.source_dir = path("seed"),
                                       .image = path("cidata.img"),
                                       .type = FsType::vfat,
                                       .label = "CIDATA"}));
    ASSERT_TRUE(make_filesystem_image({.source_dir = path("oem"),
                                       .image = path("oemdata.img"),
                                       .label = "OEMDATA"}));
  }
  fs::path path(const std::string& name) const { return dir_->path() / name; }

  std::vector<NewPartition> new_partitions() const {
    return {{.name = "CIDATA",
             .image = path("cidata.img"),
             .uuid = "0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9"},
            {.name = "OEMDATA",
             .image = path("oemdata.img"),
             .type_guid = kGptLinuxData,
             .uuid = "1A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9"}};
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(AppendPartitions, AddsBothAndKeepsTheBase) {
  const auto out = path("installer.img");
  auto appended = append_partitions(path("base.img"), out, new_partitions());
  ASSERT_TRUE(appended) << appended.error().message;

  auto verify = run(RunOptions{.argv = {"sfdisk", "--verify", out.string()}});
  ASSERT_TRUE(verify);
  EXPECT_EQ(verify->exit_code, 0) << verify->out << verify->err;
  EXPECT_EQ(verify->err, "");

  // The backup header sits in the last sector: last-lba = sectors - 34.
  auto dump = shell({"sfdisk", "--dump", out.string()});
  const auto sectors = fs::file_size(out) / 512;
  EXPECT_NE(dump.find("last-lba: " + std::to_string(sectors - 34)),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("label-id: 5F3C1E2A-0B4D-4C6E-8F10-2A3B4C5D6E7F"),
            std::string::npos);

  auto before = dump_partitions(path("base.img"));
  auto after = dump_partitions(out);
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[1], before[1]);

  auto info = probe_image(out);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->table_type, "gpt");
  EXPECT_EQ(info->disk_uuid, "5f3c1e2a-0b4d-4c6e-8f10-2a3b4c5d6e7f");
  ASSERT_EQ(info->partitions.size(), 4u);
  const std::vector<std::string> names = {"ESP", "rootfs", "CIDATA", "OEMDATA"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(info->partitions[i].name, names[i]);
    EXPECT_EQ(info->partitions[i].number, static_cast<int>(i + 1));
    EXPECT_EQ(info->partitions[i].start_bytes % (1 << 20), 0u);
  }
  EXPECT_EQ(info->partitions[2].uuid, "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9");
  EXPECT_EQ(info->partitions[3].type_guid,
            "0fc63daf-8483-4772-8e79-3d69d8477de4");

  // Base partitions hold the same bytes.
  for (int i = 0; i < 2; ++i) {
    const auto& p = info->partitions[i];
    EXPECT_EQ(
        range_hash(out, p.start_bytes, p.size_bytes, path("a")),
        range_hash(path("base.img"), p.start_bytes, p.size_bytes, path("b")));
  }

  // blkid finds each new filesystem at its offset, and it reads back.
  const auto& cidata = info->partitions[2];
  auto blkid = shell({"blkid", "-p", "-o", "export", "-O",
                      std::to_string(cidata.start_bytes), out.string()});
  EXPECT_NE(blkid.find("LABEL=CIDATA\n"), std::string::npos) << blkid;
  EXPECT_NE(blkid.find("TYPE=vfat\n"), std::string::npos) << blkid;
  const auto& oem = info->partitions[3];
  auto probed = probe_image(out, oem.start_bytes, oem.size_bytes);
  EXPECT_EQ(probed->label, "OEMDATA");
  EXPECT_EQ(probed->fs_type, "ext4");

  ASSERT_TRUE(
      copy_range(out, oem.start_bytes, oem.size_bytes, path("oem-back.img")));
  EXPECT_TRUE(check_filesystem(path("oem-back.img"), FsType::ext4));
  EXPECT_EQ(list_image_files(path("oem-back.img"), FsType::ext4).value(),
            list_tree_files(path("oem")).value());
}

TEST_F(AppendPartitions, EqualInputGivesEqualBytes) {
  ASSERT_TRUE(
      append_partitions(path("base.img"), path("one.img"), new_partitions()));
  ASSERT_TRUE(
      append_partitions(path("base.img"), path("two.img"), new_partitions()));
  EXPECT_EQ(hash_file(path("one.img"))->sha256,
            hash_file(path("two.img"))->sha256);
}

TEST_F(AppendPartitions, DosBaseIsRefused) {
  make_disk(path("dos.img"), "label: dos\nstart=2048, size=20480, type=83\n");
  auto r =
      append_partitions(path("dos.img"), path("out.img"), new_partitions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "reading " + path("dos.img").string() +
                                   ": no GPT partition table (found dos)");
  EXPECT_FALSE(fs::exists(path("out.img")));
}

TEST_F(AppendPartitions, UnpartitionedBaseIsRefused) {
  shell({"truncate", "-s", "8M", path("raw.img").string()});
  auto r =
      append_partitions(path("raw.img"), path("out.img"), new_partitions());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no GPT partition table (found none)"),
            std::string::npos)
      << r.error().message;
}

TEST_F(AppendPartitions, MissingBaseIsNotFound) {
  auto r =
      append_partitions(path("absent.img"), path("out.img"), new_partitions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ExitCode::not_found);
}

TEST_F(AppendPartitions, FullPartitionArrayIsRefused) {
  // A GPT with room for only two entries, both used.
  make_disk(path("full.img"),
            std::string("label: gpt\ntable-length: 2\n") +
                "start=2048, size=2048\nstart=4096, size=2048\n");
  auto r =
      append_partitions(path("full.img"), path("out.img"), new_partitions());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("free partition entries"), std::string::npos)
      << r.error().message;
}

TEST_F(AppendPartitions, MissingOutputFolderIsAnError) {
  auto r = append_partitions(path("base.img"), path("no/such/out.img"),
                             new_partitions());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no/such/out.img"), std::string::npos);
}

TEST(ProbeImage, MissingFileIsNotFound) {
  auto r = probe_image("/nonexistent/disk.img");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ExitCode::not_found);
}

}  // namespace
}  // namespace sf
