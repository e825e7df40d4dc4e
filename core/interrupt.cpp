// SPDX-License-Identifier: Apache-2.0
// SIGINT and SIGTERM as a flag that long work polls, instead of dying with
// half-written output.
#include "core/interrupt.hpp"

#include <csignal>

namespace sf {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int) { g_interrupted = 1; }

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A dropped SSH session sends SIGHUP: still answer with an envelope.
  sigaction(SIGHUP, &action, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

}  // namespace sf
