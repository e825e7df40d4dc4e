// SPDX-License-Identifier: Apache-2.0
// The asset-tag payload: its rules, edits, the compact form, and reading
// and writing it through the in-memory variable store.
#include "runtime-tools/lib/asset_tag.hpp"

#include <gtest/gtest.h>

#include "runtime-tools/lib/efivars_fake.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

std::string payload_with_value(const std::string& value) {
  return json{{"schema", "NVAIAAssetMeta/1"},
              {"groups", {{"OWNERDATA", {{"owner", value}}}}}}
      .dump();
}

// A payload of exactly `bytes` bytes, padded in one value.
std::string payload_of_size(std::size_t bytes) {
  json doc = {{"groups", json::object()}};
  for (int i = 0; doc.dump().size() + 300 < bytes; ++i) {
    doc["groups"]["OWNERDATA"]["f" + std::to_string(i)] = std::string(200, 'x');
  }
  doc["groups"]["SUPPORTDATA"]["pad"] = "";
  auto base = doc.dump().size();
  doc["groups"]["SUPPORTDATA"]["pad"] = std::string(bytes - base, 'y');
  return doc.dump();
}

TEST(AssetTagPayload, TestHelperMakesPayloadsOfTheAskedSize) {
  EXPECT_EQ(payload_of_size(8192).size(), 8192u);
  EXPECT_EQ(payload_of_size(8193).size(), 8193u);
}

struct BadPayload {
  const char* what;
  std::string payload;
  std::string message;  // a part of the error message
};

TEST(AssetTagPayload, BadPayloadsAreRejectedWithTheReason) {
  const std::vector<BadPayload> cases = {
      // Not JSON at all, and JSON that is not an object.
      {"garbage", "garbage\x01", "not JSON"},
      {"array", "[1,2]", "not a JSON object but array"},
      // One byte over the limit, the size is named.
      {"8193 bytes", payload_of_size(8193), "8193 bytes, more than the 8192"},
      // Group names come from a fixed list, with a suggestion.
      {"unknown group", R"({"groups":{"OWNRDATA":{}}})",
       "unknown group 'OWNRDATA'; did you mean 'OWNERDATA'?"},
      {"lowercase group", R"({"groups":{"leasedata":{}}})",
       "did you mean 'LEASEDATA'?"},
      // Field names: [A-Za-z0-9_.-]{1,64}.
      {"space in field", R"({"groups":{"OWNERDATA":{"a b":"x"}}})",
       "bad field name 'a b'"},
      {"empty field", R"({"groups":{"OWNERDATA":{"":"x"}}})",
       "bad field name ''"},
      {"65-char field",
       R"({"groups":{"OWNERDATA":{")" + std::string(65, 'f') + R"(":"x"}}})",
       "bad field name"},
      // Values: strings of at most 256 characters.
      {"257-char value", payload_with_value(std::string(257, 'v')),
       "OWNERDATA.owner: value is 257 characters long, more than the 256"},
      {"number value", R"({"groups":{"OWNERDATA":{"n":5}}})",
       "OWNERDATA.n is not a string but number"},
      // The shape of the payload itself.
      {"groups not object", R"({"groups":[]})", "groups is not an object"},
      {"group not object", R"({"groups":{"LEASEDATA":"x"}})",
       "group LEASEDATA is not an object"},
      {"schema not string", R"({"schema":1})", "schema is not a string"},
      {"unknown key", R"({"group":{}})",
       "unknown key 'group'; did you mean 'groups'?"},
  };
  for (const auto& [what, payload, message] : cases) {
    auto parsed = parse_asset_tag(payload, "NVAIAAssetMeta-x");
    ASSERT_FALSE(parsed) << what;
    EXPECT_EQ(parsed.error().code, ExitCode::general) << what;
    EXPECT_NE(parsed.error().message.find(message), std::string::npos)
        << what << ": " << parsed.error().message;
    EXPECT_EQ(parsed.error().message.rfind("NVAIAAssetMeta-x: ", 0), 0u)
        << what << ": the source comes first";
  }
}

TEST(AssetTagPayload, LimitsThemselvesAreAccepted) {
  EXPECT_TRUE(parse_asset_tag(payload_of_size(8192), "v"));
  EXPECT_TRUE(parse_asset_tag(payload_with_value(std::string(256, 'v')), "v"));
  // 256 code points of two bytes each: the limit counts characters.
  std::string accents;
  for (int i = 0; i < 256; ++i) accents += "\xc3\xa9";
  EXPECT_TRUE(parse_asset_tag(payload_with_value(accents), "v"));
  EXPECT_TRUE(parse_asset_tag(
      R"({"groups":{"USERDEVICE":{")" + std::string(64, 'f') + R"(":""}}})",
      "v"));
}

