// SPDX-License-Identifier: Apache-2.0
// ext4 images: mke2fs for an empty filesystem, then debugfs to add the
// staged tree in a fixed order and to pin every time stored.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <string>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"
#include "oemdata/image_backends.hpp"

namespace sf::image_detail {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kBlock = 4096;
constexpr std::uint64_t kBytesPerInode = 16384;
constexpr std::uint64_t kJournalMiB = 4;

// Pins mke2fs's defaults so the host's /etc/mke2fs.conf cannot change the
// bytes. The features are those of Debian 12 and Ubuntu 24.04 for ext4,
// which every kernel since 3.18 mounts (no orphan_file, no metadata_csum_seed).
constexpr const char* kMke2fsConf = R"([defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
)";

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string in_image(const std::string& rel) { return quoted("/" + rel); }

// Directory blocks: 8 bytes plus the name rounded to 4 per entry.
std::uint64_t directory_bytes(const std::vector<TreeEntry>& tree) {
  std::map<std::string, std::uint64_t> bytes{{"", 24}};
  for (const auto& entry : tree) {
    bytes[parent_of(entry.path)] += 8 + round_up(name_of(entry.path).size(), 4);
    if (entry.kind == EntryKind::directory) bytes[entry.path] += 24;
  }
  std::uint64_t total = 0;
  for (const auto& [folder, size] : bytes) total += round_up(size, kBlock);
  return total;
}

std::uint64_t data_bytes(const std::vector<TreeEntry>& tree) {
  std::uint64_t total = 0;
  for (const auto& entry : tree) {
    if (!entry.hardlink_of.empty()) continue;  // shares the first's blocks
    total += round_up(entry.size, kBlock);
    // One extent block per 128 MiB (a block group) in case a file splits.
    total += entry.size / (128 * kMiB) * kBlock;
    // Fast symlinks keep up to 59 bytes in the inode.
    if (entry.link_target.size() > 59) total += kBlock;
  }
  return total;
}

// The debugfs commands that add the tree: folders, files and symlinks in
// scan order, so inode and block numbers never depend on the host. Each
// command gets a bare name after a cd, because debugfs resolves "/x" in
// mkdir and symlink against the current folder.
std::string populate_commands(const fs::path& source,
                              const std::vector<TreeEntry>& tree) {
  std::string commands;
  std::string cwd = "-";
  for (const auto& entry : tree) {
    if (parent_of(entry.path) != cwd) {
      cwd = parent_of(entry.path);
      commands += "cd " + in_image(cwd) + "\n";
    }
    const auto name = quoted(name_of(entry.path));
    if (entry.kind == EntryKind::directory) {
      commands += "mkdir " + name + "\n";
    } else if (entry.kind == EntryKind::symlink) {
      commands += "symlink " + name + " " + quoted(entry.link_target) + "\n";
    } else if (!entry.hardlink_of.empty()) {
      commands += "ln " + in_image(entry.hardlink_of) + " " + name + "\n";
    } else {
      commands +=
          "write " + quoted((source / entry.path).string()) + " " + name + "\n";
    }
  }
  return commands;
}

std::string inode_commands(const std::string& path, unsigned mode,
                           std::int64_t timestamp) {
  const std::string at = " @" + std::to_string(timestamp) + "\n";
  std::string commands;
  // uid and gid cover the high 16 bits too.
  for (const char* field : {"uid", "gid"}) {
    commands += "sif " + path + " " + field + " 0\n";
  }
  char octal[16];
  std::snprintf(octal, sizeof octal, "0%o", mode);
  commands += "sif " + path + " mode " + octal + "\n";
  for (const char* field : {"atime", "ctime", "mtime", "crtime"}) {
    commands += "sif " + path + " " + field + at;
  }
  return commands;
}

// Owner root:root, the source mode and the timestamp on every inode, and
// the timestamp in the superblock.
std::string normalise_commands(const std::vector<TreeEntry>& tree,
                               std::int64_t timestamp) {
  std::string commands = inode_commands("\"/\"", 040755, timestamp);
  commands += inode_commands("\"/lost+found\"", 040700, timestamp);
  for (const auto& entry : tree) {
    if (!entry.hardlink_of.empty()) continue;  // its inode is done already
    if (entry.links > 1) {
      // debugfs's ln leaves the count alone; the first name holds them all.
      commands += "sif " + in_image(entry.path) + " links_count " +
                  std::to_string(entry.links) + "\n";
    }
    unsigned type = entry.kind == EntryKind::directory ? 040000
                    : entry.kind == EntryKind::symlink ? 0120000
                                                       : 0100000;
    unsigned mode = entry.kind == EntryKind::symlink ? 0777 : entry.mode;
    commands += inode_commands(in_image(entry.path), type | mode, timestamp);
  }
  for (const char* field : {"mtime", "wtime", "lastcheck", "mkfs_time"}) {
    commands +=
        "ssv " + std::string(field) + " @" + std::to_string(timestamp) + "\n";
  }
  return commands;
}

