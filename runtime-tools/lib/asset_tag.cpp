// SPDX-License-Identifier: Apache-2.0
// The UEFI asset tag (DESIGN.md, docs/asset-tags.md): its payload, the
// rules a payload follows, edits, the compact form, and its variable.
#include "runtime-tools/lib/asset_tag.hpp"

#include <algorithm>
#include <vector>

#include "core/suggest.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kPayloadKeys = {
    "schema", "updated_at_utc", "groups"};
constexpr std::string_view kCompactPrefix = "DGXAT1;id=";
constexpr std::string_view kCompactLocation = ";loc=";
// id keeps at least this many characters when id and loc do not both fit.
constexpr std::size_t kCompactIdShare = 32;

Error recoded(Error error, ExitCode code, std::string_view source) {
  error.code = code;
  return source.empty() ? error : error.with_context(std::string(source));
}

// The length of the UTF-8 sequence that starts with `lead`, 0 when no
// sequence starts with it (a continuation byte, an overlong C0/C1 lead,
// a lead above U+10FFFF).
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Whether the second byte of a sequence is allowed after lead: excludes
// overlong forms, UTF-16 surrogates and code points above U+10FFFF.
bool second_byte_fits(unsigned char lead, unsigned char second) {
  if ((second & 0xC0) != 0x80) return false;
  if (lead == 0xE0) return second >= 0xA0;
  if (lead == 0xED) return second <= 0x9F;
  if (lead == 0xF0) return second >= 0x90;
  if (lead == 0xF4) return second <= 0x8F;
  return true;
}

// text split into its code points, or nullopt when it is not UTF-8.
std::optional<std::vector<std::string_view>> code_points(
    std::string_view text) {
  std::vector<std::string_view> points;
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    auto length = sequence_length(lead);
    if (length == 0 || i + length > text.size()) return std::nullopt;
    if (length > 1 &&
        !second_byte_fits(lead, static_cast<unsigned char>(text[i + 1]))) {
      return std::nullopt;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return std::nullopt;
      }
    }
    points.push_back(text.substr(i, length));
    i += length;
  }
  return points;
}

bool field_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

// "payload is not JSON: syntax error ..." without nlohmann's prefix.
std::string parse_error_text(const json::parse_error& error) {
  std::string what = error.what();
  auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

Result<json> parse_object(std::string_view payload) {
  json parsed;
  try {
    parsed = json::parse(payload);
  } catch (const json::parse_error& error) {
    return fail("payload is not JSON: " + parse_error_text(error));
  }
  if (!parsed.is_object()) {
    return fail("payload is not a JSON object but " +
                std::string(parsed.type_name()));
  }
  return parsed;
}

Result<void> check_payload_keys(const json& object) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(kPayloadKeys.begin(), kPayloadKeys.end(), key) ==
        kPayloadKeys.end()) {
      return fail("unknown key '" + key + "'; " +
                  suggestion(key, kPayloadKeys, "keys"));
    }
  }
  return {};
}

// schema (a string; missing means sparkforge's) and updated_at_utc (a
// string or null).
Result<void> read_header(const json& object, AssetTag& tag) {
  if (object.contains("schema")) {
    if (!object["schema"].is_string()) return fail("schema is not a string");
    tag.schema = object["schema"].get<std::string>();
  }
  if (object.contains("updated_at_utc")) {
    const auto& updated = object["updated_at_utc"];
    if (!updated.is_string() && !updated.is_null()) {
      return fail("updated_at_utc is not a string");
    }
    tag.updated_at_utc = updated.is_string() ? updated.get<std::string>() : "";
  }
  return {};
}

Result<AssetFields> read_group(const std::string& group, const json& fields) {
  if (!fields.is_object()) return fail("group " + group + " is not an object");
  AssetFields out;
  for (const auto& [field, value] : fields.items()) {
    if (auto ok = check_field(field); !ok) return std::unexpected(ok.error());
    if (!value.is_string()) {
      return fail(group + "." + field + " is not a string but " +
                  std::string(value.type_name()));
    }
    auto text = value.get<std::string>();
    if (auto ok = check_value(text); !ok) {
      return std::unexpected(ok.error().with_context(group + "." + field));
    }
    out.emplace(field, std::move(text));
  }
  return out;
}

Result<void> read_groups(const json& object, AssetTag& tag) {
  if (!object.contains("groups")) return {};
  const auto& groups = object["groups"];
  if (!groups.is_object()) return fail("groups is not an object");
  for (const auto& [group, fields] : groups.items()) {
    if (auto ok = check_group(group); !ok) return ok;
    auto read = read_group(group, fields);
    if (!read) return std::unexpected(read.error());
    tag.groups.emplace(group, std::move(*read));
  }
  return {};
}

