// SPDX-License-Identifier: Apache-2.0
// The exit codes every sparkforge program uses (see docs/exit-codes.md).
#pragma once

namespace sf {

enum class ExitCode : int {
  ok = 0,
  general = 1,        // E_GENERAL: the work failed (a bad input file, ...)
  invalid_args = 2,   // E_INVALID_ARGS: the command line or config is wrong
  permission = 3,     // E_PERMISSION: needs root or a writable path
  not_found = 4,      // E_NOT_FOUND: an input does not exist
  timeout = 5,        // E_TIMEOUT: an external command ran out of time
  verify_failed = 6,  // an output does not match its manifest or signature
  interrupted = 130,  // E_INTERRUPTED: SIGINT or SIGTERM
};

// The E_* name of an exit code, as envelopes and logs spell it.
constexpr const char* error_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "OK";
    case ExitCode::general: return "E_GENERAL";
    case ExitCode::invalid_args: return "E_INVALID_ARGS";
    case ExitCode::permission: return "E_PERMISSION";
    case ExitCode::not_found: return "E_NOT_FOUND";
    case ExitCode::timeout: return "E_TIMEOUT";
    case ExitCode::verify_failed: return "E_VERIFY";
    case ExitCode::interrupted: return "E_INTERRUPTED";
  }
  return "E_GENERAL";
}

}  // namespace sf
