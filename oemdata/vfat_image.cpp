// SPDX-License-Identifier: Apache-2.0
// vfat images: mkfs.fat for an empty filesystem, then mtools to add the
// staged tree in a fixed order with every time set from SOURCE_DATE_EPOCH.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "core/subprocess.hpp"
#include "oemdata/image_backends.hpp"

namespace sf::image_detail {
namespace {

namespace fs = std::filesystem;

// FAT cannot store times before 1980-01-01 00:00 UTC.
constexpr std::int64_t kFatEpoch = 315532800;
constexpr std::uint64_t kFat32From = 256 * kMiB;
constexpr std::uint64_t kMaxFatFile = (std::uint64_t{1} << 32) - 1;

// The largest cluster mkfs.fat picks for this size (FAT16 up to 256 MiB
// uses at most 4 KiB; FAT32 doubles it past 8, 16 and 32 GiB).
std::uint64_t cluster_bytes(std::uint64_t size) {
  std::uint64_t cluster = 4096;
  for (std::uint64_t limit = 8ull << 30; size > limit && cluster < 32768;
       limit *= 2) {
    cluster *= 2;
  }
  return cluster;
}

// mtools reads the host's time zone for FAT's local times: use UTC, and
// SOURCE_DATE_EPOCH for every time it writes (mtools 4.0.32 honours it).
std::map<std::string, std::string> mtools_env(std::int64_t timestamp) {
  return {{"TZ", "UTC0"},
          {"SOURCE_DATE_EPOCH", std::to_string(std::max(timestamp, kFatEpoch))},
          {"MTOOLS_SKIP_CHECK", "1"}};
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return text;
}

// FAT cannot hold symlinks, files of 4 GiB or names equal but for case.
Result<void> check_tree(const fs::path& source,
                        const std::vector<TreeEntry>& tree) {
  std::set<std::string> folded;
  for (const auto& entry : tree) {
    const auto where = "reading " + (source / entry.path).string() + ": ";
    if (entry.kind == EntryKind::symlink) {
      return fail(where + "vfat images cannot hold symlinks");
    }
    if (entry.size > kMaxFatFile) {
      return fail(where + "vfat images cannot hold files of 4 GiB or more");
    }
    if (!folded.insert(lowercase(entry.path)).second) {
      return fail(where +
                  "another name differs only in case, which vfat "
                  "cannot tell apart");
    }
  }
  return {};
}

Result<void> run_mtools(const BuildPlan& plan, std::vector<std::string> argv) {
  auto ran = run_checked(RunOptions{.argv = std::move(argv),
                                    .timeout = timeout_for(plan.size_bytes),
                                    .stdin_data = std::string(),
                                    .env = mtools_env(plan.options.timestamp)});
  if (!ran) return std::unexpected(ran.error());
  return {};
}

Result<void> run_mkfs(const BuildPlan& plan) {
  const auto& o = plan.options;
  const bool fat32 = plan.size_bytes >= kFat32From;
  std::vector<std::string> argv = {
      // --invariant also sets a fixed volume id, so -i must follow it.
      "mkfs.fat",
      "--invariant",
      "-F",
      fat32 ? "32" : "16",
      "-i",
      derived_volume_id("vfat-volume-id", o.uuid_seed),
      "-C",
      plan.output.string(),
      std::to_string(plan.size_bytes / 1024)};
  if (!o.label.empty()) argv.insert(argv.begin() + 1, {"-n", o.label});
  auto ran = run_checked(
      RunOptions{.argv = argv, .timeout = timeout_for(plan.size_bytes)});
  if (!ran) return std::unexpected(ran.error());
  return {};
}

// One mmd for all folders, then one mcopy per run of files that share a
// folder, in scan order so directory entries land in a fixed order.
Result<void> copy_tree(const BuildPlan& plan) {
  const std::vector<std::string> base = {"-i", plan.output.string()};
  std::vector<std::string> folders = {"mmd"};
  folders.insert(folders.end(), base.begin(), base.end());
  for (const auto& entry : plan.tree) {
    if (entry.kind == EntryKind::directory) {
      folders.push_back("::/" + entry.path);
    }
  }
  if (folders.size() > 3) {
    if (auto r = run_mtools(plan, folders); !r) return r;
  }

  std::size_t i = 0;
  while (i < plan.tree.size()) {
    if (plan.tree[i].kind != EntryKind::file) {
      ++i;
      continue;
    }
    const std::string folder = parent_of(plan.tree[i].path);
    std::vector<std::string> argv = {"mcopy", "-Q"};
    argv.insert(argv.end(), base.begin(), base.end());
    for (; i < plan.tree.size() && plan.tree[i].kind == EntryKind::file &&
           parent_of(plan.tree[i].path) == folder;
         ++i) {
      argv.push_back((plan.options.source_dir / plan.tree[i].path).string());
    }
    argv.push_back("::/" + folder + (folder.empty() ? "" : "/"));
    if (auto r = run_mtools(plan, argv); !r) return r;
  }
  return {};
}

}  // namespace

std::uint64_t vfat_required_bytes(const std::vector<TreeEntry>& tree) {
  std::map<std::string, std::uint64_t> folders{{"", 0}};
  for (const auto& entry : tree) {
    // A short entry plus one long-name entry per 13 characters.
    folders[parent_of(entry.path)] +=
        32 * (2 + name_of(entry.path).size() / 13);
    if (entry.kind == EntryKind::directory) folders[entry.path] += 64;
  }
  std::uint64_t estimate = 16 * kMiB;
  // Two passes: the cluster size depends on the size being estimated.
  for (int pass = 0; pass < 2; ++pass) {
    const auto cluster = cluster_bytes(estimate);
    std::uint64_t used = 0;
    for (const auto& entry : tree) used += round_up(entry.size, cluster);
    for (const auto& [folder, bytes] : folders) {
      used += round_up(std::max<std::uint64_t>(bytes, 1), cluster);
    }
    // Two FATs of 4 bytes per cluster, plus reserved sectors and the
    // FAT16 root folder.
    auto fats = 2 * 4 * (used / cluster + 1);
    estimate = std::max(estimate, used + fats + kMiB);
  }
  return estimate;
}

Result<void> build_vfat(const BuildPlan& plan) {
  if (auto r = check_tree(plan.options.source_dir, plan.tree); !r) return r;
  if (auto r = run_mkfs(plan); !r) return r;
  return copy_tree(plan);
}

Result<void> extract_vfat(const fs::path& image, const fs::path& dest) {
  std::error_code ec;
  const auto timeout = timeout_for(fs::file_size(image, ec));
  const auto env = mtools_env(kFatEpoch);
  auto listing = run_checked(
      RunOptions{.argv = {"mdir", "-b", "-i", image.string(), "::/"},
                 .timeout = timeout,
                 .env = env});
  if (!listing) return std::unexpected(listing.error());
  if (listing->out.find("::/") == std::string::npos) return {};  // empty

  auto copied = run_checked(
      RunOptions{.argv = {"mcopy", "-s", "-n", "-m", "-Q", "-i", image.string(),
                          "::/*", dest.string() + "/"},
                 .timeout = timeout,
                 .stdin_data = std::string(),
                 .env = env});
  if (!copied) return std::unexpected(copied.error());
  return {};
}

}  // namespace sf::image_detail