// The first of the (group, field) pairs that is set and not empty.
std::string first_value(
    const AssetTag& tag,
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        candidates) {
  for (const auto& [group, field] : candidates) {
    auto found_group = tag.groups.find(std::string(group));
    if (found_group == tag.groups.end()) continue;
    auto found = found_group->second.find(std::string(field));
    if (found != found_group->second.end() && !found->second.empty()) {
      return found->second;
    }
  }
  return {};
}

// One ASCII character per code point: printable ASCII other than the
// separators stays, everything else becomes '_'.
std::string compact_text(std::string_view value) {
  auto points = code_points(value);
  if (!points) return std::string(value.size(), '_');
  std::string out;
  for (auto point : *points) {
    char c = point.size() == 1 ? point[0] : '_';
    bool keep = c >= 0x20 && c < 0x7f && c != ';' && c != '=';
    out += keep ? c : '_';
  }
  return out;
}

Result<std::pair<std::string, std::string>> split_path(std::string_view path,
                                                       bool field_required) {
  auto dot = path.find('.');
  if (dot == std::string_view::npos && field_required) {
    return fail(ExitCode::invalid_args,
                "expected GROUP.FIELD, got '" + std::string(path) + "'");
  }
  std::string group(path.substr(0, dot));
  std::string field =
      dot == std::string_view::npos ? "" : std::string(path.substr(dot + 1));
  if (auto ok = check_group(group); !ok) return std::unexpected(ok.error());
  if (dot != std::string_view::npos) {
    if (auto ok = check_field(field); !ok) return std::unexpected(ok.error());
  }
  return std::pair{group, field};
}

}  // namespace

std::string asset_tag_variable() {
  return efivarfs_file_name(kAssetTagGuid, kAssetTagName);
}

Result<void> check_group(std::string_view group) {
  if (std::find(kAssetTagGroups.begin(), kAssetTagGroups.end(), group) !=
      kAssetTagGroups.end()) {
    return {};
  }
  return fail(ExitCode::invalid_args,
              "unknown group '" + std::string(group) + "'; " +
                  suggestion(group, kAssetTagGroups, "groups"));
}

Result<void> check_field(std::string_view field) {
  bool valid = !field.empty() && field.size() <= kMaxFieldNameChars &&
               std::all_of(field.begin(), field.end(), field_char);
  if (valid) return {};
  return fail(ExitCode::invalid_args,
              "bad field name '" + std::string(field) +
                  "': use 1 to 64 of A-Z a-z 0-9 _ . -");
}

Result<void> check_value(std::string_view value) {
  auto points = code_points(value);
  if (!points) return fail(ExitCode::invalid_args, "value is not UTF-8");
  if (points->size() > kMaxValueChars) {
    return fail(ExitCode::invalid_args,
                "value is " + std::to_string(points->size()) +
                    " characters long, more than the " +
                    std::to_string(kMaxValueChars) + " allowed");
  }
  return {};
}

Result<void> validate(const AssetTag& tag) {
  for (const auto& [group, fields] : tag.groups) {
    if (auto ok = check_group(group); !ok) return ok;
    for (const auto& [field, value] : fields) {
      if (auto ok = check_field(field); !ok) return ok;
      if (auto ok = check_value(value); !ok) {
        return std::unexpected(ok.error().with_context(group + "." + field));
      }
    }
  }
  return {};
}

Result<AssetTag> parse_asset_tag(std::string_view payload,
                                 std::string_view source) {
  auto failed = [&](const Error& error) {
    return std::unexpected(recoded(error, ExitCode::general, source));
  };
  if (payload.size() > kMaxPayloadBytes) {
    return failed(
        {ExitCode::general, "payload is " + std::to_string(payload.size()) +
                                " bytes, more than the " +
                                std::to_string(kMaxPayloadBytes) + " allowed"});
  }

  auto object = parse_object(payload);
  if (!object) return failed(object.error());
  if (auto ok = check_payload_keys(*object); !ok) return failed(ok.error());
  AssetTag tag;
  if (auto ok = read_header(*object, tag); !ok) return failed(ok.error());
  if (auto ok = read_groups(*object, tag); !ok) return failed(ok.error());
  return tag;
}

json to_json(const AssetTag& tag) {
  json groups = json::object();
  for (const auto& [group, fields] : tag.groups) groups[group] = fields;
  return {
      {"schema", tag.schema},
      {"updated_at_utc",
       tag.updated_at_utc.empty() ? json(nullptr) : json(tag.updated_at_utc)},
      {"groups", groups}};
}

