// SPDX-License-Identifier: Apache-2.0
// driver_inventory_reporter: prints the loaded kernel modules as one JSON
// envelope.
#include "runtime-tools/tools/driver_inventory_reporter.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::driver_inventory_reporter_spec(), argc, argv);
}