TEST(AssetTagPayload, ParsesEveryPartAndEncodesItBack) {
  std::string text =
      R"({"groups":{"LEASEDATA":{"end":"2027-01-01"},)"
      R"("USERASSETDATA":{"asset_id":"A1"}},"schema":"NVAIAAssetMeta/1",)"
      R"("updated_at_utc":"2026-11-20T09:15:00Z"})";
  auto tag = parse_asset_tag(text, "v");
  ASSERT_TRUE(tag) << tag.error().message;
  EXPECT_EQ(tag->schema, "NVAIAAssetMeta/1");
  EXPECT_EQ(tag->updated_at_utc, "2026-11-20T09:15:00Z");
  EXPECT_EQ(tag->groups.at("USERASSETDATA").at("asset_id"), "A1");
  auto encoded = encode_asset_tag(*tag);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, text);
}

TEST(AssetTagPayload, EncodingOverTheLimitFailsWithTheSize) {
  AssetTag tag;
  for (int i = 0; i < 40; ++i) {
    tag.groups["SUPPORTDATA"]["f" + std::to_string(i)] = std::string(256, 'x');
  }
  auto encoded = encode_asset_tag(tag);
  ASSERT_FALSE(encoded);
  EXPECT_EQ(encoded.error().code, ExitCode::invalid_args);
  EXPECT_NE(encoded.error().message.find("more than the 8192 allowed"),
            std::string::npos)
      << encoded.error().message;
}

TEST(AssetTagPayload, InvalidUtf8ValueIsRejected) {
  for (std::string value : {"\xff", "\xc3", "\xed\xa0\x80", "\xc0\xaf"}) {
    auto checked = check_value(value);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message, "value is not UTF-8");
  }
}

struct CompactCase {
  const char* what;
  AssetTag tag;
  std::string text;
  bool truncated;
};

AssetTag tag_of(std::map<std::string, AssetFields> groups) {
  AssetTag tag;
  tag.groups = std::move(groups);
  return tag;
}

TEST(AssetTagCompact, FieldsFeedIdAndLocation) {
  const std::vector<CompactCase> cases = {
      {"user asset data first",
       tag_of({{"USERASSETDATA", {{"asset_id", "U1"}, {"location", "L1"}}},
               {"OWNERDATA", {{"asset_id", "O1"}, {"location", "L2"}}}}),
       "DGXAT1;id=U1;loc=L1", false},
      {"owner data as the fallback",
       tag_of({{"OWNERDATA", {{"asset_id", "O1"}, {"location", "L2"}}},
               {"USERASSETDATA", {{"asset_id", ""}}}}),
       "DGXAT1;id=O1;loc=L2", false},
      {"nothing set", AssetTag{}, "DGXAT1;id=;loc=", false},
      {"separators and non-ASCII become _",
       tag_of({{"USERASSETDATA",
                {{"asset_id", "a;b=c"}, {"location", "Z\xc3\xbcrich\n"}}}}),
       "DGXAT1;id=a_b_c;loc=Z_rich_", false},
      {"a long location yields to the id",
       tag_of({{"USERASSETDATA",
                {{"asset_id", std::string(20, 'i')},
                 {"location", std::string(60, 'l')}}}}),
       "DGXAT1;id=" + std::string(20, 'i') + ";loc=" + std::string(29, 'l'),
       true},
      {"a long id keeps 32 when the location is long too",
       tag_of({{"USERASSETDATA",
                {{"asset_id", std::string(40, 'i')},
                 {"location", std::string(40, 'l')}}}}),
       "DGXAT1;id=" + std::string(32, 'i') + ";loc=" + std::string(17, 'l'),
       true},
      {"a long id takes the room of a short location",
       tag_of({{"USERASSETDATA",
                {{"asset_id", std::string(60, 'i')}, {"location", "L"}}}}),
       "DGXAT1;id=" + std::string(48, 'i') + ";loc=L", true},
  };
  for (const auto& [what, tag, text, truncated] : cases) {
    auto form = compact_form(tag);
    EXPECT_EQ(form.text, text) << what;
    EXPECT_EQ(form.truncated, truncated) << what;
    EXPECT_LE(form.text.size(), kMaxCompactChars) << what;
  }
}

