// SPDX-License-Identifier: Apache-2.0
// deb822 stanzas (control, Packages, Release) parsed by libapt-pkg.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace sf {

// One stanza: its fields in file order and its normalised text.
struct Stanza {
  // Field names as written and values as libapt-pkg returns them: leading
  // and trailing blanks removed, continuation lines kept ("a\n b").
  std::vector<std::pair<std::string, std::string>> fields;
  // The field lines exactly as written, each ending in "\n", with no blank
  // line before or after.
  std::string text;

  // The value of a field (names compare case-insensitively, as in apt), or
  // std::nullopt when the stanza lacks it.
  [[nodiscard]] std::optional<std::string> find(std::string_view name) const;
};

// Parses text holding exactly one stanza (surrounding blank lines allowed).
// Fails with "does not parse" when libapt-pkg rejects it, when a line is
// neither a field nor a continuation, or when a field appears twice.
[[nodiscard]] Result<Stanza> parse_stanza(std::string_view text);

// Parses every stanza of a file such as Packages or Release. Fails with
// "stanza N does not parse" (N counting from 1) on the first bad one.
[[nodiscard]] Result<std::vector<Stanza>> parse_stanzas(std::string_view text);

}  // namespace sf
