// SPDX-License-Identifier: Apache-2.0
// NVAIAwrite: sets, changes and removes fields of the UEFI asset tag
// (root only; --dry-run previews without root).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime-tools/lib/asset_tag.hpp"
#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// The command line of NVAIAwrite.
struct WriteOptions {
  // --group G --field F --value V, repeated; the i-th of each go together.
  std::vector<std::string> groups;
  std::vector<std::string> fields;
  std::vector<std::string> values;
  std::vector<std::string> sets;              // --set G.F=V
  std::vector<std::string> unsets;            // --unset G.F or --unset G
  std::optional<std::filesystem::path> file;  // --file payload.json
  bool replace = false;  // start from an empty tag, not the stored one
  bool dry_run = false;
  bool emit_compact = false;
};

// What to change, checked: the groups of --file (merged field by field),
// then the edits in the order they apply (--group/--field/--value, --set,
// then --unset).
struct WriteRequest {
  std::optional<AssetTag> file_tag;
  std::vector<AssetTagEdit> edits;
};

// Checks the options and reads --file. Fails with invalid_args when
// nothing is asked for, the --group/--field/--value counts differ, or an
// edit or the file breaks a rule; with not_found when --file is missing.
[[nodiscard]] Result<WriteRequest> parse_request(const WriteOptions& options);

// The tag the request makes of the stored one (of an empty one with
// replace or when none is stored).
[[nodiscard]] Result<AssetTag> planned_tag(
    const std::optional<StoredAssetTag>& stored, const WriteRequest& request,
    bool replace);

// Reads the stored tag, applies the request and, unless dry_run or
// nothing changes, writes the result and reads it back. `now` becomes
// updated_at_utc. Returns the variable, dry_run, previous_present,
// changed, written, the payload and its size (and the compact form with
// emit_compact). A stored payload that cannot be parsed is an error
// unless replace is set. Fails as read_asset_tag and write_asset_tag.
[[nodiscard]] Result<nlohmann::json> write_to(EfiVariables& store,
                                              const WriteOptions& options,
                                              const WriteRequest& request,
                                              const std::string& now);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec nvaia_write_spec();

}  // namespace sf::rt
