// SPDX-License-Identifier: Apache-2.0
// hardware_config: prints what this machine is built from as one envelope.
#include "runtime-tools/tools/hardware_config.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::hardware_config_spec(), argc, argv);
}
