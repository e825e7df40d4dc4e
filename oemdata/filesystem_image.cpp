// SPDX-License-Identifier: Apache-2.0
// Reproducible ext4 and vfat images of staged folders, built and read back
// without root and without mounting.
#include "oemdata/filesystem_image.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/subprocess.hpp"
#include "oemdata/image_backends.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;
using image_detail::kMiB;
using image_detail::round_up;

std::uint64_t required_bytes(const std::vector<TreeEntry>& tree, FsType type) {
  return type == FsType::ext4 ? image_detail::ext4_required_bytes(tree)
                              : image_detail::vfat_required_bytes(tree);
}

std::uint64_t auto_size(const std::vector<TreeEntry>& tree, FsType type) {
  auto required = required_bytes(tree, type);
  return round_up(required + required / 10, kMiB);
}

std::string mib_text(std::uint64_t bytes) {
  return std::to_string((bytes + kMiB - 1) / kMiB) + " MiB";
}

// The explicit size, or the automatic one; explicit sizes must hold the
// content and be a whole number of KiB.
Result<std::uint64_t> image_size(const ImageOptions& o,
                                 const std::vector<TreeEntry>& tree) {
  if (o.size_bytes == 0) return auto_size(tree, o.type);
  auto required = required_bytes(tree, o.type);
  if (o.size_bytes < required) {
    auto what = o.label.empty() ? std::string("image") : o.label;
    return fail("writing " + o.image.string() + ": " + what + " content (" +
                mib_text(required) + ") does not fit in size " +
                mib_text(o.size_bytes));
  }
  return o.size_bytes / 1024 * 1024;
}

Result<void> build(const image_detail::BuildPlan& plan, FsType type) {
  return type == FsType::ext4 ? image_detail::build_ext4(plan)
                              : image_detail::build_vfat(plan);
}

fs::path parent_folder(const fs::path& path) {
  auto parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// A symlink that stays inside root once resolved lexically.
bool link_stays_inside(const fs::path& root, const fs::path& link) {
  std::error_code ec;
  auto target = fs::read_symlink(link, ec);
  if (ec || target.is_absolute()) return false;
  auto resolved = (link.parent_path() / target).lexically_normal();
  auto rel = resolved.lexically_relative(root.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

Result<void> check_inside(const fs::path& root, const fs::path& image) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_symlink(ec) && !link_stays_inside(root, it->path())) {
      auto rel = it->path().lexically_relative(root).string();
      return fail(ExitCode::verify_failed, "reading " + image.string() +
                                               ": symlink " + rel +
                                               " points outside the image");
    }
  }
  if (ec) return fail("reading " + root.string() + ": " + ec.message());
  return {};
}

// Moves the checked extraction to dest, which may be an empty folder.
Result<void> move_to_dest(TempDir& staging, const fs::path& dest) {
  std::error_code ec;
  if (fs::is_directory(dest, ec) && fs::is_empty(dest, ec)) {
    fs::remove(dest, ec);
  }
  if (fs::exists(dest, ec)) {
    return fail("writing " + dest.string() + ": exists and is not empty");
  }
  fs::permissions(staging.path(), fs::perms(0755), ec);
  fs::rename(staging.path(), dest, ec);
  if (ec) return fail("writing " + dest.string() + ": " + ec.message());
  staging.release();
  return {};
}

Result<std::vector<ImageFile>> hash_tree(const fs::path& dir,
                                         const fs::path& shown) {
  std::vector<ImageFile> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    auto digests = hash_file(it->path());
    if (!digests) return std::unexpected(digests.error());
    files.push_back({it->path().lexically_relative(dir).generic_string(),
                     digests->size, digests->sha256});
  }
  if (ec) return fail("reading " + shown.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

}  // namespace

