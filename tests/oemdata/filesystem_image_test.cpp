// SPDX-License-Identifier: Apache-2.0
// ext4 and vfat images: what blkid, fsck and a read-back see, and that equal
// input gives equal bytes.
#include "oemdata/filesystem_image.hpp"

#include <gtest/gtest.h>

#include "core/hash.hpp"
#include "oemdata/file_range.hpp"
#include "oemdata/probe.hpp"
#include "test_helpers.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;
using testing::put_file;
using testing::set_mtime;
using testing::shell;

constexpr std::int64_t kEpoch = 1700000000;

// An OEMDATA-like tree; `mtime` sets every host time so tests can vary it.
void stage_tree(const fs::path& root, long mtime) {
  put_file(root / "hook.sh", "#!/bin/sh\necho provisioning\n", 0755);
  put_file(root / "apt-packages.txt", "jq\ncurl\n");
  put_file(root / "debs" / "a_1.0_arm64.deb", std::string(70000, 'a'));
  put_file(root / "debs" / "b with space.deb", "b");
  put_file(root / "firmware" / "EC.cab", std::string(5000, 'f'));
  fs::create_directories(root / "enrollment");
  for (auto& e : fs::recursive_directory_iterator(root)) {
    set_mtime(e.path(), mtime);
  }
  set_mtime(root, mtime);
}

class FilesystemImage : public ::testing::TestWithParam<FsType> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>(
        TempDir::create(::testing::TempDir(), "oemdata-fs").value());
  }
  fs::path path(const std::string& name) const { return dir_->path() / name; }

  ImageOptions options(const fs::path& source, const std::string& image) {
    return ImageOptions{
        .source_dir = source,
        .image = path(image),
        .type = GetParam(),
        .label = GetParam() == FsType::ext4 ? "OEMDATA" : "CIDATA",
        .timestamp = kEpoch,
        .uuid_seed = "fleet-a"};
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_P(FilesystemImage, BlkidSeesLabelAndTypeAndFsckPasses) {
  stage_tree(path("src"), 1000000000);
  auto o = options(path("src"), "out.img");
  ASSERT_TRUE(make_filesystem_image(o))
      << make_filesystem_image(o).error().message;

  auto blkid = shell({"blkid", "-p", "-o", "export", o.image.string()});
  EXPECT_NE(blkid.find("LABEL=" + o.label + "\n"), std::string::npos) << blkid;
  EXPECT_NE(blkid.find("TYPE=" + std::string(fs_type_name(GetParam())) + "\n"),
            std::string::npos)
      << blkid;
  auto checked = check_filesystem(o.image, GetParam());
  EXPECT_TRUE(checked) << checked.error().message;

  // Every stored time is the timestamp, not the host's file or clock times.
  if (GetParam() == FsType::ext4) {
    auto stat = shell({"debugfs", "-R", "stat /debs", o.image.string()});
    for (const char* field : {" ctime", " atime", " mtime", "crtime"}) {
      EXPECT_NE(stat.find(std::string(field) + ": 0x6553f100:00000000"),
                std::string::npos)
          << field << "\n"
          << stat;
    }
    EXPECT_NE(stat.find("User:     0   Group:     0"), std::string::npos);
    auto super = shell({"dumpe2fs", "-h", o.image.string()});
    EXPECT_NE(super.find("Filesystem created:       Tue Nov 14 22:13:20 2023"),
              std::string::npos)
        << super;
  } else {
    auto listing = shell({"mdir", "-i", o.image.string(), "::/debs"});
    EXPECT_NE(listing.find("2023-11-14  22:13"), std::string::npos) << listing;
  }

  auto probed = probe_image(o.image);
  ASSERT_TRUE(probed);
  EXPECT_EQ(probed->label, o.label);
  EXPECT_EQ(probed->fs_type, fs_type_name(GetParam()));
}

TEST_P(FilesystemImage, EqualInputGivesEqualBytesWhateverTheHostTimes) {
  stage_tree(path("one"), 1000000000);
  stage_tree(path("two"), 1200000000);
  ASSERT_TRUE(make_filesystem_image(options(path("one"), "one.img")));
  ASSERT_TRUE(make_filesystem_image(options(path("two"), "two.img")));
  EXPECT_EQ(hash_file(path("one.img"))->sha256,
            hash_file(path("two.img"))->sha256);

  // A different seed gives a different UUID, hence different bytes.
  auto other = options(path("one"), "other.img");
  other.uuid_seed = "fleet-b";
  ASSERT_TRUE(make_filesystem_image(other));
  EXPECT_NE(hash_file(path("one.img"))->sha256,
            hash_file(path("other.img"))->sha256);
}

TEST_P(FilesystemImage, ExtractRoundTripEqualsSource) {
  stage_tree(path("src"), 1000000000);
  ASSERT_TRUE(make_filesystem_image(options(path("src"), "out.img")));

  auto listed = list_image_files(path("out.img"), GetParam());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, list_tree_files(path("src")).value());

  ASSERT_TRUE(
      extract_filesystem_image(path("out.img"), GetParam(), path("back")));
  EXPECT_TRUE(fs::is_directory(path("back") / "enrollment"));
  if (GetParam() == FsType::ext4) {
    auto perms = fs::status(path("back") / "hook.sh").permissions();
    EXPECT_EQ(perms & fs::perms::mask, fs::perms(0755));
  }
}

