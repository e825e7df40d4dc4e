// SPDX-License-Identifier: Apache-2.0
// os_build_identity: prints this machine's OS build as one JSON envelope.
#include "runtime-tools/tools/os_build_identity.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::os_build_identity_spec(), argc, argv);
}
