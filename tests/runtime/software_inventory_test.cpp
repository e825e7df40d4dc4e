// SPDX-License-Identifier: Apache-2.0
// software_inventory_reporter: its lists and hashes, and bad input (a
// damaged status file, no site-packages, a runtime that hangs, a list too
// large for --max-bytes).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "runtime-tools/lib/dpkg_status.hpp"
#include "runtime-tools/tools/software_inventory_reporter.hpp"
#include "tests/support/tool_runner.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A scratch machine root for one test.
class Scratch {
 public:
  Scratch() {
    auto dir = TempDir::create(fs::temp_directory_path(), "sf-inventory-");
    EXPECT_TRUE(dir) << dir.error().message;
    dir_.emplace(std::move(*dir));
  }
  [[nodiscard]] const fs::path& root() const { return dir_->path(); }

  void write(const std::string& relative, const std::string& text,
             mode_t mode = 0644) const {
    auto file = root() / relative;
    fs::create_directories(file.parent_path());
    ASSERT_TRUE(write_file_atomic(file, text, mode));
  }
  void link(const std::string& relative, const std::string& target) const {
    fs::create_directories((root() / relative).parent_path());
    fs::create_directory_symlink(target, root() / relative);
  }

 private:
  std::optional<TempDir> dir_;
};

// Runs the collector in-process over a root, with no runtime asked.
struct Run {
  json data;
  std::vector<Issue> issues;
};

Run collect(const fs::path& root) {
  CommonOptions options{.no_write_file = true, .sysroot = root};
  Host host(root, std::chrono::seconds(5));
  json config = json::object();
  Envelope envelope("software_inventory_reporter", "test");
  EvidenceStore evidence(options, "inventory", "t", "0");
  Context ctx{host, options, config, envelope, evidence};
  auto data = collect_software_inventory(ctx, {.no_containers = true});
  EXPECT_TRUE(data) << data.error().message;
  return {data ? *data : json(), envelope.issues()};
}

bool has_issue(const json& envelope, const std::string& code) {
  for (const auto& e : envelope["errors"]) {
    if (e["code"] == code && e["severity"] == "warning") return true;
  }
  return false;
}