TEST_P(FilesystemImage, AutoSizeFitsFiftyMegabytes) {
  for (int i = 0; i < 5; ++i) {
    // Incompressible-looking but cheap: distinct repeated blocks.
    std::string block(10'000'000, static_cast<char>('a' + i));
    block[i] = 'x';
    put_file(path("big") / ("part" + std::to_string(i) + ".bin"), block);
  }
  auto size = auto_image_size(path("big"), GetParam());
  ASSERT_TRUE(size);
  EXPECT_GE(*size, 50'000'000u);
  EXPECT_EQ(*size % (1u << 20), 0u);
  EXPECT_LE(*size, 80'000'000u);

  ASSERT_TRUE(make_filesystem_image(options(path("big"), "big.img")));
  EXPECT_EQ(fs::file_size(path("big.img")), *size);
  EXPECT_TRUE(check_filesystem(path("big.img"), GetParam()));
  EXPECT_EQ(list_image_files(path("big.img"), GetParam()).value(),
            list_tree_files(path("big")).value());
}

TEST_P(FilesystemImage, TooSmallExplicitSizeIsAnError) {
  put_file(path("src") / "blob.bin", std::string(30 << 20, 'z'));
  auto o = options(path("src"), "small.img");
  o.size_bytes = 20 << 20;
  auto made = make_filesystem_image(o);
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("writing " + o.image.string() + ": " +
                                      o.label + " content ("),
            std::string::npos)
      << made.error().message;
  EXPECT_NE(made.error().message.find("does not fit in size 20 MiB"),
            std::string::npos)
      << made.error().message;
  EXPECT_FALSE(fs::exists(o.image));
}

TEST_P(FilesystemImage, MissingSourceIsNotFound) {
  auto made = make_filesystem_image(options(path("absent"), "x.img"));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ExitCode::not_found);
}

TEST_P(FilesystemImage, ReadsAFilesystemInsideALargerFile) {
  stage_tree(path("src"), 1000000000);
  ASSERT_TRUE(make_filesystem_image(options(path("src"), "fs.img")));
  // Put the filesystem 1 MiB into a disk-like file, then copy it back out.
  auto size = fs::file_size(path("fs.img"));
  shell({"dd", "if=" + path("fs.img").string(), "of=" + path("disk").string(),
         "bs=1M", "seek=1", "conv=sparse", "status=none"});
  ASSERT_TRUE(copy_range(path("disk"), 1 << 20, size, path("part.img")));
  EXPECT_EQ(hash_file(path("part.img"))->sha256,
            hash_file(path("fs.img"))->sha256);
  EXPECT_EQ(probe_image(path("disk"), 1 << 20, size)->fs_type,
            fs_type_name(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Types, FilesystemImage,
                         ::testing::Values(FsType::ext4, FsType::vfat),
                         [](const auto& param_info) {
                           return std::string(fs_type_name(param_info.param));
                         });

TEST(FsType, ParsesBothNamesAndListsThemOnError) {
  EXPECT_EQ(parse_fs_type("ext4").value(), FsType::ext4);
  EXPECT_EQ(parse_fs_type("vfat").value(), FsType::vfat);
  auto bad = parse_fs_type("btrfs");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ExitCode::invalid_args);
  EXPECT_NE(bad.error().message.find("ext4 or vfat"), std::string::npos);
}

TEST(Ext4Image, KeepsSymlinksAndRefusesThoseLeavingOnExtract) {
  auto dir = TempDir::create(::testing::TempDir(), "oemdata-link").value();
  put_file(dir.path() / "src" / "target.txt", "t");
  fs::create_symlink("target.txt", dir.path() / "src" / "inside");
  ImageOptions o{.source_dir = dir.path() / "src",
                 .image = dir.path() / "in.img",
                 .label = "OEMDATA"};
  ASSERT_TRUE(make_filesystem_image(o));
  ASSERT_TRUE(
      extract_filesystem_image(o.image, FsType::ext4, dir.path() / "back"));
  EXPECT_EQ(fs::read_symlink(dir.path() / "back" / "inside"), "target.txt");

  fs::create_symlink("/etc/passwd", dir.path() / "src" / "outside");
  o.image = dir.path() / "out.img";
  ASSERT_TRUE(make_filesystem_image(o));
  auto extracted =
      extract_filesystem_image(o.image, FsType::ext4, dir.path() / "bad");
  ASSERT_FALSE(extracted);
  EXPECT_NE(extracted.error().message.find("symlink outside points outside"),
            std::string::npos)
      << extracted.error().message;
  EXPECT_FALSE(fs::exists(dir.path() / "bad"));
}

TEST(VfatImage, RefusesSymlinks) {
  auto dir = TempDir::create(::testing::TempDir(), "oemdata-vlink").value();
  put_file(dir.path() / "src" / "a", "a");
  fs::create_symlink("a", dir.path() / "src" / "b");
  auto made = make_filesystem_image({.source_dir = dir.path() / "src",
                                     .image = dir.path() / "v.img",
                                     .type = FsType::vfat});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find("cannot hold symlinks"),
            std::string::npos);
}

TEST(CheckFilesystem, ReportsACorruptImage) {
  auto dir = TempDir::create(::testing::TempDir(), "oemdata-bad").value();
  put_file(dir.path() / "src" / "a", "a");
  ImageOptions o{.source_dir = dir.path() / "src",
                 .image = dir.path() / "x.img"};
  ASSERT_TRUE(make_filesystem_image(o));
  // Zero the first block group's descriptors and bitmaps.
  shell({"dd", "if=/dev/zero", "of=" + o.image.string(), "bs=4096", "seek=1",
         "count=4", "conv=notrunc", "status=none"});
  auto checked = check_filesystem(o.image, FsType::ext4);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ExitCode::verify_failed);
  EXPECT_NE(checked.error().message.find("e2fsck"), std::string::npos);
}

}  // namespace
}  // namespace sf
