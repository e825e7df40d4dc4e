// SPDX-License-Identifier: Apache-2.0
// The dpkg status reader: which stanzas count as installed packages, how
// tricky deb822 input is read (as libapt-pkg reads it, with the stanzas
// dpkg would refuse reported), and agreement with dpkg-query itself.
#include "runtime-tools/lib/dpkg_status.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/atomic_file.hpp"
#include "core/subprocess.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class DpkgStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::create(::testing::TempDir(), "dpkg");
    ASSERT_TRUE(dir);
    dir_.emplace(std::move(*dir));
    fs::create_directories(root() / "var/lib/dpkg");
  }
  fs::path root() const { return dir_->path(); }
  void put_status(const std::string& text) {
    ASSERT_TRUE(write_file_atomic(root() / "var/lib/dpkg/status", text));
  }
  // "name version architecture" lines of what was read.
  std::string read_lines(DpkgStatusNotes* notes = nullptr) {
    Host host(root(), milliseconds(1000));
    auto packages = read_dpkg_status(host, notes);
    EXPECT_TRUE(packages) << packages.error().message;
    return packages ? package_lines(*packages) : std::string();
  }
  std::optional<TempDir> dir_;
};

std::string stanza(const std::string& name, const std::string& version,
                   const std::string& arch,
                   const std::string& status = "install ok installed") {
  return "Package: " + name + "\nStatus: " + status + "\nVersion: " + version +
         "\nArchitecture: " + arch + "\n";
}

TEST_F(DpkgStatusTest, MissingFileIsNotFound) {
  fs::remove(root() / "var/lib/dpkg/status");
  Host host(root(), milliseconds(1000));
  auto packages = read_dpkg_status(host);
  ASSERT_FALSE(packages);
  EXPECT_EQ(packages.error().code, ExitCode::not_found);
}

TEST_F(DpkgStatusTest, ReadsEveryField) {
  put_status(
      "Package: libc6\nStatus: hold ok installed\nPriority: optional\n"
      "Section: libs\nInstalled-Size: 12345\nArchitecture: arm64\n"
      "Multi-Arch: same\nSource: glibc (2.39-0ubuntu8.4)\n"
      "Version: 2.39-0ubuntu8.4\nDescription: GNU C Library\n"
      " Shared libraries.\n");
  Host host(root(), milliseconds(1000));
  auto packages = read_dpkg_status(host);
  ASSERT_TRUE(packages);
  ASSERT_EQ(packages->size(), 1u);
  EXPECT_EQ(packages->front(),
            (InstalledPackage{.name = "libc6",
                              .version = "2.39-0ubuntu8.4",
                              .architecture = "arm64",
                              .status_want = "hold",
                              .section = "libs",
                              .source = "glibc (2.39-0ubuntu8.4)",
                              .installed_size = 12345}));
}

// Only "<want> ok installed" is installed; the want may be anything.
TEST_F(DpkgStatusTest, OnlyInstalledStanzasCount) {
  struct Case {
    std::string status;
    bool installed;
  };
  for (const auto& [status, installed] :
       std::vector<Case>{{"install ok installed", true},
                         {"hold ok installed", true},
                         {"deinstall ok installed", true},
                         {"purge ok installed", true},
                         {"deinstall ok config-files", false},
                         {"install ok unpacked", false},
                         {"install ok half-configured", false},
                         {"install reinstreq installed", false},
                         {"purge ok not-installed", false},
                         {"install ok", false},
                         {"", false}}) {
    put_status(stanza("a", "1", "arm64", status));
    EXPECT_EQ(read_lines(), installed ? "a 1 arm64\n" : "") << status;
  }
}

