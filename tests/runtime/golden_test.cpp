// SPDX-License-Identifier: Apache-2.0
// Every on-device tool on every fixture root: the envelope validates against
// the schema and equals its golden file, tests/golden/<tool>/<root>.json.
// SPARKFORGE_UPDATE_GOLDEN=1 rewrites the golden files instead.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/atomic_file.hpp"
#include "tests/support/tool_runner.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

struct Golden {
  std::string tool;
  std::string root;
};

void PrintTo(const Golden& golden, std::ostream* os) {
  *os << golden.tool << " on " << golden.root;
}

fs::path golden_dir() { return fs::path(SF_SOURCE_DIR) / "tests/golden"; }

// One case per tools/<tool>/ folder and fixture root; a missing golden file
// is a failure, not a skip (set SPARKFORGE_UPDATE_GOLDEN=1 to create it).
std::vector<Golden> cases() {
  std::vector<Golden> list;
  std::error_code ec;
  for (const auto& tool : fs::directory_iterator(golden_dir(), ec)) {
    for (const char* root : {"spark", "gx10", "x86"}) {
      list.push_back({tool.path().filename().string(), root});
    }
  }
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    return a.tool + a.root < b.tool + b.root;
  });
  return list;
}

class GoldenTest : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenTest, MatchesGoldenAndSchema) {
  const auto& [tool, root] = GetParam();
  auto ran = run_on_fixture(tool, root);
  ASSERT_TRUE(ran) << ran.error().message;
  EXPECT_EQ(ran->out.back(), '\n');
  EXPECT_EQ(schema_errors(ran->out), "");
  auto envelope = normalized(nlohmann::json::parse(ran->out));
  auto file = golden_dir() / tool / (root + ".json");
  auto text = envelope.dump(2) + "\n";
  if (std::getenv("SPARKFORGE_UPDATE_GOLDEN") != nullptr) {
    ASSERT_TRUE(write_file_atomic(file, text));
    return;
  }
  auto golden = read_file(file);
  ASSERT_TRUE(golden) << "missing " << file
                      << "; run with SPARKFORGE_UPDATE_GOLDEN=1";
  EXPECT_EQ(text, *golden) << tool << " on " << root;
}

INSTANTIATE_TEST_SUITE_P(Tools, GoldenTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Golden>& param) {
                           return param.param.tool + "_" + param.param.root;
                         });

}  // namespace
}  // namespace sf::test
