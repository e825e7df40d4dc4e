// SPDX-License-Identifier: Apache-2.0
// firmware_reporter: prints this machine's firmware versions as one
// envelope.
#include "runtime-tools/tools/firmware_reporter.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::firmware_reporter_spec(), argc, argv);
}
