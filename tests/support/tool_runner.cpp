// SPDX-License-Identifier: Apache-2.0
// Runs an on-device tool against a fixture root, as the golden tests and
// the bad-input tests of the runtime tools do.
#include "tests/support/tool_runner.hpp"

#include "core/atomic_file.hpp"

namespace sf::test {

namespace fs = std::filesystem;

fs::path fixture_root(const std::string& name) {
  return fs::path(SF_SOURCE_DIR) / "tests/fixtures/roots" / name;
}

std::vector<std::string> tool_command(const std::string& tool) {
  // SF_TOOL_EMULATOR: the cross build's emulator, words split by '|'.
  std::vector<std::string> argv;
  std::string emulator = SF_TOOL_EMULATOR;
  for (std::size_t start = 0; start < emulator.size();) {
    auto end = emulator.find('|', start);
    if (end == std::string::npos) end = emulator.size();
    argv.push_back(emulator.substr(start, end - start));
    start = end + 1;
  }
  argv.push_back((fs::path(SF_BIN_DIR) / tool).string());
  return argv;
}

Result<RunResult> run_on_fixture(const std::string& tool,
                                 const std::string& root,
                                 std::vector<std::string> args,
                                 std::map<std::string, std::string> env) {
  auto bin = fs::path(SF_SOURCE_DIR) / "tests/fixtures/bin";
  auto argv = tool_command(tool);
  argv.insert(argv.end(),
              {"--sysroot", fixture_root(root).string(), "--no-write-file"});
  argv.insert(argv.end(), args.begin(), args.end());
  if (!env.contains("PATH")) {
    env["PATH"] = (bin / root).string() + ":" + (bin / "common").string();
  }
  return run({.argv = argv, .timeout = std::chrono::seconds(60), .env = env});
}

nlohmann::json normalized(nlohmann::json envelope) {
  auto& meta = envelope["meta"];
  meta["collected_at_utc"] = "2026-01-01T00:00:00Z";
  meta["run_id"] = "00000000-0000-4000-8000-000000000000";
  meta["duration_ms"] = 0;
  return envelope;
}

std::set<std::string> error_codes(const nlohmann::json& envelope) {
  std::set<std::string> codes;
  for (const auto& issue : envelope["errors"]) {
    codes.insert(issue["code"].get<std::string>());
  }
  return codes;
}

std::string schema_errors(const std::string& envelope_text) {
  auto dir = TempDir::create(fs::temp_directory_path(), "sf-schema-");
  if (!dir) return dir.error().message;
  auto file = dir->path() / "envelope.json";
  if (auto wrote = write_file_atomic(file, envelope_text); !wrote) {
    return wrote.error().message;
  }
  auto script = fs::path(SF_SOURCE_DIR) / "tests/support/validate_envelope.py";
  auto ran = run({.argv = {"python3", script.string(), file.string()}});
  if (!ran) return ran.error().message;
  if (ran->exit_code != 0) return ran->out + ran->err;
  return {};
}

}  // namespace sf::test
