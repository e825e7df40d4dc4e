// SPDX-License-Identifier: Apache-2.0
// software_inventory_reporter: prints this machine's software as one JSON
// envelope.
#include "runtime-tools/tools/software_inventory_reporter.hpp"

int main(int argc, char** argv) {
  return sf::rt::run_tool(sf::rt::software_inventory_reporter_spec(), argc,
                          argv);
}
