// SPDX-License-Identifier: Apache-2.0
// Diagnostics on stderr with a component prefix; stdout is never used here.
#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <string>

namespace sf::log {
namespace {

std::atomic<Level> g_level{Level::info};

void print(std::string_view tag, std::string_view component,
           std::string_view message) {
  std::string line = "sparkforge: ";
  line += tag;
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void set_level(Level level) { g_level = level; }

void info(std::string_view component, std::string_view message) {
  if (g_level.load() >= Level::info) print("", component, message);
}

void warn(std::string_view component, std::string_view message) {
  print("warning: ", component, message);
}

void debug(std::string_view component, std::string_view message) {
  if (g_level.load() >= Level::debug) print("debug: ", component, message);
}

}  // namespace sf::log