// Each case: status text, the lines read, whether a problem is reported.
// The expectations are what libapt-pkg does, checked by hand against
// dpkg-query --admindir (which refuses the files marked as problems).
TEST_F(DpkgStatusTest, TrickyDeb822Input) {
  struct Case {
    const char* what;
    std::string text;
    std::string lines;
    bool problem;
  };
  auto a = stanza("a", "1", "arm64");
  auto b = stanza("b", "2", "all");
  const std::vector<Case> cases = {
      {"continuation lines belong to their field",
       "Package: a\nStatus: install ok installed\nVersion: 1\n"
       "Architecture: arm64\nDescription: x\n long\n .\n more\n\n" +
           b,
       "a 1 arm64\nb 2 all\n", false},
      {"several blank lines between and around stanzas",
       "\n\n" + a + "\n\n\n\n" + b + "\n\n", "a 1 arm64\nb 2 all\n", false},
      {"no final newline", a.substr(0, a.size() - 1), "a 1 arm64\n", false},
      {"extra spaces around values",
       "Package:   a  \nStatus:  install   ok  installed \nVersion:\t1\n"
       "Architecture: arm64\n",
       "a 1 arm64\n", false},
      {"field names in another case",
       "package: a\nstatus: install ok installed\nversion: 1\n"
       "architecture: arm64\n",
       "a 1 arm64\n", false},
      {"CRLF line ends are read as LF",
       "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n"
       "Architecture: arm64\r\n\r\n" +
           b,
       "a 1 arm64\nb 2 all\n", false},
      {"one package for two architectures",
       stanza("libc6", "2.39", "arm64") + "\n" +
           stanza("libc6", "2.39", "amd64"),
       "libc6 2.39 amd64\nlibc6 2.39 arm64\n", false},
      {"a missing Version skips the stanza quietly",
       "Package: a\nStatus: install ok installed\nArchitecture: arm64\n\n" + b,
       "b 2 all\n", false},
      {"a whitespace-only line joins two stanzas", a + "   \n" + b, "", true},
      {"a line without a colon eats the next field name",
       a + "\nthis is not a field\n\n" + b, "a 1 arm64\n", true},
      {"binary junk before a stanza",
       a + "\n" + std::string("\x01\x02\xff\xfe\0\0junk\n\n", 12) + b,
       "a 1 arm64\n", true},
      {"a field given twice",
       "Package: a\nStatus: install ok installed\nVersion: 1\nVersion: 9\n"
       "Architecture: arm64\n",
       "", true},
      {"a comment line (dpkg status files have none)", "# comment\n" + a, "",
       true},
      {"a last line libapt-pkg cannot parse stops the reading",
       a + "\njunk without colon\n", "a 1 arm64\n", true},
      {"only NUL bytes", std::string(8, '\0'), "", true},
      {"an empty file", "", "", false},
  };
  for (const auto& c : cases) {
    put_status(c.text);
    DpkgStatusNotes notes;
    EXPECT_EQ(read_lines(&notes), c.lines) << c.what;
    EXPECT_EQ(notes.parse_error.has_value(), c.problem)
        << c.what << ": " << notes.parse_error.value_or("");
  }
}

// A problem in one read never leaks into the next: libapt-pkg keeps its
// errors on a global stack, which the reader drains.
TEST_F(DpkgStatusTest, ErrorsDoNotLeakIntoTheNextRead) {
  put_status(stanza("a", "1", "arm64") + "\njunk without colon\n");
  DpkgStatusNotes first;
  read_lines(&first);
  ASSERT_TRUE(first.parse_error);
  put_status(stanza("a", "1", "arm64"));
  DpkgStatusNotes second;
  read_lines(&second);
  EXPECT_FALSE(second.parse_error) << *second.parse_error;
}

TEST_F(DpkgStatusTest, InstalledSizeThatIsNotANumberIsNull) {
  put_status(stanza("a", "1", "arm64") + "Installed-Size: 12kB\n");
  Host host(root(), milliseconds(1000));
  auto packages = read_dpkg_status(host);
  ASSERT_TRUE(packages);
  ASSERT_EQ(packages->size(), 1u);
  EXPECT_FALSE(packages->front().installed_size);
}

TEST(PackageLines, SortedBytewiseWhateverTheInputOrder) {
  std::vector<InstalledPackage> list = {
      {.name = "libc6-dev", .version = "2", .architecture = "arm64"},
      {.name = "libc6", .version = "2", .architecture = "arm64"},
      {.name = "a", .version = "1:1.0", .architecture = "all"}};
  EXPECT_EQ(package_lines(list),
            "a 1:1.0 all\nlibc6 2 arm64\nlibc6-dev 2 arm64\n");
  std::reverse(list.begin(), list.end());
  EXPECT_EQ(package_lines(list),
            "a 1:1.0 all\nlibc6 2 arm64\nlibc6-dev 2 arm64\n");
}

// On every fixture root, the packages read are those dpkg-query lists as
// "<want> ok installed", in the same "name version architecture" form.
TEST(DpkgStatusFixtures, AgreeWithDpkgQuery) {
  auto probe = run({.argv = {"dpkg-query", "--version"}});
  if (!probe || probe->exit_code != 0) {
    GTEST_SKIP() << "dpkg-query is not installed";
  }
  for (const char* name : {"spark", "gx10", "x86"}) {
    auto root = fs::path(SF_SOURCE_DIR) / "tests/fixtures/roots" / name;
    if (!fs::exists(root / "var/lib/dpkg/status")) continue;
    auto ran =
        run({.argv = {"dpkg-query",
                      "--admindir=" + (root / "var/lib/dpkg").string(), "-W",
                      "-f=${Status}|${Package} ${Version} "
                      "${Architecture}\\n"}});
    ASSERT_TRUE(ran) << ran.error().message;
    std::multiset<std::string> expected;
    std::istringstream lines(ran->out);
    for (std::string line; std::getline(lines, line);) {
      auto bar = line.find('|');
      if (line.substr(0, bar).ends_with(" ok installed")) {
        expected.insert(line.substr(bar + 1) + "\n");
      }
    }
    std::string joined;
    for (const auto& line : expected) joined += line;
    Host host(root, milliseconds(1000));
    DpkgStatusNotes notes;
    auto packages = read_dpkg_status(host, &notes);
    ASSERT_TRUE(packages) << name;
    EXPECT_FALSE(notes.parse_error) << name;
    EXPECT_EQ(package_lines(*packages), joined) << name;
  }
}

}  // namespace
}  // namespace sf::rt