Result<std::string> encode_asset_tag(const AssetTag& tag) {
  if (auto ok = validate(tag); !ok) return std::unexpected(ok.error());
  auto text = to_json(tag).dump();
  if (text.size() > kMaxPayloadBytes) {
    return fail(ExitCode::invalid_args,
                "encoding " + std::string(kAssetTagName) + ": the payload is " +
                    std::to_string(text.size()) + " bytes, more than the " +
                    std::to_string(kMaxPayloadBytes) + " allowed");
  }
  return text;
}

CompactForm compact_form(const AssetTag& tag) {
  auto id = compact_text(first_value(
      tag, {{"USERASSETDATA", "asset_id"}, {"OWNERDATA", "asset_id"}}));
  auto loc = compact_text(first_value(
      tag, {{"USERASSETDATA", "location"}, {"OWNERDATA", "location"}}));

  const std::size_t budget =
      kMaxCompactChars - kCompactPrefix.size() - kCompactLocation.size();
  auto id_room =
      std::max(kCompactIdShare, budget - std::min(budget, loc.size()));
  auto id_length = std::min(id.size(), id_room);
  auto loc_length = std::min(loc.size(), budget - id_length);

  CompactForm form;
  form.truncated = id_length < id.size() || loc_length < loc.size();
  form.text = std::string(kCompactPrefix) + id.substr(0, id_length) +
              std::string(kCompactLocation) + loc.substr(0, loc_length);
  return form;
}

Result<AssetTagEdit> parse_set_edit(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return fail(ExitCode::invalid_args,
                "expected GROUP.FIELD=VALUE, got '" + std::string(text) + "'");
  }
  auto path = split_path(text.substr(0, eq), true);
  if (!path) return std::unexpected(path.error());
  AssetTagEdit edit{.kind = AssetTagEdit::Kind::set,
                    .group = path->first,
                    .field = path->second,
                    .value = std::string(text.substr(eq + 1))};
  if (auto ok = check_value(edit.value); !ok) {
    return std::unexpected(ok.error().with_context(std::string(text)));
  }
  return edit;
}

Result<AssetTagEdit> parse_unset_edit(std::string_view text) {
  auto path = split_path(text, false);
  if (!path) return std::unexpected(path.error());
  return AssetTagEdit{.kind = AssetTagEdit::Kind::unset,
                      .group = path->first,
                      .field = path->second};
}

Result<void> apply_edit(AssetTag& tag, const AssetTagEdit& edit) {
  if (auto ok = check_group(edit.group); !ok) return ok;
  bool whole_group =
      edit.kind == AssetTagEdit::Kind::unset && edit.field.empty();
  if (whole_group) {
    tag.groups.erase(edit.group);
    return {};
  }
  if (auto ok = check_field(edit.field); !ok) return ok;

  if (edit.kind == AssetTagEdit::Kind::set) {
    if (auto ok = check_value(edit.value); !ok) return ok;
    tag.groups[edit.group][edit.field] = edit.value;
    return {};
  }
  auto group = tag.groups.find(edit.group);
  if (group == tag.groups.end()) return {};
  group->second.erase(edit.field);
  if (group->second.empty()) tag.groups.erase(group);
  return {};
}

void merge_asset_tag(AssetTag& tag, const AssetTag& from) {
  for (const auto& [group, fields] : from.groups) {
    for (const auto& [field, value] : fields) {
      tag.groups[group][field] = value;
    }
  }
}

Result<std::optional<StoredAssetTag>> read_asset_tag(EfiVariables& store) {
  auto variable = store.get(kAssetTagGuid, kAssetTagName);
  if (!variable) return std::unexpected(variable.error());
  if (!*variable) return std::nullopt;

  const auto& payload = (*variable)->data;
  auto tag = parse_asset_tag(payload, "reading " + asset_tag_variable());
  if (!tag) return std::unexpected(tag.error());
  return StoredAssetTag{.tag = std::move(*tag),
                        .attributes = (*variable)->attributes,
                        .payload_bytes = payload.size()};
}

Result<std::string> write_asset_tag(EfiVariables& store, AssetTag& tag,
                                    std::string now) {
  tag.updated_at_utc = std::move(now);
  auto payload = encode_asset_tag(tag);
  if (!payload) return std::unexpected(payload.error());
  auto wrote = set_verified(store, kAssetTagGuid, kAssetTagName, *payload,
                            kAssetTagAttributes);
  if (!wrote) return std::unexpected(wrote.error());
  return *payload;
}

Result<std::optional<StoredAssetTag>> read_machine_asset_tag(
    const std::filesystem::path& sysroot) {
  auto store = open_efi_variables(sysroot);
  if (!store && store.error().code == ExitCode::not_found) {
    return std::nullopt;
  }
  if (!store) return std::unexpected(store.error());
  return read_asset_tag(**store);
}

}  // namespace sf::rt
