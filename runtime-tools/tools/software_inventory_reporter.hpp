// SPDX-License-Identifier: Apache-2.0
// software_inventory_reporter: the software on a machine, each list with a
// count and a deterministic hash, without running apt.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// The tool's own flags.
struct InventoryOptions {
  // Skip the container runtimes (offline analysis of a --sysroot, where the
  // runtimes in PATH belong to another machine).
  bool no_containers = false;
};

// One list of the inventory: its items in canonical order and their
// canonical lines, which the list's SHA-256 covers. The envelope carries
// {count, sha256, complete, items}; sha256 is null when the list is not
// complete (a source unreadable or damaged, a runtime that did not
// answer), so a partial list is never compared as if it were whole.
struct InventoryList {
  nlohmann::json items = nlohmann::json::array();
  std::string lines;  // one canonical line per item, sorted, '\n'-ended
  bool complete = true;
};

// dpkg packages (from the status file; holds listed again on their own),
// snaps, Python distributions in site-packages, and the container images
// of the first runtime (docker, podman, nerdctl) that answers within
// --timeout-sec. Fails only on an internal error: a missing source becomes
// W_PARTIAL_DATA, a runtime that times out E_TIMEOUT and W_PARTIAL_DATA
// (as warnings), a missing runtime a note in data.container_images.
[[nodiscard]] Result<nlohmann::json> collect_software_inventory(
    Context& ctx, const InventoryOptions& options);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec software_inventory_reporter_spec();

// The snaps below the host's root: /snap/<name>/<revision> folders (with
// the `current` link and meta/snap.yaml's version), completed by the
// /var/lib/snapd/snaps/<name>_<revision>.snap files. Never reads
// /var/lib/snapd/state.json, which only root can read.
[[nodiscard]] InventoryList list_snaps(const Host& host);

// The Python distributions in the dist-packages and site-packages folders
// of /usr/local/lib/python3* and /usr/lib/python3*: Name and Version from
// *.dist-info/METADATA or *.egg-info (folder with PKG-INFO, or file),
// else from the folder's name. The same name and version found in several
// folders is one item listing every location.
[[nodiscard]] InventoryList list_python_distributions(const Host& host);

// A distribution name as PEP 503 compares them: lowercase, each run of
// "-", "_" and "." turned into one "-".
[[nodiscard]] std::string normalize_python_name(std::string_view name);

// Parses the container runtime's answer to list_images_argv: one JSON
// object per line. Lines that are not JSON objects are skipped and counted
// in *bad_lines.
[[nodiscard]] InventoryList parse_image_lines(const std::string& text,
                                              std::size_t* bad_lines);

// The command that lists a runtime's images, one JSON object per line with
// the same keys for docker, podman and nerdctl.
[[nodiscard]] std::vector<std::string> list_images_argv(
    const std::string& runtime);

}  // namespace sf::rt
