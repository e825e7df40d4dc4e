// SPDX-License-Identifier: Apache-2.0
// The one error model of every library: std::expected<T, Error>.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "core/exit_codes.hpp"

namespace sf {

// A failure with the exit code it maps to and a message that reads as
// "action object: cause" (lowercase, no trailing period).
struct Error {
  ExitCode code = ExitCode::general;
  std::string message;

  // Returns a copy whose message is prefixed with `context: `.
  [[nodiscard]] Error with_context(const std::string& context) const {
    return Error{code, context + ": " + message};
  }
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for `return fail(ExitCode::not_found, "reading x: ...")`.
[[nodiscard]] inline std::unexpected<Error> fail(ExitCode code,
                                                 std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

[[nodiscard]] inline std::unexpected<Error> fail(std::string message) {
  return fail(ExitCode::general, std::move(message));
}

}  // namespace sf