// debugfs exits 0 even when a command fails; its errors are the stderr
// lines other than the version banner.
std::string debugfs_errors(const std::string& err) {
  std::string errors;
  std::size_t start = 0;
  while (start < err.size()) {
    auto end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    auto line = err.substr(start, end - start);
    bool banner = line.starts_with("debugfs ") && line.size() > 8 &&
                  std::isdigit(static_cast<unsigned char>(line[8]));
    if (!line.empty() && !banner) {
      errors += errors.empty() ? line : "; " + line;
    }
    start = end + 1;
  }
  return errors;
}

Result<void> run_debugfs(const BuildPlan& plan, const std::string& commands) {
  const fs::path command_file = plan.scratch / "debugfs.cmd";
  if (auto r = write_file_atomic(command_file, commands); !r) return r;
  auto ran = run_checked(
      RunOptions{.argv = {"debugfs", "-w", "-f", command_file.string(),
                          plan.output.string()},
                 .timeout = timeout_for(plan.size_bytes),
                 .env = {{"E2FSPROGS_FAKE_TIME",
                          std::to_string(plan.options.timestamp)}}});
  if (!ran) return std::unexpected(ran.error());
  auto errors = debugfs_errors(ran->err);
  if (errors.empty()) return {};
  return fail("writing " + plan.options.image.string() +
              ": debugfs: " + errors);
}

Result<void> check_names(const std::vector<TreeEntry>& tree) {
  for (const auto& entry : tree) {
    if (entry.link_target.find_first_of("\"\n") != std::string::npos) {
      return fail("reading " + entry.path +
                  ": symlink targets with a newline or a double quote are "
                  "not supported");
    }
  }
  return {};
}

Result<void> run_mke2fs(const BuildPlan& plan) {
  const fs::path conf = plan.scratch / "mke2fs.conf";
  if (auto r = write_file_atomic(conf, kMke2fsConf); !r) return r;
  const auto& o = plan.options;
  std::string extended =
      "hash_seed=" + derived_uuid("ext4-hash-seed", o.uuid_seed) +
      ",root_owner=0:0,lazy_itable_init=0,nodiscard";
  std::vector<std::string> argv = {"mke2fs",
                                   "-q",
                                   "-F",
                                   "-t",
                                   "ext4",
                                   "-b",
                                   "4096",
                                   "-m",
                                   "0",
                                   "-i",
                                   std::to_string(kBytesPerInode),
                                   "-J",
                                   "size=" + std::to_string(kJournalMiB),
                                   "-U",
                                   derived_uuid("ext4-uuid", o.uuid_seed),
                                   "-E",
                                   extended};
  if (!o.label.empty()) argv.insert(argv.end(), {"-L", o.label});
  argv.push_back(plan.output.string());
  argv.push_back(std::to_string(plan.size_bytes / 1024) + "k");
  auto ran = run_checked(RunOptions{
      .argv = argv,
      .timeout = timeout_for(plan.size_bytes),
      .env = {{"MKE2FS_CONFIG", conf.string()},
              {"E2FSPROGS_FAKE_TIME", std::to_string(o.timestamp)}}});
  if (!ran) return std::unexpected(ran.error());
  return {};
}

}  // namespace

std::uint64_t ext4_required_bytes(const std::vector<TreeEntry>& tree) {
  // Journal, superblock copies, bitmaps, reserved descriptors, lost+found.
  const std::uint64_t fixed = (kJournalMiB + 2) * kMiB;
  const std::uint64_t content = data_bytes(tree) + directory_bytes(tree);
  // The inode table takes 256 bytes per 16 KiB; keep 2% for the rest.
  auto by_space =
      static_cast<std::uint64_t>((content + fixed) / (1.0 - 1.0 / 64 - 0.02));
  auto by_inodes = (tree.size() + 16) * kBytesPerInode;
  return std::max({by_space, by_inodes, 16 * kMiB});
}

Result<void> build_ext4(const BuildPlan& plan) {
  if (auto r = check_names(plan.tree); !r) return r;
  if (auto r = run_mke2fs(plan); !r) return r;
  return run_debugfs(plan,
                     populate_commands(plan.options.source_dir, plan.tree) +
                         normalise_commands(plan.tree, plan.options.timestamp));
}

Result<void> extract_ext4(const fs::path& image, const fs::path& dest) {
  std::error_code ec;
  auto ran = run_checked(
      RunOptions{.argv = {"debugfs", "-R", "rdump / " + quoted(dest.string()),
                          image.string()},
                 .timeout = timeout_for(fs::file_size(image, ec))});
  if (!ran) return std::unexpected(ran.error());
  auto errors = debugfs_errors(ran->err);
  if (!errors.empty()) {
    return fail("reading " + image.string() + ": debugfs: " + errors);
  }
  return {};
}

}  // namespace sf::image_detail
