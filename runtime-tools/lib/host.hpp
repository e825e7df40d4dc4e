// SPDX-License-Identifier: Apache-2.0
// The one way on-device tools touch the machine: files below a root
// (`/`, or --sysroot DIR) and commands run with a timeout and an output cap.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/subprocess.hpp"
#include "runtime-tools/lib/envelope.hpp"

namespace sf::rt {

// What a command did, for the evidence record.
struct CommandRecord {
  std::vector<std::string> argv;
  int exit_code = -1;
  std::chrono::milliseconds duration{0};
  bool timed_out = false;
  bool truncated = false;
};

class Host {
 public:
  // root: "/" on a live machine. command_timeout: the default for run().
  Host(std::filesystem::path root, std::chrono::milliseconds command_timeout);

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] bool is_live() const { return root_ == "/"; }

  // The path of an absolute machine path below the root, as text. It is
  // not confined: symlinks in it may point out of the root. read, exists,
  // list and link_target resolve every path inside the root instead.
  [[nodiscard]] std::filesystem::path path(std::string_view absolute) const;

  // A file's content (at most max_bytes), or nullopt when it is missing,
  // unreadable or not a regular file (a fifo never blocks). Symbolic links
  // resolve inside the root. Files under /sys and /proc report no size, so
  // this reads until the end or the cap.
  [[nodiscard]] std::optional<std::string> read(
      std::string_view absolute, std::size_t max_bytes = 1u << 20) const;

  // Like read, with surrounding whitespace and NUL bytes removed; empty
  // when the file is missing.
  [[nodiscard]] std::string read_trimmed(std::string_view absolute) const;

  [[nodiscard]] bool exists(std::string_view absolute) const;

  // Where a machine path really is, its symlinks resolved inside the root,
  // for libraries that open files by name (libapt-pkg); nullopt when it is
  // missing.
  [[nodiscard]] std::optional<std::filesystem::path> confined_path(
      std::string_view absolute) const;

  // The names in a folder, sorted; empty when it is missing.
  [[nodiscard]] std::vector<std::string> list(std::string_view absolute) const;

  // The target of a symbolic link (as stored), or empty.
  [[nodiscard]] std::string link_target(std::string_view absolute) const;

  // Runs a command found in PATH with the default timeout (or the given
  // one) and a capped output; every call is recorded. Errors as sf::run.
  [[nodiscard]] Result<RunResult> run(
      std::vector<std::string> argv,
      std::optional<std::chrono::milliseconds> timeout = std::nullopt,
      std::size_t output_cap = 4u << 20);

  [[nodiscard]] const std::vector<CommandRecord>& commands() const {
    return commands_;
  }

 private:
  std::filesystem::path root_;
  std::chrono::milliseconds timeout_;
  std::vector<CommandRecord> commands_;
};

// The host block of meta: hostname, machine id and the asset id, chosen from
// the DMI serial, then the product UUID, then the machine id. Sets
// used_machine_id when only the last was there (the caller warns).
[[nodiscard]] HostIds read_host_ids(const Host& host, bool* used_machine_id);

// A DMI field from /sys/class/dmi/id/<name>, empty when missing or when it
// holds a placeholder vendors ship ("To Be Filled By O.E.M.", "Default
// string", all zeros, ...) or bytes that are not printable.
[[nodiscard]] std::string dmi_field(const Host& host, std::string_view name);

}  // namespace sf::rt
