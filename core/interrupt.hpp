// SPDX-License-Identifier: Apache-2.0
// SIGINT and SIGTERM as a flag that long work polls, instead of dying with
// half-written output.
#pragma once

namespace sf {

// Installs handlers for SIGINT, SIGTERM and SIGHUP that only set the flag.
void catch_interrupts();

// True once SIGINT or SIGTERM arrived after catch_interrupts().
[[nodiscard]] bool interrupted();

}  // namespace sf
