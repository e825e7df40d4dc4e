// SPDX-License-Identifier: Apache-2.0
// A staged folder read into a deterministic list of entries.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf {

enum class EntryKind { directory, file, symlink };

struct TreeEntry {
  std::string path;  // relative to the root, '/'-separated, never empty
  EntryKind kind = EntryKind::file;
  std::uint64_t size = 0;   // bytes of a regular file, 0 otherwise
  unsigned mode = 0;        // permission bits (07777)
  std::string link_target;  // the target of a symlink, as stored
  // Hard links: a regular file whose inode appeared earlier in the scan
  // names that first entry here; the first entry counts every name.
  std::string hardlink_of;
  unsigned links = 1;
  std::uint64_t device = 0, inode = 0;
};

// Lists every entry below root in the order images are built: in each
// folder its files and symlinks by name (byte order), then each sub-folder
// followed by its own contents. The order never depends on the host's
// readdir order. Regular files that share an inode are marked as hard
// links of the first of them. Fails on sockets, fifos and device nodes, on
// names holding a newline or a double quote, and when root is not a folder
// (not_found when it does not exist).
[[nodiscard]] Result<std::vector<TreeEntry>> scan_tree(
    const std::filesystem::path& root);

// The parent folder of a relative path ("" for an entry at the root).
[[nodiscard]] std::string parent_of(const std::string& path);

// The last component of a relative path.
[[nodiscard]] std::string name_of(const std::string& path);

}  // namespace sf
