// SPDX-License-Identifier: Apache-2.0
// The runner's timeout, output cap and error reporting.
#include "core/subprocess.hpp"

#include <gtest/gtest.h>

namespace sf {
namespace {

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exit_code, 3);
}

TEST(Subprocess, FeedsStdin) {
  auto r = run({.argv = {"cat"}, .stdin_data = std::string("hello")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out, "hello");
}

TEST(Subprocess, TimeoutKillsTheGroup) {
  auto r = run({.argv = {"sh", "-c", "sleep 30 & sleep 30"},
                .timeout = std::chrono::milliseconds(300)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ExitCode::timeout);
}

TEST(Subprocess, CapsOutput) {
  auto r = run(
      {.argv = {"sh", "-c", "head -c 100000 /dev/zero"}, .output_cap = 1000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->out_truncated);
}

TEST(Subprocess, MissingProgramIsNotFound) {
  auto r = run({.argv = {"sparkforge-no-such-program"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ExitCode::not_found);
}

TEST(Subprocess, CheckedNamesProgramAndStderr) {
  auto r = run_checked({.argv = {"sh", "-c", "echo broken pipe >&2; exit 1"}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("broken pipe"), std::string::npos);
}

TEST(Subprocess, QuotesWordsThatNeedIt) {
  EXPECT_EQ(quote_command({"mkfs", "-n", "a b"}), "mkfs -n 'a b'");
}

}  // namespace
}  // namespace sf
