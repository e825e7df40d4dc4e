// SPDX-License-Identifier: Apache-2.0
// NVAIAwrite's logic over the in-memory store: the request, the
// read-modify-write, --dry-run and --replace.
#include "runtime-tools/tools/nvaia_write.hpp"

#include <gtest/gtest.h>

#include "runtime-tools/lib/efivars_fake.hpp"
#include "runtime-tools/tools/nvaia_read.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;

constexpr const char* kNow = "2026-12-04T05:55:48Z";

class NvaiaWrite : public ::testing::Test {
 protected:
  void store_payload(const std::string& payload) {
    store_.put(kAssetTagGuid, kAssetTagName, payload, kAssetTagAttributes);
  }
  Result<json> write(const WriteOptions& options) {
    auto request = parse_request(options);
    if (!request) return std::unexpected(request.error());
    return write_to(store_, options, *request, kNow);
  }
  std::size_t sets() const {
    return std::count_if(store_.calls().begin(), store_.calls().end(),
                         [](const auto& call) { return call.op == "set"; });
  }
  AssetFields group(const std::string& name) {
    auto read = read_asset_tag(store_);
    if (!read || !*read || !(*read)->tag.groups.contains(name)) return {};
    return (*read)->tag.groups.at(name);
  }
  FakeEfiVariables store_;
};

TEST_F(NvaiaWrite, MergesIntoTheStoredPayload) {
  store_payload(R"({"groups":{"OWNERDATA":{"owner":"ops","site":"a"}}})");
  WriteOptions options{.groups = {"OWNERDATA"},
                       .fields = {"site"},
                       .values = {"b"},
                       .sets = {"LEASEDATA.end=2027"}};
  auto data = write(options);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_TRUE((*data)["written"]);
  EXPECT_TRUE((*data)["previous_present"]);
  EXPECT_EQ(group("OWNERDATA"), (AssetFields{{"owner", "ops"}, {"site", "b"}}));
  EXPECT_EQ(group("LEASEDATA"), (AssetFields{{"end", "2027"}}));
  EXPECT_EQ((*data)["payload"]["updated_at_utc"], kNow);
}

TEST_F(NvaiaWrite, UnsetRemovesAFieldAndAWholeGroup) {
  store_payload(R"({"groups":{"OWNERDATA":{"owner":"ops","site":"a"},)"
                R"("LEASEDATA":{"end":"2027"}}})");
  auto data = write({.unsets = {"OWNERDATA.site", "LEASEDATA"}});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ((*data)["payload"]["groups"],
            json({{"OWNERDATA", {{"owner", "ops"}}}}));
}

TEST_F(NvaiaWrite, DryRunWritesNothing) {
  store_payload(R"({"groups":{"OWNERDATA":{"owner":"ops"}}})");
  auto data = write({.sets = {"OWNERDATA.owner=finance"}, .dry_run = true});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_TRUE((*data)["changed"]);
  EXPECT_FALSE((*data)["written"]);
  EXPECT_EQ((*data)["payload"]["groups"]["OWNERDATA"]["owner"], "finance");
  EXPECT_EQ(sets(), 0u);
  EXPECT_EQ(group("OWNERDATA").at("owner"), "ops");
}

TEST_F(NvaiaWrite, NoChangeIsNoWrite) {
  store_payload(R"({"groups":{"OWNERDATA":{"owner":"ops"}}})");
  auto data = write({.sets = {"OWNERDATA.owner=ops"}});
  ASSERT_TRUE(data);
  EXPECT_FALSE((*data)["changed"]);
  EXPECT_EQ(sets(), 0u);
  // Unsetting on a machine without a tag creates no empty one.
  FakeEfiVariables empty;
  auto request = parse_request({.unsets = {"OWNERDATA"}});
  ASSERT_TRUE(request);
  auto none = write_to(empty, {.unsets = {"OWNERDATA"}}, *request, kNow);
  ASSERT_TRUE(none);
  EXPECT_FALSE((*none)["previous_present"]);
  EXPECT_FALSE(empty.stored(kAssetTagGuid, kAssetTagName));
}

TEST_F(NvaiaWrite, GarbageIsKeptUnlessReplaced) {
  store_payload("not json");
  auto refused = write({.sets = {"OWNERDATA.owner=ops"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ExitCode::general);
  EXPECT_EQ(sets(), 0u);

  auto replaced = write({.sets = {"OWNERDATA.owner=ops"}, .replace = true});
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(group("OWNERDATA"), (AssetFields{{"owner", "ops"}}));
}

TEST_F(NvaiaWrite, TooLargeResultIsRefusedWithItsSize) {
  WriteOptions options;
  for (int i = 0; i < 40; ++i) {
    options.sets.push_back("SUPPORTDATA.f" + std::to_string(i) + "=" +
                           std::string(256, 'x'));
  }
  auto data = write(options);
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ExitCode::invalid_args);
  EXPECT_NE(data.error().message.find("bytes, more than the 8192 allowed"),
            std::string::npos);
  EXPECT_EQ(sets(), 0u);
}

struct BadRequest {
  const char* what;
  WriteOptions options;
  std::string message;
};

TEST(NvaiaWriteRequest, BadRequestsAreInvalidArguments) {
  const std::vector<BadRequest> cases = {
      {"nothing asked", {}, "nothing to write"},
      {"counts differ",
       {.groups = {"OWNERDATA"}, .fields = {"a", "b"}, .values = {"1"}},
       "the same number of times (got 1, 2, 1)"},
      {"unknown group in a triple",
       {.groups = {"USERDEVISE"}, .fields = {"a"}, .values = {"1"}},
       "did you mean 'USERDEVICE'?"},
      {"bad field in --set", {.sets = {"OWNERDATA.a/b=1"}}, "bad field name"},
      {"long value",
       {.sets = {"OWNERDATA.a=" + std::string(257, 'v')}},
       "257 characters long"},
      {"unknown group in --unset",
       {.unsets = {"PRELOADPROFLE"}},
       "did you mean 'PRELOADPROFILE'?"},
      {"missing file", {.file = "/nonexistent/payload.json"}, "--file"},
  };
  for (const auto& [what, options, message] : cases) {
    auto request = parse_request(options);
    ASSERT_FALSE(request) << what;
    EXPECT_NE(request.error().message.find(message), std::string::npos)
        << what << ": " << request.error().message;
    auto expected = options.file ? ExitCode::not_found : ExitCode::invalid_args;
    EXPECT_EQ(request.error().code, expected) << what;
  }
}

TEST(NvaiaRead, MissingTagIsPresentFalseWithStableKeys) {
  FakeEfiVariables store;
  auto data = read_from(store, {.emit_compact = true});
  ASSERT_TRUE(data);
  EXPECT_FALSE((*data)["present"]);
  EXPECT_TRUE((*data)["efi_variables"]);
  EXPECT_TRUE((*data)["compact"].is_null());
  EXPECT_EQ((*data)["groups"], json::object());
}

}  // namespace
}  // namespace sf::rt
