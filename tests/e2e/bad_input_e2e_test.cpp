// SPDX-License-Identifier: Apache-2.0
// `sparkforge build` on broken inputs: the documented exit code, a message
// that names the cause, and nothing new under a final output name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "tests/support/e2e_support.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

// A minimal valid fleet over the example inputs; {cache} stands for
// example_cache(). Line numbers matter: the cases below quote them.
constexpr const char* kFleet =
    "fleet: bad-input\n"              // 1
    "base_image: {cache}/base.img\n"  // 2
    "signing_key:\n"                  // 3
    "  generate: ed25519\n"           // 4
    "cloud_init:\n"                   // 5
    "  admin_user: sparkadmin\n"      // 6
    "  ssh_authorized_keys:\n"        // 7
    "    - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3m7OaXs3n2ENuJsJlFsSgHTOWR"
    "jwKSRc1SuR6RL+Nf bad-input@example.com\n"  // 8
    "debs:\n"                                   // 9
    "  - {cache}/debs\n"                        // 10
    "devices:\n"                                // 11
    "  - serial: SER001\n"                      // 12
    "    hostname: spark-01\n";                 // 13

// The names a build publishes; a failed build must leave none of them new.
constexpr std::array<const char*, 4> kOutputs = {
    "cidata.img", "oemdata.img", "installer.img", "manifest.json"};

