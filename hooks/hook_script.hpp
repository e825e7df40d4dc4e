// SPDX-License-Identifier: Apache-2.0
// The first-boot hook.sh that sparkforge writes to every OEMDATA partition.
#pragma once

#include <string_view>

namespace sf::hooks {

// The text of hooks/hook.sh as it was when sparkforge was built.
std::string_view hook_script();

}  // namespace sf::hooks
