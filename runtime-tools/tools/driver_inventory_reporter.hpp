// SPDX-License-Identifier: Apache-2.0
// driver_inventory_reporter: the kernel modules this machine has loaded,
// where each came from, and the drivers that matter on a DGX called out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// One line of /proc/modules:
//   "<name> <size> <refcount> <used_by>|- <state> <address> [(<taint>)]"
// used_by is a comma-terminated list ("a,b,"); the kernel writes
// "[permanent]" into it for a module that cannot be unloaded.
struct LoadedModule {
  std::string name;
  std::uint64_t size = 0;
  std::optional<int> refcount;  // "-" without CONFIG_MODULE_UNLOAD
  std::vector<std::string> used_by;
  bool permanent = false;
  std::string state;  // "live", "loading" or "unloading"
  std::string taint;  // the module's taint letters, e.g. "OE"; may be empty

  bool operator==(const LoadedModule&) const = default;
};

struct ProcModules {
  std::vector<LoadedModule> modules;  // in the kernel's order
  std::size_t skipped_lines = 0;      // lines of another shape
};

// Parses /proc/modules text; lines that do not have the shape above are
// counted in skipped_lines, never fatal.
[[nodiscard]] ProcModules parse_proc_modules(std::string_view text);

// One set bit of /proc/sys/kernel/tainted (the kernel's
// Documentation/admin-guide/tainted-kernels.rst).
struct TaintFlag {
  int bit = 0;
  char letter = '?';    // '?' for a bit this table does not know
  std::string meaning;  // "unknown taint bit" for those

  bool operator==(const TaintFlag&) const = default;
};

// The set bits of a taint value, lowest first.
[[nodiscard]] std::vector<TaintFlag> decode_taint(std::uint64_t value);

// Where a module comes from: "proprietary" (taint P), "dkms" (built by
// DKMS for the running kernel), "out-of-tree" (taint O) or "in-tree".
[[nodiscard]] std::string module_source(std::string_view taint, bool dkms);

// Loaded modules with version and srcversion from /sys/module/<name>/
// and their source; the NVIDIA, mlx5, NVMe and network drivers in
// `highlights`; the kernel's taint decoded. Missing files give nulls
// and W_PARTIAL_DATA; never fails.
[[nodiscard]] Result<nlohmann::json> collect_driver_inventory(Context& ctx);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec driver_inventory_reporter_spec();

}  // namespace sf::rt
