// SPDX-License-Identifier: Apache-2.0
// hooks/hook.sh as it lands on OEMDATA, run by sh over an extracted copy of
// the example's partition, with apt-get and logger replaced by fakes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "tests/support/e2e_support.hpp"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEpoch = "1767225600";  // 2026-01-01T00:00:00Z

// Records each call as "call: ARGS", followed by "source: LINE" for every
// line of the file given as -o Dir::Etc::SourceList=FILE, then succeeds.
constexpr const char* kFakeAptGet = R"(#!/bin/sh
printf 'call:' >> "$FAKE_LOG"
printf ' %s' "$@" >> "$FAKE_LOG"
echo >> "$FAKE_LOG"
for arg in "$@"; do
  case $arg in
    Dir::Etc::SourceList=*) sed 's/^/source: /' "${arg#*=}" >> "$FAKE_LOG" ;;
  esac
done
exit 0
)";

// The journal is not ours to write to; the hook's messages also go to
// stderr, which the tests read.
constexpr const char* kFakeLogger = "#!/bin/sh\nexit 0\n";

// One call of the fake apt-get: its arguments and the sources it was given.
struct AptCall {
  std::vector<std::string> args;
  std::vector<std::string> sources;
};

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> list;
  for (std::string word; in >> word;) list.push_back(word);
  return list;
}

std::vector<AptCall> read_calls(const fs::path& log) {
  std::vector<AptCall> calls;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("call:")) {
      calls.push_back({.args = words(line.substr(5))});
    } else if (line.starts_with("source: ") && !calls.empty()) {
      calls.back().sources.push_back(line.substr(8));
    }
  }
  return calls;
}

// The package names an `apt-get ... install -y NAME...` call asks for.
std::vector<std::string> installed_names(const AptCall& call) {
  auto at = std::find(call.args.begin(), call.args.end(), "install");
  std::vector<std::string> names;
  for (; at != call.args.end(); ++at) {
    if (*at != "install" && !at->starts_with("-")) names.push_back(*at);
  }
  return names;
}

// One build of the example, shared by every test; each test works on its
// own extracted copy of OEMDATA.
class Hook : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::create(::testing::TempDir(), "e2e-hook-");
    ASSERT_TRUE(dir) << dir.error().message;
    work_ = new TempDir(std::move(*dir));
    ASSERT_TRUE(fs::exists(example_cache() / "base.img"))
        << "the example inputs are missing; run scripts/install-deps";
    auto built =
        build(fs::path(SF_SOURCE_DIR) / "examples/fleet.yaml", work() / "out");
    ASSERT_TRUE(built);
    ASSERT_EQ(built->exit_code, 0) << built->err;

    fs::create_directories(fakes());
    ASSERT_TRUE(write_file_atomic(fakes() / "apt-get", kFakeAptGet, 0755));
    ASSERT_TRUE(write_file_atomic(fakes() / "logger", kFakeLogger, 0755));
  }
  static void TearDownTestSuite() { delete work_; }

  static Result<RunResult> build(const fs::path& fleet, const fs::path& out) {
    return run_tool({sparkforge_binary().string(), "build", fleet.string(),
                     "--out", out.string()},
                    {{"SOURCE_DATE_EPOCH", kEpoch}});
  }

  static fs::path work() { return work_->path(); }
  static fs::path fakes() { return work() / "fakes"; }

  void SetUp() override {
    auto name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    test_dir_ = work() / name;
    fs::create_directories(root() / "etc/apt/sources.list.d");
  }

  fs::path oem() const { return test_dir_ / "oem"; }
  fs::path root() const { return test_dir_ / "root"; }
  fs::path log() const { return test_dir_ / "apt-get.log"; }

  // Copies the whole of an OEMDATA image into oem() with debugfs.
  void extract(const fs::path& image) const {
    fs::create_directories(oem());
    auto ran = run_tool(
        {"debugfs", "-R", "rdump / " + oem().string(), image.string()});
    ASSERT_TRUE(ran);
    ASSERT_EQ(ran->exit_code, 0) << ran->err;
    ASSERT_TRUE(fs::exists(oem() / "hook.sh")) << ran->err;
  }

  enum class OemMnt { set, unset };

  // Runs OEMDATA's hook.sh under `env` with the fakes first in PATH and
  // nothing inherited that the hook reads.
  Result<RunResult> run_hook(OemMnt oem_mnt = OemMnt::set) const {
    const char* path = std::getenv("PATH");
    std::vector<std::string> argv = {
        "env",
        "-u",
        "OEM_MNT",
        "SPARKFORGE_ROOT=" + root().string(),
        "FAKE_LOG=" + log().string(),
        "PATH=" + fakes().string() + ":" + (path ? path : "/usr/bin:/bin")};
    if (oem_mnt == OemMnt::set) argv.push_back("OEM_MNT=" + oem().string());
    argv.insert(argv.end(), {"sh", (oem() / "hook.sh").string()});
    return run_tool(argv);
  }

  // The lines of apt-packages.txt that are package names.
  std::vector<std::string> packages() const {
    auto text = read_file(oem() / "apt-packages.txt");
    std::vector<std::string> names;
    if (!text) return names;
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && !line.starts_with("#")) names.push_back(line);
    }
    return names;
  }

  static TempDir* work_;
  fs::path test_dir_;
};

