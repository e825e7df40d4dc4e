// SPDX-License-Identifier: Apache-2.0
// NVAIAread: the UEFI asset tag of this machine, for anyone (no root).
#pragma once

#include <optional>

#include "runtime-tools/lib/asset_tag.hpp"
#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

struct ReadOptions {
  bool emit_compact = false;  // add the DGXAT1 compact form
};

// What NVAIAread reports: the variable's name, whether the machine has
// UEFI variables (efi_variables) and the tag (present), its attributes,
// payload size, schema, updated_at_utc and groups; with emit_compact also
// compact and compact_truncated (compact null when no tag is set). A
// missing tag is present: false, not an error.
[[nodiscard]] nlohmann::json describe_read(
    const std::optional<StoredAssetTag>& stored, bool efi_variables,
    const ReadOptions& options);

// Reads the tag from a store and describes it. Fails as read_asset_tag: a
// payload that is not JSON, too large or breaking a rule is an error
// (general) that names the variable.
[[nodiscard]] Result<nlohmann::json> read_from(EfiVariables& store,
                                               const ReadOptions& options);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec nvaia_read_spec();

}  // namespace sf::rt