// Replaces every `from` in text by `to`.
std::string replace_all(std::string text, const std::string& from,
                        const std::string& to) {
  for (auto at = text.find(from); at != text.npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void put_file(const fs::path& path, const std::string& text) {
  ASSERT_TRUE(write_file_atomic(path, text)) << path;
}

// Runs a command in a folder and fails the test unless it exits 0.
void must_run(std::vector<std::string> argv, const fs::path& cwd,
              std::optional<std::string> input = std::nullopt) {
  auto ran = run({.argv = argv, .stdin_data = input, .cwd = cwd});
  ASSERT_TRUE(ran) << quote_command(argv) << ": " << ran.error().message;
  ASSERT_EQ(ran->exit_code, 0) << quote_command(argv) << ": " << ran->err;
}

// A 64 MiB image partitioned by sfdisk from a script.
void make_disk(const fs::path& image, const std::string& script) {
  put_file(image, "");
  fs::resize_file(image, 64u << 20);
  must_run({"sfdisk", "--quiet", image.string()}, image.parent_path(), script);
}

// A .deb that is well-formed up to its control file, which has a line
// without a field name. dpkg-deb --build refuses such a control file, so
// the archive is put together by hand as dpkg-deb would.
void make_bad_control_deb(const fs::path& dir) {
  auto work = dir / "badctl";
  fs::create_directories(work);
  put_file(work / "debian-binary", "2.0\n");
  put_file(work / "control",
           "Package: broken\nVersion: 1.0\nArchitecture: arm64\n"
           "this line has no colon\n");
  must_run({"tar", "-czf", "control.tar.gz", "./control"}, work);
  must_run({"tar", "-czf", "data.tar.gz", "-T", "/dev/null"}, work);
  must_run({"ar", "rc", (dir / "broken_1.0_arm64.deb").string(),
            "debian-binary", "control.tar.gz", "data.tar.gz"},
           work);
}

// An output folder that cannot be written: /sys refuses mkdir with EPERM
// even for root; anyone else gets a folder without write permission.
fs::path unwritable_out(const fs::path& dir) {
  if (::geteuid() == 0) return "/sys/sparkforge-test-out";
  auto out = dir / "read-only";
  fs::create_directories(out);
  fs::permissions(out, fs::perms(0555));
  return out;
}

struct Case {
  const char* name;
  // Replaces `from` by `to` in kFleet; an empty `from` appends `to`.
  std::string from, to;
  // Makes broken input files in the test's folder.
  void (*prepare)(const fs::path& dir) = nullptr;
  // The command line; {fleet} and {out} are filled in.
  std::vector<std::string> args = {"build", "{fleet}", "--out", "{out}"};
  std::map<std::string, std::string> env = {};
  bool unwritable = false;  // use unwritable_out() as {out}
  int exit_code = 0;
  // Fragments stderr must hold; {dir}, {fleet} and {out} are filled in.
  std::vector<std::string> says = {};
};

// Names a case in test listings instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    // A stray ": " in a plain value is invalid YAML, located exactly.
    {.name = "InvalidYaml",
     .from = "admin_user: sparkadmin",
     .to = "admin_user: spark: admin",
     .exit_code = 2,
     .says = {"{fleet}:6:20: invalid YAML"}},
    // A misspelt top-level key is refused with a suggestion.
    {.name = "UnknownKey",
     .from = "devices:",
     .to = "devics:",
     .exit_code = 2,
     .says = {"{fleet}:11:1: unknown key 'devics'", "did you mean 'devices'?"}},
    // A .deb named in `debs` that does not exist.
    {.name = "MissingDeb",
     .from = "{cache}/debs",
     .to = "{dir}/missing_1.0_arm64.deb",
     .exit_code = 4,
     .says = {"debs: {dir}/missing_1.0_arm64.deb does not exist"}},
    // A .deb that is plain text, not an ar archive.
    {.name = "CorruptDeb",
     .from = "{cache}/debs",
     .to = "{dir}/corrupt_1.0_arm64.deb",
     .prepare =
         [](const fs::path& dir) {
           put_file(dir / "corrupt_1.0_arm64.deb", "this is not a package\n");
         },
     .exit_code = 1,
     .says = {"{dir}/corrupt_1.0_arm64.deb: not an ar archive"}},
    // A .deb whose control file has a line without a field name.
    {.name = "DebControlDoesNotParse",
     .from = "{cache}/debs",
     .to = "{dir}/broken_1.0_arm64.deb",
     .prepare = make_bad_control_deb,
     .exit_code = 1,
     .says = {"{dir}/broken_1.0_arm64.deb: control file does not parse"}},
    // Two devices whose serials differ only in case.
    {.name = "DuplicateSerial",
     .to = "  - serial: ser001\n    hostname: spark-02\n",
     .exit_code = 2,
     .says = {"{fleet}:14:13:", "'ser001' is listed twice",
              "first at line 12"}},
    // A base image that does not exist.
    {.name = "MissingBaseImage",
     .from = "{cache}/base.img",
     .to = "{dir}/missing.img",
     .exit_code = 4,
     .says = {"base_image: {dir}/missing.img"}},
    // A base image with an MBR partition table instead of a GPT.
    {.name = "BaseImageWithoutGpt",
     .from = "{cache}/base.img",
     .to = "{dir}/mbr.img",
     .prepare =
         [](const fs::path& dir) {
           make_disk(dir / "mbr.img", "label: dos\n,32M,L\n");
         },
     .exit_code = 1,
     .says = {"{dir}/mbr.img: no GPT"}},
    // A base image whose GPT has two entries, both in use.
    {.name = "BaseImageGptFull",
     .from = "{cache}/base.img",
     .to = "{dir}/full.img",
     .prepare =
         [](const fs::path& dir) {
           make_disk(dir / "full.img",
                     "label: gpt\ntable-length: 2\n,16M,L\n,16M,L\n");
         },
     .exit_code = 1,
     .says = {"{dir}/full.img:", "free partition entries"}},
    // An output folder that cannot be created or written.
    {.name = "OutputFolderNotWritable",
     .unwritable = true,
     .exit_code = 3,
     .says = {"{out}"}},
    // SOURCE_DATE_EPOCH that is not a number of seconds.
    {.name = "SourceDateEpochGarbage",
     .env = {{"SOURCE_DATE_EPOCH", "garbage"}},
     .exit_code = 2,
     .says = {"SOURCE_DATE_EPOCH: 'garbage'"}},
    // A fleet file that does not exist.
    {.name = "MissingFleetFile",
     .args = {"build", "{dir}/missing.yaml", "--out", "{out}"},
     .exit_code = 4,
     .says = {"{dir}/missing.yaml"}},
    // A misspelt subcommand is refused with a suggestion.
    {.name = "UnknownSubcommand",
     .args = {"biuld", "{fleet}", "--out", "{out}"},
     .exit_code = 2,
     .says = {"unknown command 'biuld'", "did you mean 'build'?"}},
};

// A fresh folder per test for the fleet file, broken inputs and outputs.
class FleetFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(example_cache() / "base.img"))
        << "the example inputs are missing; run scripts/install-deps";
    auto dir = TempDir::create(::testing::TempDir(), "e2e-bad-input-");
    ASSERT_TRUE(dir) << dir.error().message;
    dir_.emplace(std::move(*dir));
  }

  fs::path dir() const { return dir_->path(); }
  fs::path fleet() const { return dir() / "fleet.yaml"; }

  // Fills in {cache}, {dir}, {fleet} and {out}.
  std::string fill(std::string text, const fs::path& out) const {
    text = replace_all(text, "{cache}", example_cache().string());
    text = replace_all(text, "{dir}", dir().string());
    text = replace_all(text, "{fleet}", fleet().string());
    return replace_all(text, "{out}", out.string());
  }

  std::optional<TempDir> dir_;
};