TempDir* Hook::work_ = nullptr;

TEST_F(Hook, InstallsTheListedPackagesFromTheSignedRepositoryOnTheStick) {
  extract(work() / "out/oemdata.img");
  ASSERT_FALSE(HasFatalFailure());
  auto ran = run_hook();
  ASSERT_TRUE(ran);
  ASSERT_EQ(ran->exit_code, 0) << ran->err;

  auto calls = read_calls(log());
  ASSERT_EQ(calls.size(), 2u) << ran->err;
  EXPECT_EQ(calls[0].args.back(), "update");
  ASSERT_FALSE(packages().empty());
  EXPECT_EQ(installed_names(calls[1]), packages());

  auto key = (oem() / "keys/fleet.asc").string();
  auto repo = (oem() / "repo").string();
  ASSERT_TRUE(fs::exists(key));
  for (const auto& call : calls) {
    ASSERT_EQ(call.sources.size(), 1u);
    const auto& line = call.sources.front();
    EXPECT_TRUE(
        line.starts_with("deb [signed-by=" + key + "] file:" + repo + " "))
        << line;
    EXPECT_EQ(line.find("trusted=yes"), std::string::npos) << line;
  }
  // The example has no upstream mirror, so no source is left behind.
  EXPECT_TRUE(fs::is_empty(root() / "etc/apt/sources.list.d"));
}

// Changes made to the extracted OEMDATA before the hook runs; each must
// stop the hook before apt-get, naming the file.
struct Tamper {
  const char* what;
  const char* file;  // a path under OEMDATA; a trailing * matches any rest
  enum How { flip_byte, delete_file, add_file } how;
};

const Tamper kTampers[] = {
    // One byte of a carried package.
    {"package byte", "debs/jq_*", Tamper::flip_byte},
    // One byte of the package list the hook installs from.
    {"package list byte", "apt-packages.txt", Tamper::flip_byte},
    // One byte of the key apt trusts for the repository.
    {"fleet key byte", "keys/fleet.asc", Tamper::flip_byte},
    // A signed index that is missing.
    {"removed InRelease", "repo/dists/sparkforge/InRelease",
     Tamper::delete_file},
    // A provisioning program that sparkforge did not put there.
    {"added spark-provision", "bin/spark-provision", Tamper::add_file},
    // An upstream mirror that sparkforge did not put there.
    {"added apt-repo.url", "apt-repo.url", Tamper::add_file},
};

// The file a Tamper names, resolving a trailing * inside its folder.
fs::path resolve(const fs::path& oem, const std::string& file) {
  if (!file.ends_with("*")) return oem / file;
  auto pattern = oem / file.substr(0, file.size() - 1);
  for (const auto& entry : fs::directory_iterator(pattern.parent_path())) {
    if (entry.path().string().starts_with(pattern.string())) {
      return entry.path();
    }
  }
  return pattern;
}

