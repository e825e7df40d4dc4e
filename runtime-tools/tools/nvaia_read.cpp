// SPDX-License-Identifier: Apache-2.0
// NVAIAread: the UEFI asset tag of this machine, for anyone (no root).
#include "runtime-tools/tools/nvaia_read.hpp"

#include <memory>

namespace sf::rt {
namespace {

using nlohmann::json;

Result<json> collect(Context& ctx, const ReadOptions& options) {
  // efivarfs files are readable by every user; only writing needs root.
  auto store = open_efi_variables(ctx.options.sysroot);
  if (!store && store.error().code == ExitCode::not_found) {
    return describe_read(std::nullopt, false, options);
  }
  if (!store) return std::unexpected(store.error());
  return read_from(**store, options);
}

}  // namespace

json describe_read(const std::optional<StoredAssetTag>& stored,
                   bool efi_variables, const ReadOptions& options) {
  json data = {{"variable", asset_tag_variable()},
               {"efi_variables", efi_variables},
               {"present", stored.has_value()},
               {"attributes", nullptr},
               {"payload_bytes", 0},
               {"schema", nullptr},
               {"updated_at_utc", nullptr},
               {"groups", json::object()}};
  if (stored) {
    data.update(to_json(stored->tag));
    data["attributes"] = stored->attributes;
    data["payload_bytes"] = stored->payload_bytes;
  }
  if (options.emit_compact) {
    auto compact =
        stored ? std::optional(compact_form(stored->tag)) : std::nullopt;
    data["compact"] = compact ? json(compact->text) : json(nullptr);
    data["compact_truncated"] = compact && compact->truncated;
  }
  return data;
}

Result<json> read_from(EfiVariables& store, const ReadOptions& options) {
  auto stored = read_asset_tag(store);
  if (!stored) return std::unexpected(stored.error());
  return describe_read(*stored, true, options);
}

ToolSpec nvaia_read_spec() {
  auto options = std::make_shared<ReadOptions>();
  return {
      .name = "NVAIAread",
      .area = "inventory",
      .description =
          "The UEFI asset tag (NVAIAAssetMeta): groups, "
          "fields and the compact form",
      .add_options =
          [options](CLI::App& app) {
            app.add_flag("--emit-compact", options->emit_compact,
                         "Add the DGXAT1 compact form");
          },
      .collect = [options](Context& ctx) { return collect(ctx, *options); }};
}

}  // namespace sf::rt
