// SPDX-License-Identifier: Apache-2.0
// NVAIAread: prints this machine's UEFI asset tag as one JSON envelope.
#include "runtime-tools/tools/nvaia_read.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::nvaia_read_spec(), argc, argv);
}
