// SPDX-License-Identifier: Apache-2.0
// The envelope every on-device tool prints: one JSON object on stdout, never
// larger than --max-bytes, saying what it dropped when it had to.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/exit_codes.hpp"

namespace sf::rt {

enum class Severity { error, warning };

// One entry of `errors`: always an object, never a bare string.
struct Issue {
  std::string code;  // E_* for errors, W_* or E_* for warnings
  std::string message;
  std::string detail;
  std::string hint;
  Severity severity = Severity::error;
};

// Warning codes of DESIGN.md.
inline constexpr const char* kNoAssetId = "W_NO_ASSET_ID";
inline constexpr const char* kPartialData = "W_PARTIAL_DATA";
inline constexpr const char* kTruncated = "W_TRUNCATED";

struct Artifact {
  std::string path;  // absolute, on the device
  std::string sha256;
  std::uint64_t bytes = 0;
  std::string kind;  // "data", "log", "bundle", ...
};

struct HostIds {
  std::string hostname;
  std::string machine_id;
  std::string asset_id;
};

// The smallest --max-bytes accepted: an envelope with no data and a few
// errors always fits.
inline constexpr std::size_t kMinMaxBytes = 2048;

class Envelope {
 public:
  Envelope(std::string tool, std::string version);

  void set_data(nlohmann::json data) { data_ = std::move(data); }
  [[nodiscard]] const nlohmann::json& data() const { return data_; }
  // Each field is cut to 256 bytes: a garbage file must not blow the limit.
  void set_host(HostIds ids);
  [[nodiscard]] const std::string& run_id() const { return run_id_; }
  void add_artifact(Artifact artifact);

  // A fatal error: ok becomes false, data null, the exit code this one's.
  // Texts are cut to 512 bytes each.
  void fail(ExitCode code, std::string message, std::string detail = {},
            std::string hint = {});
  // A warning: data stays, ok stays true.
  void warn(std::string code, std::string message, std::string detail = {});

  [[nodiscard]] bool ok() const;
  [[nodiscard]] int exit_code() const;
  [[nodiscard]] const std::vector<Issue>& issues() const { return issues_; }

  // The envelope as JSON text of at most max_bytes (at least kMinMaxBytes).
  // When the data does not fit, elements are dropped from the end of the
  // largest arrays (then large strings are cut) until it does; each cut is
  // listed in meta.truncation.dropped and W_TRUNCATED is added. Never cuts
  // JSON mid-way.
  [[nodiscard]] std::string render(std::size_t max_bytes,
                                   std::chrono::milliseconds duration) const;

 private:
  nlohmann::json build(const nlohmann::json& data,
                       const nlohmann::json& dropped, std::size_t max_bytes,
                       std::chrono::milliseconds duration) const;

  std::string tool_;
  std::string version_;
  std::string run_id_;
  std::string collected_at_;
  nlohmann::json data_ = nlohmann::json::object();
  HostIds host_;
  std::vector<Issue> issues_;
  std::vector<Artifact> artifacts_;
  ExitCode first_error_ = ExitCode::ok;
};

// The current UTC time as "2026-12-04T05:55:48Z".
[[nodiscard]] std::string utc_now();

// A random 128-bit id in UUID form, from the kernel's random source.
[[nodiscard]] std::string new_run_id();

}  // namespace sf::rt
