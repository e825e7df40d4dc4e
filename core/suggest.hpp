// SPDX-License-Identifier: Apache-2.0
// "did you mean" for unknown keys, subcommands and options.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sf {

// Optimal string alignment distance: insertions, deletions, substitutions
// and adjacent transpositions each count one.
[[nodiscard]] int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to word, ignoring case, when it is at most
// max_distance edits away.
[[nodiscard]] std::optional<std::string_view> closest(
    std::string_view word, std::span<const std::string_view> candidates,
    int max_distance = 2);

// "did you mean 'x'?" when a candidate is close, else "valid <what> are:
// a, b, c".
[[nodiscard]] std::string suggestion(
    std::string_view word, std::span<const std::string_view> candidates,
    std::string_view what);

}  // namespace sf
