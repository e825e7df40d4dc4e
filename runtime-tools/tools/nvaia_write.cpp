// SPDX-License-Identifier: Apache-2.0
// NVAIAwrite: sets, changes and removes fields of the UEFI asset tag
// (root only; --dry-run previews without root).
#include "runtime-tools/tools/nvaia_write.hpp"

#include <unistd.h>

#include <memory>

#include "core/atomic_file.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxFileBytes = 1u << 20;

Error as_invalid_args(Error error) {
  error.code = ExitCode::invalid_args;
  return error;
}

Result<AssetTag> read_payload_file(const std::filesystem::path& path) {
  auto text = read_file(path, kMaxFileBytes);
  if (!text) return std::unexpected(text.error().with_context("--file"));
  auto tag = parse_asset_tag(*text, path.string());
  if (!tag) return std::unexpected(as_invalid_args(tag.error()));
  return tag;
}

Result<AssetTagEdit> checked_set(const std::string& group,
                                 const std::string& field,
                                 const std::string& value) {
  for (auto ok : {check_group(group), check_field(field), check_value(value)}) {
    if (!ok) return std::unexpected(ok.error());
  }
  return AssetTagEdit{.kind = AssetTagEdit::Kind::set,
                      .group = group,
                      .field = field,
                      .value = value};
}

Result<void> add_triples(const WriteOptions& options,
                         std::vector<AssetTagEdit>& edits) {
  auto count = options.groups.size();
  if (options.fields.size() != count || options.values.size() != count) {
    return fail(ExitCode::invalid_args,
                "--group, --field and --value must be given the same number "
                "of times (got " +
                    std::to_string(count) + ", " +
                    std::to_string(options.fields.size()) + ", " +
                    std::to_string(options.values.size()) + ")");
  }
  for (std::size_t i = 0; i < count; ++i) {
    auto edit =
        checked_set(options.groups[i], options.fields[i], options.values[i]);
    if (!edit) return std::unexpected(edit.error());
    edits.push_back(std::move(*edit));
  }
  return {};
}

template <typename Parse>
Result<void> add_parsed(const std::vector<std::string>& texts, Parse parse,
                        std::vector<AssetTagEdit>& edits) {
  for (const auto& text : texts) {
    auto edit = parse(text);
    if (!edit) return std::unexpected(edit.error());
    edits.push_back(std::move(*edit));
  }
  return {};
}

json describe_write(const AssetTag& tag, std::size_t payload_bytes,
                    const WriteOptions& options, bool previous_present,
                    bool changed, bool written) {
  json data = {{"variable", asset_tag_variable()},
               {"dry_run", options.dry_run},
               {"previous_present", previous_present},
               {"changed", changed},
               {"written", written},
               {"payload", to_json(tag)},
               {"payload_bytes", payload_bytes}};
  if (options.emit_compact) {
    auto compact = compact_form(tag);
    data["compact"] = compact.text;
    data["compact_truncated"] = compact.truncated;
  }
  return data;
}

bool differs(const std::optional<StoredAssetTag>& previous,
             const AssetTag& tag) {
  if (!previous) return !tag.groups.empty();
  return previous->tag.groups != tag.groups ||
         previous->tag.schema != tag.schema;
}

Result<json> collect(Context& ctx, const WriteOptions& options) {
  auto request = parse_request(options);
  if (!request) return std::unexpected(request.error());

  // Root only, on every store: on a live machine the efivarfs files
  // belong to root and clearing their immutable flag needs
  // CAP_LINUX_IMMUTABLE. Checking first means a refused run changes
  // nothing and says why, instead of failing half-way on EACCES.
  if (!options.dry_run && geteuid() != 0) {
    return fail(ExitCode::permission,
                "writing " + asset_tag_variable() +
                    ": root is needed (--dry-run previews without root)");
  }
  auto store = open_efi_variables(ctx.options.sysroot);
  if (!store) return std::unexpected(store.error());
  return write_to(**store, options, *request, utc_now());
}

}  // namespace