void apply(const fs::path& oem, const Tamper& tamper) {
  auto path = resolve(oem, tamper.file);
  switch (tamper.how) {
    case Tamper::flip_byte: {
      std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
      ASSERT_TRUE(io) << path;
      char byte = 0;
      io.seekg(10);
      io.read(&byte, 1);
      byte = static_cast<char>(byte ^ 0x01);
      io.seekp(10);
      io.write(&byte, 1);
      break;
    }
    case Tamper::delete_file: ASSERT_TRUE(fs::remove(path)) << path; break;
    case Tamper::add_file:
      fs::create_directories(path.parent_path());
      ASSERT_TRUE(write_file_atomic(path, "#!/bin/sh\nexit 0\n", 0755));
      break;
  }
}

TEST_F(Hook, RefusesAnyChangedOrAddedFileBeforeCallingApt) {
  for (const auto& tamper : kTampers) {
    SCOPED_TRACE(tamper.what);
    fs::remove_all(oem());
    fs::remove(log());
    extract(work() / "out/oemdata.img");
    apply(oem(), tamper);
    ASSERT_FALSE(HasFatalFailure());
    auto named = resolve(oem(), tamper.file).lexically_relative(oem());

    auto ran = run_hook();
    ASSERT_TRUE(ran);
    EXPECT_NE(ran->exit_code, 0);
    EXPECT_NE(ran->err.find(named.string()), std::string::npos) << ran->err;
    EXPECT_FALSE(fs::exists(log())) << "apt-get was called";
    EXPECT_TRUE(fs::is_empty(root() / "etc/apt/sources.list.d"));
  }
}

TEST_F(Hook, RefusesToRunWithoutOemMnt) {
  extract(work() / "out/oemdata.img");
  ASSERT_FALSE(HasFatalFailure());
  auto ran = run_hook(OemMnt::unset);
  ASSERT_TRUE(ran);
  EXPECT_NE(ran->exit_code, 0);
  EXPECT_NE(ran->err.find("OEM_MNT is not set"), std::string::npos) << ran->err;
  EXPECT_FALSE(fs::exists(log())) << "apt-get was called";
}

TEST_F(Hook, PointsAptAtTheFleetMirrorWithItsOwnKey) {
  // The example with an upstream mirror and its key added.
  auto fleet = read_file(fs::path(SF_SOURCE_DIR) / "examples/fleet.yaml");
  ASSERT_TRUE(fleet);
  auto key = test_dir_ / "mirror.asc";
  ASSERT_TRUE(write_file_atomic(key,
                                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                                "\nmirror\n"
                                "-----END PGP PUBLIC KEY BLOCK-----\n"));
  auto at = fleet->find("\napt:\n");
  ASSERT_NE(at, std::string::npos);
  fleet->insert(at + 6,
                "  mirror_url: http://mirror.example.com/ubuntu\n"
                "  mirror_suite: noble\n"
                "  mirror_components: [main, universe]\n"
                "  mirror_key: " +
                    key.string() + "\n");
  ASSERT_TRUE(write_file_atomic(test_dir_ / "fleet.yaml", *fleet));
  auto built = build(test_dir_ / "fleet.yaml", test_dir_ / "out");
  ASSERT_TRUE(built);
  ASSERT_EQ(built->exit_code, 0) << built->err;
  extract(test_dir_ / "out/oemdata.img");
  ASSERT_FALSE(HasFatalFailure());

  auto ran = run_hook();
  ASSERT_TRUE(ran);
  ASSERT_EQ(ran->exit_code, 0) << ran->err;
  auto sources =
      read_file(root() / "etc/apt/sources.list.d/sparkforge-mirror.sources");
  ASSERT_TRUE(sources) << ran->err;
  EXPECT_EQ(*sources,
            "Types: deb\n"
            "URIs: http://mirror.example.com/ubuntu\n"
            "Suites: noble\n"
            "Components: main universe\n"
            "Signed-By: /etc/apt/keyrings/sparkforge-mirror.asc\n");
  auto copied = read_file(root() / "etc/apt/keyrings/sparkforge-mirror.asc");
  ASSERT_TRUE(copied);
  EXPECT_EQ(*copied, *read_file(key));
}

}  // namespace
}  // namespace sf::test