namespace image_detail {

std::string derived_uuid(const std::string& purpose, const std::string& seed) {
  auto hex = sha256_hex("sparkforge:" + purpose + ":" + seed).substr(0, 32);
  hex[12] = '4';  // version 4
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string derived_volume_id(const std::string& purpose,
                              const std::string& seed) {
  return sha256_hex("sparkforge:" + purpose + ":" + seed).substr(0, 8);
}

std::chrono::milliseconds timeout_for(std::uint64_t bytes) {
  return std::chrono::minutes(1 + bytes / (std::uint64_t{1} << 30));
}

}  // namespace image_detail

Result<FsType> parse_fs_type(std::string_view text) {
  if (text == "ext4") return FsType::ext4;
  if (text == "vfat") return FsType::vfat;
  return fail(ExitCode::invalid_args, "unknown filesystem type \"" +
                                          std::string(text) +
                                          "\": expected ext4 or vfat");
}

std::string_view fs_type_name(FsType type) {
  return type == FsType::ext4 ? "ext4" : "vfat";
}

Result<std::uint64_t> auto_image_size(const fs::path& dir, FsType type) {
  auto tree = scan_tree(dir);
  if (!tree) return std::unexpected(tree.error());
  return auto_size(*tree, type);
}

Result<void> make_filesystem_image(const ImageOptions& options) {
  auto tree = scan_tree(options.source_dir);
  if (!tree) return std::unexpected(tree.error());
  auto size = image_size(options, *tree);
  if (!size) return std::unexpected(size.error());
  auto scratch = TempDir::create(parent_folder(options.image), ".sf-image-");
  if (!scratch) return std::unexpected(scratch.error());

  const fs::path tmp =
      options.image.string() + ".tmp." + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  image_detail::BuildPlan plan{options, *tree, tmp, scratch->path(), *size};
  auto built = build(plan, options.type);
  if (built) built = rename_into_place(tmp, options.image);
  if (!built) fs::remove(tmp, ec);
  return built;
}

Result<void> extract_filesystem_image(const fs::path& image, FsType type,
                                      const fs::path& dest) {
  std::error_code ec;
  if (!fs::is_regular_file(image, ec)) {
    return fail(ExitCode::not_found,
                "reading " + image.string() + ": no such file");
  }
  auto staging = TempDir::create(parent_folder(dest), ".sf-extract-");
  if (!staging) return std::unexpected(staging.error());

  auto extracted = type == FsType::ext4
                       ? image_detail::extract_ext4(image, staging->path())
                       : image_detail::extract_vfat(image, staging->path());
  if (!extracted) return extracted;
  if (auto r = check_inside(staging->path(), image); !r) return r;
  return move_to_dest(*staging, dest);
}

Result<std::vector<ImageFile>> list_image_files(const fs::path& image,
                                                FsType type) {
  auto scratch = TempDir::create(fs::temp_directory_path(), "sf-list-");
  if (!scratch) return std::unexpected(scratch.error());
  const fs::path dest = scratch->path() / "files";
  if (auto r = extract_filesystem_image(image, type, dest); !r) {
    return std::unexpected(r.error());
  }
  return hash_tree(dest, image);
}

Result<std::vector<ImageFile>> list_tree_files(const fs::path& dir) {
  if (auto tree = scan_tree(dir); !tree) return std::unexpected(tree.error());
  return hash_tree(dir, dir);
}

Result<void> check_filesystem(const fs::path& image, FsType type) {
  std::error_code ec;
  if (!fs::is_regular_file(image, ec)) {
    return fail(ExitCode::not_found,
                "reading " + image.string() + ": no such file");
  }
  std::vector<std::string> argv =
      type == FsType::ext4
          ? std::vector<std::string>{"e2fsck", "-fn", image.string()}
          : std::vector<std::string>{"fsck.fat", "-n", image.string()};
  auto ran = run(RunOptions{
      .argv = argv,
      .timeout = image_detail::timeout_for(fs::file_size(image, ec))});
  if (!ran) return std::unexpected(ran.error());
  if (ran->exit_code == 0) return {};
  return fail(ExitCode::verify_failed,
              "checking " + image.string() + ": " + argv[0] + " exited " +
                  std::to_string(ran->exit_code) + ": " + ran->out + ran->err);
}

}  // namespace sf