TEST(AssetTagEdits, SetAndUnsetTextsAreParsed) {
  auto set = parse_set_edit("LEASEDATA.end=a=b");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->group, "LEASEDATA");
  EXPECT_EQ(set->field, "end");
  EXPECT_EQ(set->value, "a=b");
  EXPECT_TRUE(parse_set_edit("LEASEDATA.end="));  // an empty value is a value
  auto field = parse_unset_edit("OWNERDATA.owner.name");
  ASSERT_TRUE(field);
  EXPECT_EQ(field->field, "owner.name");
  auto group = parse_unset_edit("OWNERDATA");
  ASSERT_TRUE(group);
  EXPECT_EQ(group->field, "");

  for (const char* bad :
       {"LEASEDATA.end", "LEASEDATA=x", "LEASE.end=x", "LEASEDATA.a b=x"}) {
    auto parsed = parse_set_edit(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ExitCode::invalid_args) << bad;
  }
  EXPECT_FALSE(parse_unset_edit("NOPE"));
}

TEST(AssetTagEdits, UnsetDropsEmptyGroupsAndMissingFieldsAreNoChange) {
  AssetTag tag = tag_of({{"OWNERDATA", {{"a", "1"}, {"b", "2"}}}});
  ASSERT_TRUE(apply_edit(tag, *parse_unset_edit("OWNERDATA.a")));
  EXPECT_EQ(tag.groups.at("OWNERDATA").size(), 1u);
  ASSERT_TRUE(apply_edit(tag, *parse_unset_edit("OWNERDATA.b")));
  EXPECT_TRUE(tag.groups.empty());
  auto before = tag;
  ASSERT_TRUE(apply_edit(tag, *parse_unset_edit("LEASEDATA.none")));
  EXPECT_EQ(tag, before);
}

class AssetTagStore : public ::testing::Test {
 protected:
  void store_payload(const std::string& payload) {
    store_.put(kAssetTagGuid, kAssetTagName, payload, kAssetTagAttributes);
  }
  FakeEfiVariables store_;
};

TEST_F(AssetTagStore, MissingVariableIsNoTag) {
  auto read = read_asset_tag(store_);
  ASSERT_TRUE(read);
  EXPECT_FALSE(*read);
}

TEST_F(AssetTagStore, GarbageVariableIsAnErrorNamingTheVariable) {
  store_payload("\x01\x02garbage");
  auto read = read_asset_tag(store_);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ExitCode::general);
  EXPECT_NE(read.error().message.find(
                "reading NVAIAAssetMeta-3b8e3c2a-2f4a-4a4b-8d2d-9f4d0c8b7b2a: "
                "payload is not JSON"),
            std::string::npos)
      << read.error().message;
}

TEST_F(AssetTagStore, WriteSetsAttributesAndTimeThenReadsBack) {
  AssetTag tag = tag_of({{"USERDEVICE", {{"user", "ada"}}}});
  auto written = write_asset_tag(store_, tag, "2026-12-01T00:00:00Z");
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(tag.updated_at_utc, "2026-12-01T00:00:00Z");

  ASSERT_EQ(store_.calls().size(), 2u);
  EXPECT_EQ(store_.calls()[0], (FakeEfiVariables::Call{
                                   "set", std::string(kAssetTagGuid),
                                   std::string(kAssetTagName), *written, 0x7}));
  EXPECT_EQ(store_.calls()[1].op, "get");  // the read-back check
  auto read = read_asset_tag(store_);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->tag, tag);
}

TEST_F(AssetTagStore, ReadBackMismatchIsAGeneralError) {
  store_.truncate_writes = true;
  AssetTag tag = tag_of({{"USERDEVICE", {{"user", "ada"}}}});
  auto written = write_asset_tag(store_, tag, "2026-12-01T00:00:00Z");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ExitCode::general);
  EXPECT_NE(written.error().message.find("checking NVAIAAssetMeta-"),
            std::string::npos)
      << written.error().message;
}

TEST_F(AssetTagStore, RefusedWriteKeepsItsExitCode) {
  store_.fail_next_set = Error{ExitCode::permission, "writing x: denied"};
  AssetTag tag;
  auto written = write_asset_tag(store_, tag, "t");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ExitCode::permission);
  EXPECT_FALSE(store_.stored(kAssetTagGuid, kAssetTagName));
}

TEST(EfivarfsDir, SysrootWinsThenTheEnvironmentThenTheDefault) {
  EXPECT_EQ(efivarfs_dir_for("/mnt/image", "/tmp/ignored/"),
            "/mnt/image/sys/firmware/efi/efivars/");
  EXPECT_EQ(efivarfs_dir_for("/", "/tmp/vars"), "/tmp/vars/");
  EXPECT_EQ(efivarfs_dir_for("/", ""), "/sys/firmware/efi/efivars/");
  EXPECT_EQ(efivarfs_dir_for("/", nullptr), "/sys/firmware/efi/efivars/");
}

}  // namespace
}  // namespace sf::rt