// The tool itself, over a scratch root, with PATH holding only `path`.
Result<RunResult> run_tool_on(const fs::path& root, const fs::path& path,
                              std::vector<std::string> args) {
  auto argv = test::tool_command("software_inventory_reporter");
  argv.insert(argv.end(), {"--sysroot", root.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return run({.argv = argv,
              .timeout = std::chrono::seconds(60),
              .env = {{"PATH", path.string()}}});
}

TEST(SoftwareInventory, NormalizesPythonNamesAsPep503) {
  struct Case {
    const char* in;
    const char* want;
  };
  for (auto [in, want] :
       {Case{"PyYAML", "pyyaml"}, Case{"nvidia_ml_py", "nvidia-ml-py"},
        Case{"zope.interface", "zope-interface"}, Case{"a-_.b", "a-b"}}) {
    EXPECT_EQ(normalize_python_name(in), want) << in;
  }
}

TEST(SoftwareInventory, ImageLinesAreSortedAndBadLinesCounted) {
  std::size_t bad = 0;
  auto list = parse_image_lines(
      R"({"repository":"nvcr.io/nvidia/vllm","tag":"25.09","id":"sha256:b"})"
      "\nWARNING: not json\n"
      R"({"repository":"nvcr.io/nvidia/cuda","tag":"13.0","id":"sha256:a",)"
      R"("size":1})"
      "\n\n",
      &bad);
  EXPECT_EQ(bad, 1u);
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[0]["repository"], "nvcr.io/nvidia/cuda");
  EXPECT_EQ(list.items[0]["size"], "1");   // numbers kept as text
  EXPECT_EQ(list.items[0]["digest"], "");  // missing keys are empty
  EXPECT_EQ(list.lines,
            "nvcr.io/nvidia/cuda 13.0 sha256:a\n"
            "nvcr.io/nvidia/vllm 25.09 sha256:b\n");
}

TEST(SoftwareInventory, SnapsFromMountsAndFiles) {
  Scratch s;
  s.write("snap/core22/2011/meta/snap.yaml", "name: core22\nversion: old\n");
  s.write("snap/core22/2047/meta/snap.yaml",
          "name: core22\nversion: '20250730'\n");
  s.link("snap/core22/current", "2047");
  s.write("snap/bin/firefox", "");  // not a snap
  s.write("snap/README", "");
  s.write("var/lib/snapd/snaps/core22_2047.snap", "");
  s.write("var/lib/snapd/snaps/agent_x2.snap", "");  // not mounted
  s.write("var/lib/snapd/snaps/partial/foo_9.snap", "");

  auto list = list_snaps(Host(s.root(), std::chrono::seconds(1)));
  ASSERT_EQ(list.items.size(), 2u) << list.items.dump();
  EXPECT_EQ(list.items[0]["name"], "agent");
  EXPECT_EQ(list.items[0]["revision"], "x2");
  EXPECT_TRUE(list.items[0]["version"].is_null());
  EXPECT_EQ(list.items[1]["revision"], "2047");
  EXPECT_EQ(list.items[1]["version"], "20250730");
  EXPECT_EQ(list.items[1]["revisions"], json({"2011", "2047"}));
}

TEST(SoftwareInventory, PythonDistributionsDeduplicatedWithLocations) {
  Scratch s;
  const std::string local = "usr/local/lib/python3.12/dist-packages/";
  const std::string system = "usr/lib/python3/dist-packages/";
  s.write(local + "PyYAML-6.0.1.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\n"
          "Name: not-a-header\n");
  s.write(system + "PyYAML-6.0.1.egg-info/PKG-INFO",
          "Name: PyYAML\nVersion: 6.0.1\n");
  s.write(system + "six-1.16.0.egg-info", "Name: six\nVersion: 1.16.0\n");
  s.write(system + "huggingface_hub-0.34.4.dist-info/RECORD", "");
  s.write(system + "yaml/__init__.py", "");  // code, not metadata

  auto list =
      list_python_distributions(Host(s.root(), std::chrono::seconds(1)));
  ASSERT_EQ(list.items.size(), 3u) << list.items.dump();
  // No METADATA: name and version come from the folder's name.
  EXPECT_EQ(list.items[0]["name"], "huggingface_hub");
  EXPECT_EQ(list.items[0]["version"], "0.34.4");
  EXPECT_EQ(list.items[1]["name"], "PyYAML");
  EXPECT_EQ(list.items[1]["locations"],
            json({"/usr/local/lib/python3.12/dist-packages",
                  "/usr/lib/python3/dist-packages"}));
  EXPECT_EQ(list.items[2]["version"], "1.16.0");
  EXPECT_EQ(list.lines, "huggingface-hub 0.34.4\npyyaml 6.0.1\nsix 1.16.0\n");
}

TEST(SoftwareInventory, MissingSitePackagesIsAnEmptyCompleteList) {
  Scratch s;
  s.write("etc/hostname", "bare\n");
  auto run = collect(s.root());
  const auto& python = run.data["python_distributions"];
  EXPECT_EQ(python["count"], 0);
  EXPECT_TRUE(python["complete"]);
  EXPECT_EQ(python["sha256"], sha256_hex(""));
  EXPECT_EQ(python["note"], "no site-packages folder found");
  EXPECT_EQ(run.data["snaps"]["count"], 0);
}

TEST(SoftwareInventory, MissingStatusFileWarnsAndDropsTheHash) {
  Scratch s;
  auto run = collect(s.root());
  EXPECT_FALSE(run.data["packages"]["complete"]);
  EXPECT_TRUE(run.data["packages"]["sha256"].is_null());
  EXPECT_TRUE(run.data["holds"]["sha256"].is_null());
  ASSERT_EQ(run.issues.size(), 1u);
  EXPECT_EQ(run.issues[0].code, kPartialData);
}

// The package list's hash is os_build_identity's package fingerprint.
TEST(SoftwareInventory, PackageHashIsThePackageFingerprint) {
  auto root = test::fixture_root("spark");
  auto run = collect(root);
  auto packages = read_dpkg_status(Host(root, std::chrono::seconds(1)));
  ASSERT_TRUE(packages);
  EXPECT_EQ(run.data["packages"]["sha256"],
            sha256_hex(package_lines(*packages)));
  EXPECT_EQ(run.data["packages"]["count"], packages->size());
}

TEST(SoftwareInventory, HoldsListedSeparatelyAndConfigFilesLeftOut) {
  auto run = collect(test::fixture_root("spark"));
  json held = json::array();
  for (const auto& p : run.data["holds"]["items"]) held.push_back(p["name"]);
  EXPECT_EQ(held, json({"linux-image-nvidia-6.17", "nvidia-driver-580-open"}));
  for (const auto& p : run.data["packages"]["items"]) {
    // "deinstall ok config-files": removed, its configuration kept.
    EXPECT_NE(p["name"], "linux-image-6.11.0-1016-nvidia");
  }
}

TEST(SoftwareInventory, GarbageStatusFileGivesPartialDataNotACrash) {
  Scratch s;
  s.write("var/lib/dpkg/status",
          "Package: good\nStatus: install ok installed\nVersion: 1\n"
          "Architecture: all\n\n"
          " continuation without a field\n\x01\x02 \xff\xfe garbage\n"
          "::::\n\n\nPackage\n");
  auto ran = run_tool_on(s.root(), s.root(), {"--no-write-file"});
  ASSERT_TRUE(ran) << ran.error().message;
  EXPECT_EQ(test::schema_errors(ran->out), "");
  auto envelope = json::parse(ran->out);
  EXPECT_TRUE(envelope["ok"]);
  EXPECT_TRUE(has_issue(envelope, "W_PARTIAL_DATA"));
  const auto& packages = envelope["data"]["packages"];
  EXPECT_FALSE(packages["complete"]);
  EXPECT_TRUE(packages["sha256"].is_null());
  EXPECT_EQ(packages["items"][0]["name"], "good");
}

// Regression for the known trap: a runtime that never answers must not
// hold the envelope back.
TEST(SoftwareInventory, HangingDockerTimesOutAndTheEnvelopeArrivesOnTime) {
  Scratch s;
  s.write("bin/docker", "#!/bin/sh\nexec /bin/sleep 100\n", 0755);
  auto start = Clock::now();
  auto ran = run_tool_on(s.root(), s.root() / "bin",
                         {"--no-write-file", "--timeout-sec", "1"});
  auto took = Clock::now() - start;
  ASSERT_TRUE(ran) << ran.error().message;
  EXPECT_LT(took, std::chrono::seconds(4));
  EXPECT_EQ(ran->exit_code, 0);
  EXPECT_EQ(test::schema_errors(ran->out), "");
  auto envelope = json::parse(ran->out);
  EXPECT_TRUE(envelope["ok"]);
  EXPECT_TRUE(has_issue(envelope, "E_TIMEOUT"));
  EXPECT_TRUE(has_issue(envelope, "W_PARTIAL_DATA"));
  const auto& images = envelope["data"]["container_images"];
  EXPECT_FALSE(images["complete"]);
  EXPECT_EQ(images["attempts"][0]["result"], "timeout");
}

TEST(SoftwareInventory, NoRuntimeIsANoteNotAWarning) {
  Scratch s;
  fs::create_directories(s.root() / "bin");
  s.write("var/lib/dpkg/status", "");
  auto ran = run_tool_on(s.root(), s.root() / "bin", {"--no-write-file"});
  ASSERT_TRUE(ran) << ran.error().message;
  auto envelope = json::parse(ran->out);
  EXPECT_FALSE(has_issue(envelope, "W_PARTIAL_DATA")) << ran->out;
  const auto& images = envelope["data"]["container_images"];
  EXPECT_TRUE(images["complete"]);
  EXPECT_EQ(images["count"], 0);
  EXPECT_TRUE(images["note"].is_string());
}

// 5000 packages do not fit 64 KiB: stdout is cut and says so, the
// data.json artifact keeps every package.
TEST(SoftwareInventory, LargeListIsTruncatedOnStdoutAndWholeInTheArtifact) {
  Scratch s;
  std::string status;
  for (int i = 0; i < 5000; ++i) {
    status += "Package: pkg-" + std::to_string(i) +
              "\nStatus: install ok installed\nSection: libs\n"
              "Installed-Size: 42\nArchitecture: arm64\nVersion: 1.0-" +
              std::to_string(i) + "\nDescription: filler\n\n";
  }
  s.write("var/lib/dpkg/status", status);
  auto out = s.root() / "evidence";
  auto ran = run_tool_on(s.root(), s.root(),
                         {"--out", out.string(), "--max-bytes", "65536"});
  ASSERT_TRUE(ran) << ran.error().message;

  EXPECT_LE(ran->out.size(), 65536u + 1);  // + the final newline
  EXPECT_EQ(test::schema_errors(ran->out), "");
  auto envelope = json::parse(ran->out);
  EXPECT_TRUE(has_issue(envelope, "W_TRUNCATED"));
  const auto& truncation = envelope["meta"]["truncation"];
  EXPECT_TRUE(truncation["truncated"]);
  EXPECT_EQ(truncation["dropped"][0]["path"], "/data/packages/items");
  EXPECT_EQ(truncation["dropped"][0]["total"], 5000);
  EXPECT_EQ(envelope["data"]["packages"]["count"], 5000);

  auto full = read_file(out / "data.json");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(json::parse(*full)["packages"]["items"].size(), 5000u);
  EXPECT_EQ(envelope["meta"]["artifacts"][0]["sha256"], sha256_hex(*full));
}

}  // namespace
}  // namespace sf::rt
