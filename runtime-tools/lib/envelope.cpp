// SPDX-License-Identifier: Apache-2.0
// The envelope every on-device tool prints: one JSON object on stdout, never
// larger than --max-bytes, saying what it dropped when it had to.
#include "runtime-tools/lib/envelope.hpp"

#include <sys/random.h>

#include <array>
#include <ctime>

namespace sf::rt {
namespace {

using nlohmann::json;

std::string severity_name(Severity severity) {
  return severity == Severity::error ? "error" : "warning";
}

json issue_json(const Issue& issue) {
  return {{"code", issue.code},
          {"message", issue.message},
          {"detail", issue.detail},
          {"hint", issue.hint},
          {"severity", severity_name(issue.severity)}};
}

// A JSON pointer token: "~" and "/" escaped as RFC 6901 says.
std::string escape_token(const std::string& key) {
  std::string token;
  for (char c : key) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

std::size_t size_of(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

// The JSON pointer of the largest array or string below value (by its
// serialized size), or empty when there is nothing left to cut.
std::string largest_cuttable(const json& value, const std::string& at,
                             std::size_t& best_size) {
  std::string best;
  auto consider = [&](const json& item, const std::string& pointer) {
    bool cuttable =
        (item.is_array() && !item.empty()) ||
        (item.is_string() && item.get_ref<const std::string&>().size() > 64);
    if (!cuttable) return;
    auto size = size_of(item);
    if (size > best_size) {
      best_size = size;
      best = pointer;
    }
  };
  consider(value, at);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      auto pointer = at + "/" + escape_token(key);
      auto below = largest_cuttable(item, pointer, best_size);
      if (!below.empty()) best = below;
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto below =
          largest_cuttable(value[i], at + "/" + std::to_string(i), best_size);
      if (!below.empty()) best = below;
    }
  }
  return best;
}

// How many leading elements of an array to keep so that at least `excess`
// bytes go: elements are measured from the end, once each.
std::size_t elements_to_keep(const json& array, std::size_t excess) {
  std::size_t freed = 0;
  std::size_t kept = array.size();
  while (kept > 0 && freed < excess) {
    --kept;
    freed += size_of(array[kept]) + 1;  // the element and its comma
  }
  return kept;
}

// Shortens the array or string at pointer by at least `excess` bytes (plus
// room for the record of the cut), recording how much was kept.
void cut(json& data, const std::string& pointer, std::size_t excess,
         json& dropped) {
  // The entry in meta.truncation.dropped costs about this much.
  constexpr std::size_t kRecordBytes = 128;
  auto& item = data[json::json_pointer(pointer)];
  std::size_t total =
      item.is_array() ? item.size() : item.get_ref<std::string&>().size();
  std::size_t want = excess + kRecordBytes;
  std::size_t kept = item.is_array() ? elements_to_keep(item, want)
                                     : (total > want ? total - want : 0);
  if (item.is_array()) {
    item.erase(item.begin() + static_cast<std::ptrdiff_t>(kept), item.end());
  } else {
    item = item.get<std::string>().substr(0, kept);
  }
  for (auto& entry : dropped) {
    if (entry["path"] == "/data" + pointer) {
      entry["kept"] = kept;
      return;
    }
  }
  dropped.push_back({{"path", "/data" + pointer},
                     {"kind", item.is_array() ? "array" : "string"},
                     {"total", total},
                     {"kept", kept}});
}

// Messages quote paths and command output; none may crowd out the data.
constexpr std::size_t kMaxIssueText = 512;
// Host names are at most 253 bytes; ids are shorter still.
constexpr std::size_t kMaxHostField = 256;

std::string capped(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text.resize(limit - 3);
  return text + "...";
}

}  // namespace

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

std::string new_run_id() {
  std::array<unsigned char, 16> bytes{};
  if (getrandom(bytes.data(), bytes.size(), 0) !=
      static_cast<ssize_t>(bytes.size())) {
    bytes.fill(0);
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[bytes[i] >> 4];
    id += kHex[bytes[i] & 0xf];
  }
  return id;
}

Envelope::Envelope(std::string tool, std::string version)
    : tool_(std::move(tool)),
      version_(std::move(version)),
      run_id_(new_run_id()),
      collected_at_(utc_now()) {}

void Envelope::set_host(HostIds ids) {
  host_ = {capped(std::move(ids.hostname), kMaxHostField),
           capped(std::move(ids.machine_id), kMaxHostField),
           capped(std::move(ids.asset_id), kMaxHostField)};
}

void Envelope::add_artifact(Artifact artifact) {
  artifacts_.push_back(std::move(artifact));
}

void Envelope::fail(ExitCode code, std::string message, std::string detail,
                    std::string hint) {
  if (first_error_ == ExitCode::ok) first_error_ = code;
  issues_.push_back({.code = error_code_name(code),
                     .message = capped(std::move(message), kMaxIssueText),
                     .detail = capped(std::move(detail), kMaxIssueText),
                     .hint = capped(std::move(hint), kMaxIssueText),
                     .severity = Severity::error});
}

void Envelope::warn(std::string code, std::string message, std::string detail) {
  issues_.push_back({.code = std::move(code),
                     .message = capped(std::move(message), kMaxIssueText),
                     .detail = capped(std::move(detail), kMaxIssueText),
                     .severity = Severity::warning});
}

bool Envelope::ok() const { return first_error_ == ExitCode::ok; }

int Envelope::exit_code() const { return static_cast<int>(first_error_); }

json Envelope::build(const json& data, const json& dropped,
                     std::size_t max_bytes,
                     std::chrono::milliseconds duration) const {
  json errors = json::array();
  for (const auto& issue : issues_) errors.push_back(issue_json(issue));
  if (!dropped.empty()) {
    errors.push_back(
        issue_json({.code = kTruncated,
                    .message = "the output was cut to fit --max-bytes",
                    .detail = std::to_string(dropped.size()) + " field(s) cut",
                    .hint = "raise --max-bytes or read the full data artifact",
                    .severity = Severity::warning}));
  }
  json artifacts = json::array();
  for (const auto& a : artifacts_) {
    artifacts.push_back({{"path", a.path},
                         {"sha256", a.sha256},
                         {"bytes", a.bytes},
                         {"kind", a.kind}});
  }
  return {{"ok", ok()},
          {"data", ok() ? data : json(nullptr)},
          {"errors", errors},
          {"meta",
           {{"tool", tool_},
            {"version", version_},
            {"collected_at_utc", collected_at_},
            {"run_id", run_id_},
            {"duration_ms", duration.count()},
            {"host",
             {{"hostname", host_.hostname},
              {"machine_id", host_.machine_id},
              {"asset_id", host_.asset_id}}},
            {"artifacts", artifacts},
            {"truncation",
             {{"truncated", !dropped.empty()},
              {"limit_bytes", max_bytes},
              {"dropped", dropped}}}}}};
}

std::string Envelope::render(std::size_t max_bytes,
                             std::chrono::milliseconds duration) const {
  max_bytes = std::max(max_bytes, kMinMaxBytes);
  json data = data_;
  json dropped = json::array();
  auto dump = [&] {
    return build(data, dropped, max_bytes, duration)
        .dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string text = dump();
  while (text.size() > max_bytes) {
    std::size_t size = 0;
    auto pointer = largest_cuttable(data, "", size);
    if (pointer.empty()) {
      // Nothing left to cut: keep the skeleton and say the data is gone.
      dropped.push_back({{"path", "/data"}, {"kind", "object"}});
      data = json::object();
      text = dump();
      break;
    }
    cut(data, pointer, text.size() - max_bytes, dropped);
    text = dump();
  }
  return text;
}

}  // namespace sf::rt
