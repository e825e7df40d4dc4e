// SPDX-License-Identifier: Apache-2.0
// A staged folder read into a deterministic list of entries.
#include "oemdata/source_tree.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

namespace sf {
namespace {

namespace fs = std::filesystem;

Result<TreeEntry> read_entry(const fs::path& root, const std::string& rel) {
  const fs::path full = root / rel;
  struct stat st {};
  if (::lstat(full.c_str(), &st) != 0) {
    return fail("reading " + full.string() + ": " + std::strerror(errno));
  }
  TreeEntry entry{.path = rel,
                  .mode = st.st_mode & 07777u,
                  .device = static_cast<std::uint64_t>(st.st_dev),
                  .inode = static_cast<std::uint64_t>(st.st_ino)};
  if (S_ISDIR(st.st_mode)) {
    entry.kind = EntryKind::directory;
  } else if (S_ISREG(st.st_mode)) {
    entry.size = static_cast<std::uint64_t>(st.st_size);
  } else if (S_ISLNK(st.st_mode)) {
    entry.kind = EntryKind::symlink;
    std::error_code ec;
    entry.link_target = fs::read_symlink(full, ec).string();
    if (ec) return fail("reading " + full.string() + ": " + ec.message());
  } else {
    return fail("reading " + full.string() +
                ": not a regular file, folder or symlink");
  }
  return entry;
}

// Appends the contents of folder `rel` (relative to root) in build order.
Result<void> scan_folder(const fs::path& root, const std::string& rel,
                         std::vector<TreeEntry>& out) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(root / rel, ec), end; !ec && it != end;
       it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  if (ec) return fail("reading " + (root / rel).string() + ": " + ec.message());
  std::sort(names.begin(), names.end());

  std::vector<std::string> folders;
  for (const auto& name : names) {
    if (name.find_first_of("\"\n") != std::string::npos) {
      return fail("reading " + (root / rel / name).string() +
                  ": names with a newline or a double quote are not supported");
    }
    auto entry = read_entry(root, rel.empty() ? name : rel + "/" + name);
    if (!entry) return std::unexpected(entry.error());
    if (entry->kind == EntryKind::directory) {
      folders.push_back(entry->path);
    } else {
      out.push_back(std::move(*entry));
    }
  }
  for (const auto& folder : folders) {
    auto entry = read_entry(root, folder);
    if (!entry) return std::unexpected(entry.error());
    out.push_back(std::move(*entry));
    if (auto r = scan_folder(root, folder, out); !r) return r;
  }
  return {};
}

void mark_hardlinks(std::vector<TreeEntry>& entries) {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> first;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto& entry = entries[i];
    if (entry.kind != EntryKind::file) continue;
    auto [it, added] = first.emplace(std::pair(entry.device, entry.inode), i);
    if (added) continue;
    entry.hardlink_of = entries[it->second].path;
    ++entries[it->second].links;
  }
}

}  // namespace

Result<std::vector<TreeEntry>> scan_tree(const fs::path& root) {
  std::error_code ec;
  auto status = fs::symlink_status(root, ec);
  if (!fs::exists(status)) {
    return fail(ExitCode::not_found,
                "reading " + root.string() + ": no such folder");
  }
  if (!fs::is_directory(status)) {
    return fail("reading " + root.string() + ": not a folder");
  }
  std::vector<TreeEntry> entries;
  if (auto r = scan_folder(root, "", entries); !r) {
    return std::unexpected(r.error());
  }
  mark_hardlinks(entries);
  return entries;
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace sf
