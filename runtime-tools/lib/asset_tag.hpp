// SPDX-License-Identifier: Apache-2.0
// The UEFI asset tag (DESIGN.md, docs/asset-tags.md): its payload, the
// rules a payload follows, edits, the compact form, and its variable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "runtime-tools/lib/efivars.hpp"

namespace sf::rt {

// The variable: name, vendor GUID and attributes (non-volatile, boot
// service and runtime access), as NVIDIA's reference tools use them.
inline constexpr std::string_view kAssetTagName = "NVAIAAssetMeta";
inline constexpr std::string_view kAssetTagGuid =
    "3b8e3c2a-2f4a-4a4b-8d2d-9f4d0c8b7b2a";
inline constexpr std::uint32_t kAssetTagAttributes =
    kEfiNonVolatile | kEfiBootServiceAccess | kEfiRuntimeAccess;

// The `schema` that sparkforge writes. Payloads with another schema text
// are read as long as they follow the same shape.
// TODO(#3): use the schema text of NVIDIA's reference NVAIAwrite once a
// payload written by it is at hand.
inline constexpr std::string_view kAssetTagSchema = "NVAIAAssetMeta/1";

inline constexpr std::size_t kMaxPayloadBytes = 8192;  // UTF-8 JSON
inline constexpr std::size_t kMaxFieldNameChars = 64;
inline constexpr std::size_t kMaxValueChars = 256;  // code points
inline constexpr std::size_t kMaxCompactChars = 64;

inline constexpr std::array<std::string_view, 6> kAssetTagGroups = {
    "OWNERDATA", "USERASSETDATA",  "SUPPORTDATA",
    "LEASEDATA", "PRELOADPROFILE", "USERDEVICE"};

using AssetFields = std::map<std::string, std::string>;

struct AssetTag {
  std::string schema = std::string(kAssetTagSchema);
  std::string updated_at_utc;  // empty when the payload has none
  std::map<std::string, AssetFields> groups;

  bool operator==(const AssetTag&) const = default;
};

// "NVAIAAssetMeta-3b8e3c2a-...", as messages and envelopes name it.
[[nodiscard]] std::string asset_tag_variable();

// Rules of names and values. Each fails with invalid_args and says why:
// a group is one of kAssetTagGroups (else "did you mean"); a field matches
// [A-Za-z0-9_.-]{1,64}; a value is UTF-8 of at most 256 code points.
[[nodiscard]] Result<void> check_group(std::string_view group);
[[nodiscard]] Result<void> check_field(std::string_view field);
[[nodiscard]] Result<void> check_value(std::string_view value);
// Every group, field and value of a tag.
[[nodiscard]] Result<void> validate(const AssetTag& tag);

// Parses a payload: a JSON object {schema, updated_at_utc, groups} that
// follows the rules and is at most kMaxPayloadBytes. Fails with general;
// each message starts with `source` (the variable or a file name) and
// says what is wrong: not JSON, too large (with the size), an unknown
// group, a bad field name, a value that is not a string or too long.
[[nodiscard]] Result<AssetTag> parse_asset_tag(std::string_view payload,
                                               std::string_view source);

// The payload text: compact JSON, keys sorted. Fails with invalid_args
// when the tag breaks a rule or the text would pass kMaxPayloadBytes
// (the message gives the size).
[[nodiscard]] Result<std::string> encode_asset_tag(const AssetTag& tag);

// {schema, updated_at_utc (null when empty), groups}.
[[nodiscard]] nlohmann::json to_json(const AssetTag& tag);

// The compact form "DGXAT1;id=<id>;loc=<loc>", at most kMaxCompactChars
// characters of printable ASCII, for places that hold one short string
// (an SMBIOS asset tag field, a label, an inventory column).
//   id:  USERASSETDATA.asset_id, else OWNERDATA.asset_id, else empty.
//   loc: USERASSETDATA.location, else OWNERDATA.location, else empty.
// Characters outside printable ASCII, ';' and '=' become '_'. When id and
// loc do not fit in the 49 characters left by the fixed text, id keeps up
// to 32 (more when loc is shorter) and loc the rest; truncated says so.
struct CompactForm {
  std::string text;
  bool truncated = false;
};
[[nodiscard]] CompactForm compact_form(const AssetTag& tag);

// One change from the command line: set GROUP.FIELD to a value, unset
// GROUP.FIELD, or unset a whole GROUP (field empty).
struct AssetTagEdit {
  enum class Kind { set, unset };
  Kind kind = Kind::set;
  std::string group;
  std::string field;
  std::string value;
};

// "GROUP.FIELD=VALUE" (the value may hold '=' and be empty). Fails with
// invalid_args on another shape or a name or value that breaks a rule.
[[nodiscard]] Result<AssetTagEdit> parse_set_edit(std::string_view text);
// "GROUP.FIELD" or "GROUP". Fails as parse_set_edit.
[[nodiscard]] Result<AssetTagEdit> parse_unset_edit(std::string_view text);

// Applies an edit; a group left without fields is dropped, and unsetting
// what is not there changes nothing. Fails with invalid_args when the
// edit breaks a rule.
[[nodiscard]] Result<void> apply_edit(AssetTag& tag, const AssetTagEdit& edit);

// Copies every field of from's groups into tag, replacing equal fields.
void merge_asset_tag(AssetTag& tag, const AssetTag& from);

// The variable as stored: its tag, attributes and payload size.
struct StoredAssetTag {
  AssetTag tag;
  std::uint32_t attributes = 0;
  std::size_t payload_bytes = 0;
};

// Reads and parses the variable; nullopt when it is not set. Fails as
// EfiVariables::get and parse_asset_tag (the message names the variable).
[[nodiscard]] Result<std::optional<StoredAssetTag>> read_asset_tag(
    EfiVariables& store);

// Sets updated_at_utc to now, encodes the tag and writes it with
// kAssetTagAttributes, reading it back to compare. Returns the payload
// written. Fails as encode_asset_tag and set_verified.
[[nodiscard]] Result<std::string> write_asset_tag(EfiVariables& store,
                                                  AssetTag& tag,
                                                  std::string now);

// The asset tag of the machine below sysroot, for collectors:
// nullopt when the machine has no UEFI variables or the variable is not
// set. Fails as open_efi_variables (other than not_found) and
// read_asset_tag.
[[nodiscard]] Result<std::optional<StoredAssetTag>> read_machine_asset_tag(
    const std::filesystem::path& sysroot);

}  // namespace sf::rt
