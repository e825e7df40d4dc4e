// SPDX-License-Identifier: Apache-2.0
// Runs external commands with a timeout and a cap on captured output.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sf {

struct RunOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::size_t output_cap = 16u << 20;  // per stream; the rest is discarded
  std::optional<std::string> stdin_data;
  std::map<std::string, std::string> env;  // added to (or replacing) environ
  std::filesystem::path cwd;               // empty: the current directory
};

struct RunResult {
  int exit_code = -1;  // the exit status, or 128+signal when killed
  std::string out;
  std::string err;
  bool out_truncated = false;
  bool err_truncated = false;
  std::chrono::milliseconds duration{0};
};

// Runs a command to completion. Fails with not_found when the program does
// not exist and with timeout when it outlives options.timeout (its process
// group is then killed), and with interrupted when SIGINT or SIGTERM
// arrives after catch_interrupts() (see core/interrupt.hpp). A non-zero exit is
// not a failure here; callers decide, usually through run_checked.
[[nodiscard]] Result<RunResult> run(const RunOptions& options);

// Like run, but a non-zero exit becomes an error whose message names the
// program and quotes the last line of its stderr.
[[nodiscard]] Result<RunResult> run_checked(const RunOptions& options);

// The argv joined for logs, each word quoted when it needs to be.
[[nodiscard]] std::string quote_command(const std::vector<std::string>& argv);

}  // namespace sf
