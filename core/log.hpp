// SPDX-License-Identifier: Apache-2.0
// Diagnostics on stderr with a component prefix; stdout is never used here.
#pragma once

#include <string_view>

namespace sf::log {

enum class Level { quiet, info, debug };

// Sets the least important level that is still printed (info by default).
void set_level(Level level);

// `sparkforge: <component>: <message>` on stderr.
void info(std::string_view component, std::string_view message);
void warn(std::string_view component, std::string_view message);
void debug(std::string_view component, std::string_view message);

}  // namespace sf::log
