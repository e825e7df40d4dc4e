// SPDX-License-Identifier: Apache-2.0
// The envelope: its shape, its exit codes and how it stays under
// --max-bytes without ever cutting JSON.
#include "runtime-tools/lib/envelope.hpp"

#include <gtest/gtest.h>

#include "tests/support/tool_runner.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

TEST(Envelope, OkEnvelopeValidatesAgainstTheSchema) {
  Envelope envelope("device_identity", "0.1.0");
  envelope.set_data({{"a", 1}});
  envelope.set_host({"spark-01", "abc", "SN1"});
  auto text = envelope.render(65536, milliseconds(5));
  EXPECT_EQ(test::schema_errors(text), "");
  auto doc = json::parse(text);
  EXPECT_TRUE(doc["ok"]);
  EXPECT_EQ(doc["data"]["a"], 1);
  EXPECT_EQ(doc["meta"]["host"]["asset_id"], "SN1");
  EXPECT_EQ(envelope.exit_code(), 0);
}

TEST(Envelope, FatalErrorNullsDataAndSetsTheExitCode) {
  Envelope envelope("t", "0");
  envelope.set_data({{"a", 1}});
  envelope.warn(kPartialData, "part missing");
  envelope.fail(ExitCode::permission, "needs root");
  auto text = envelope.render(65536, milliseconds(0));
  EXPECT_EQ(test::schema_errors(text), "");
  auto doc = json::parse(text);
  EXPECT_FALSE(doc["ok"]);
  EXPECT_TRUE(doc["data"].is_null());
  EXPECT_EQ(doc["errors"][1]["code"], "E_PERMISSION");
  EXPECT_EQ(doc["errors"][1]["severity"], "error");
  EXPECT_EQ(envelope.exit_code(), 3);
}

// Regression: the reference collectors mixed strings into `errors`.
TEST(Envelope, WarningsAreObjectsAndKeepOkTrue) {
  Envelope envelope("t", "0");
  envelope.warn(kNoAssetId, "no serial");
  auto doc = json::parse(envelope.render(65536, milliseconds(0)));
  EXPECT_TRUE(doc["ok"]);
  ASSERT_TRUE(doc["errors"][0].is_object());
  EXPECT_EQ(doc["errors"][0]["severity"], "warning");
}

TEST(Envelope, LargeListsAreCutToFitAndSaySo) {
  Envelope envelope("t", "0");
  json packages = json::array();
  for (int i = 0; i < 5000; ++i) {
    packages.push_back({{"name", "package-" + std::to_string(i)},
                        {"version", "1.0-" + std::to_string(i)}});
  }
  envelope.set_data({{"packages", packages}, {"count", 5000}});
  auto text = envelope.render(8192, milliseconds(0));
  EXPECT_LE(text.size(), 8192u);
  EXPECT_GT(text.size(), 8192u - 512);  // cut to fit, not far below
  EXPECT_EQ(test::schema_errors(text), "");
  auto doc = json::parse(text);
  EXPECT_TRUE(doc["meta"]["truncation"]["truncated"]);
  auto dropped = doc["meta"]["truncation"]["dropped"][0];
  EXPECT_EQ(dropped["path"], "/data/packages");
  EXPECT_EQ(dropped["total"], 5000);
  EXPECT_EQ(dropped["kept"], doc["data"]["packages"].size());
  EXPECT_EQ(doc["data"]["count"], 5000);  // small fields stay whole
  EXPECT_EQ(doc["errors"].back()["code"], "W_TRUNCATED");
}

TEST(Envelope, HugeStringsAreCutToo) {
  Envelope envelope("t", "0");
  envelope.set_data({{"log", std::string(100000, 'x')}});
  auto text = envelope.render(4096, milliseconds(0));
  EXPECT_LE(text.size(), 4096u);
  EXPECT_EQ(test::schema_errors(text), "");
}

TEST(Envelope, MaxBytesBelowTheFloorIsRaisedToIt) {
  Envelope envelope("t", "0");
  envelope.set_data({{"log", std::string(10000, 'x')}});
  auto text = envelope.render(10, milliseconds(0));
  EXPECT_LE(text.size(), kMinMaxBytes);
  EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded());
}

TEST(Envelope, RunIdsAreVersion4Uuids) {
  auto id = new_run_id();
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, new_run_id());
}

}  // namespace
}  // namespace sf::rt
