// SPDX-License-Identifier: Apache-2.0
// NVAIAwrite: changes this machine's UEFI asset tag, prints one envelope.
#include "runtime-tools/tools/nvaia_write.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::nvaia_write_spec(), argc, argv);
}