Result<WriteRequest> parse_request(const WriteOptions& options) {
  WriteRequest request;
  if (options.file) {
    auto tag = read_payload_file(*options.file);
    if (!tag) return std::unexpected(tag.error());
    request.file_tag = std::move(*tag);
  }
  auto& edits = request.edits;
  if (auto ok = add_triples(options, edits); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = add_parsed(options.sets, parse_set_edit, edits); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = add_parsed(options.unsets, parse_unset_edit, edits); !ok) {
    return std::unexpected(ok.error());
  }
  if (!request.file_tag && request.edits.empty() && !options.replace) {
    return fail(ExitCode::invalid_args,
                "nothing to write: give --set, --group/--field/--value, "
                "--file or --unset");
  }
  return request;
}

Result<AssetTag> planned_tag(const std::optional<StoredAssetTag>& stored,
                             const WriteRequest& request, bool replace) {
  AssetTag tag = stored && !replace ? stored->tag : AssetTag{};
  tag.schema = std::string(kAssetTagSchema);
  if (request.file_tag) merge_asset_tag(tag, *request.file_tag);
  for (const auto& edit : request.edits) {
    if (auto ok = apply_edit(tag, edit); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return tag;
}

Result<json> write_to(EfiVariables& store, const WriteOptions& options,
                      const WriteRequest& request, const std::string& now) {
  // A stored payload that cannot be parsed is only overwritten on request.
  auto stored = read_asset_tag(store);
  if (!stored && !options.replace) return std::unexpected(stored.error());
  auto previous = stored ? *stored : std::nullopt;
  auto tag = planned_tag(previous, request, options.replace);
  if (!tag) return std::unexpected(tag.error());

  bool changed = !stored || differs(previous, *tag);
  if (!changed) {
    auto& kept = previous ? previous->tag : *tag;
    auto bytes = previous ? previous->payload_bytes : 0;
    return describe_write(kept, bytes, options, previous.has_value(), false,
                          false);
  }
  if (options.dry_run) {
    tag->updated_at_utc = now;
    auto payload = encode_asset_tag(*tag);
    if (!payload) return std::unexpected(payload.error());
    return describe_write(*tag, payload->size(), options, previous.has_value(),
                          true, false);
  }
  auto payload = write_asset_tag(store, *tag, now);
  if (!payload) return std::unexpected(payload.error());
  return describe_write(*tag, payload->size(), options, previous.has_value(),
                        true, true);
}

ToolSpec nvaia_write_spec() {
  auto options = std::make_shared<WriteOptions>();
  auto add_options = [options](CLI::App& app) {
    // allow_extra_args(false): each occurrence takes exactly one value.
    app.add_option("--group", options->groups, "Group of a --field/--value")
        ->allow_extra_args(false);
    app.add_option("--field", options->fields, "Field to set in --group")
        ->allow_extra_args(false);
    app.add_option("--value", options->values, "Value of --field")
        ->allow_extra_args(false);
    app.add_option("--set", options->sets, "Set GROUP.FIELD=VALUE")
        ->allow_extra_args(false);
    app.add_option("--unset", options->unsets, "Remove GROUP.FIELD or GROUP")
        ->allow_extra_args(false);
    app.add_option("--file", options->file,
                   "Merge the groups of a payload file (JSON)");
    app.add_flag("--replace", options->replace,
                 "Start from an empty tag instead of the stored one");
    app.add_flag("--dry-run", options->dry_run,
                 "Print the resulting payload; change nothing");
    app.add_flag("--emit-compact", options->emit_compact,
                 "Add the DGXAT1 compact form");
  };
  return {
      .name = "NVAIAwrite",
      .area = "provisioning",
      .description =
          "Sets or removes fields of the UEFI asset tag "
          "(NVAIAAssetMeta); needs root",
      .add_options = add_options,
      .collect = [options](Context& ctx) { return collect(ctx, *options); }};
}

}  // namespace sf::rt