class BadInput : public FleetFolder,
                 public ::testing::WithParamInterface<Case> {};

// Names under out that a failed build must not have left behind.
std::vector<std::string> leftovers(const fs::path& out) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    auto name = entry.path().filename().string();
    bool output =
        std::find(kOutputs.begin(), kOutputs.end(), name) != kOutputs.end();
    if (output || name.starts_with(".sparkforge-build-") ||
        name.find(".tmp.") != name.npos) {
      found.push_back(name);
    }
  }
  return found;
}

TEST_P(BadInput, ExitsWithTheDocumentedCodeAndLeavesNoOutput) {
  const Case& c = GetParam();
  auto out = c.unwritable ? unwritable_out(dir()) : dir() / "out";
  auto text =
      c.from.empty() ? kFleet + c.to : replace_all(kFleet, c.from, c.to);
  put_file(fleet(), fill(text, out));
  if (c.prepare != nullptr) c.prepare(dir());
  ASSERT_FALSE(HasFatalFailure());

  std::vector<std::string> argv = {sparkforge_binary().string()};
  for (const auto& arg : c.args) argv.push_back(fill(arg, out));
  auto ran = run_tool(argv, c.env);
  ASSERT_TRUE(ran) << ran.error().message;

  EXPECT_EQ(ran->exit_code, c.exit_code) << ran->err;
  for (const auto& fragment : c.says) {
    EXPECT_NE(ran->err.find(fill(fragment, out)), std::string::npos)
        << "expected '" << fill(fragment, out) << "' in:\n"
        << ran->err;
  }
  EXPECT_TRUE(ran->err.starts_with("sparkforge: ")) << ran->err;
  EXPECT_EQ(leftovers(out), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInput, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

// SHA-256 of every output in out, by name.
std::map<std::string, std::string> output_hashes(const fs::path& out) {
  std::map<std::string, std::string> hashes;
  for (const char* name : kOutputs) {
    auto digests = hash_file(out / name);
    hashes[name] = digests ? digests->sha256 : "missing";
  }
  return hashes;
}

TEST_F(FleetFolder, FailedRebuildLeavesThePreviousOutputsUntouched) {
  auto out = dir() / "out";
  auto build = [&] {
    return run_tool({sparkforge_binary().string(), "build", fleet().string(),
                     "--out", out.string()});
  };
  put_file(fleet(), fill(kFleet, out));
  auto good = build();
  ASSERT_TRUE(good) << good.error().message;
  ASSERT_EQ(good->exit_code, 0) << good->err;
  auto before = output_hashes(out);
  for (const auto& [name, sha256] : before) {
    ASSERT_NE(sha256, "missing") << name;
  }

  // A base image without a GPT fails only after both partition images are
  // staged, the latest point a build can fail before it publishes.
  make_disk(dir() / "mbr.img", "label: dos\n,32M,L\n");
  put_file(fleet(),
           fill(replace_all(kFleet, "{cache}/base.img", "{dir}/mbr.img"), out));
  ASSERT_FALSE(HasFatalFailure());
  auto bad = build();
  ASSERT_TRUE(bad) << bad.error().message;
  EXPECT_EQ(bad->exit_code, 1) << bad->err;

  EXPECT_EQ(output_hashes(out), before);
  std::vector<std::string> staging;
  for (const auto& entry : fs::directory_iterator(out)) {
    auto name = entry.path().filename().string();
    if (name.starts_with(".sparkforge-build-")) staging.push_back(name);
  }
  EXPECT_EQ(staging, std::vector<std::string>{});
}

}  // namespace
}  // namespace sf::test
