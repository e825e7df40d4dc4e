// SPDX-License-Identifier: Apache-2.0
// device_identity: prints this machine's identity as one JSON envelope.
#include "runtime-tools/tools/device_identity.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::device_identity_spec(), argc, argv);
}
