// SPDX-License-Identifier: Apache-2.0
// "did you mean" for unknown keys, subcommands and options.
#include "core/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace sf {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string_view> closest(
    std::string_view word, std::span<const std::string_view> candidates,
    int max_distance) {
  std::optional<std::string_view> best;
  int best_distance = max_distance + 1;
  for (std::string_view candidate : candidates) {
    int distance = edit_distance(lower(word), lower(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string suggestion(std::string_view word,
                       std::span<const std::string_view> candidates,
                       std::string_view what) {
  if (auto best = closest(word, candidates)) {
    return "did you mean '" + std::string(*best) + "'?";
  }
  std::string all;
  for (std::string_view candidate : candidates) {
    all += (all.empty() ? "" : ", ") + std::string(candidate);
  }
  return "valid " + std::string(what) + " are: " + all;
}

}  // namespace sf
