// SPDX-License-Identifier: Apache-2.0
// The frame every on-device tool runs in: shared flags, the host, the
// envelope and the evidence store. A tool supplies only its collector.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "runtime-tools/lib/envelope.hpp"
#include "runtime-tools/lib/host.hpp"

namespace sf::rt {

// The flags every tool accepts (DESIGN.md, "Shared flags").
struct CommonOptions {
  bool human = false;
  bool stdout_json = false;  // accepted; JSON on stdout is the default
  bool no_write_file = false;
  std::optional<std::filesystem::path> out;
  bool quiet = false;
  std::optional<std::filesystem::path> config;
  std::size_t max_bytes = 65536;
  int timeout_sec = 30;
  std::filesystem::path sysroot = "/";
};

// Where evidence of a run goes: `--out DIR`, else
// /var/lib/dgx_spark_management/<area>/<tool>/run_<UTC>/, or nowhere with
// --no-write-file.
class EvidenceStore {
 public:
  EvidenceStore(const CommonOptions& options, std::string area,
                std::string tool, std::string stamp);

  [[nodiscard]] bool enabled() const { return !folder_.empty(); }
  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }

  // Writes name inside the run folder (atomically, mode 0640) and returns
  // its artifact record. Fails when the folder cannot be made or written.
  [[nodiscard]] Result<Artifact> write(const std::string& name,
                                       std::string_view content,
                                       const std::string& kind);

 private:
  std::filesystem::path folder_;
};

// What a collector gets: the machine, the options, the parsed --config
// (an empty object without one), the envelope for warnings, and the
// evidence store for artifacts.
struct Context {
  Host& host;
  const CommonOptions& options;
  const nlohmann::json& config;
  Envelope& envelope;
  EvidenceStore& evidence;
};

struct ToolSpec {
  std::string name;         // e.g. "device_identity"
  std::string area;         // evidence area, e.g. "inventory"
  std::string description;  // one line for --help
  // Registers the tool's own flags (may be empty).
  std::function<void(CLI::App&)> add_options;
  // Collects. An error becomes the envelope's fatal error; warnings go
  // through ctx.envelope.warn.
  std::function<Result<nlohmann::json>(Context&)> collect;
};

// Parses the command line, runs the collector, prints one envelope on
// stdout (or a human summary with --human) and returns the exit code.
// The full data is kept as an artifact (data.json) when the evidence store
// is enabled, so a truncated stdout loses nothing.
int run_tool(const ToolSpec& spec, int argc, char** argv);

// A JSON object as indented "key: value" lines, for --human.
[[nodiscard]] std::string human_text(const nlohmann::json& value,
                                     int indent = 0);

}  // namespace sf::rt
