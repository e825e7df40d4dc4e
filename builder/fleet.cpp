// SPDX-License-Identifier: Apache-2.0
// Reads the fleet file with yaml-cpp and checks every field with a position.
#include "builder/fleet.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <set>
#include <span>
#include <system_error>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/suggest.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;
using YAML::Node;

constexpr std::size_t kMaxFleetFileBytes = 4u << 20;
constexpr std::size_t kMaxTagValueChars = 256;
// NVAIAAssetMeta holds at most 8192 bytes; keep room for its schema and
// updated_at_utc members around the groups.
constexpr std::size_t kMaxTagGroupsJsonBytes = 8192 - 256;

// Where messages point and how relative paths resolve.
struct Context {
  std::string file;   // as messages show it
  fs::path base_dir;  // absolute folder of the fleet file
};

// The fleet while it is read, with what later sections need.
struct Draft {
  Fleet fleet;
  AssetTags fleet_tags;  // top-level asset_tags, merged into each device
};

// ---------------------------------------------------------------------------
// Messages

std::unexpected<Error> error_at(const Context& ctx, const YAML::Mark& mark,
                                const std::string& message) {
  int line = mark.line >= 0 ? mark.line + 1 : 1;
  int column = mark.column >= 0 ? mark.column + 1 : 1;
  return fail(ExitCode::invalid_args, ctx.file + ":" + std::to_string(line) +
                                          ":" + std::to_string(column) + ": " +
                                          message);
}

bool is_plain(const Node& node) { return node.Tag() == "?"; }

// How a node reads in "expected X, found Y".
std::string describe(const Node& node) {
  static const std::regex number(R"([-+]?(\d+|\d*\.\d+)([eE][-+]?\d+)?)");
  static const std::regex boolean(R"(true|True|TRUE|false|False|FALSE)");
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar:
      if (is_plain(node) && std::regex_match(node.Scalar(), number)) {
        return "a number";
      }
      if (is_plain(node) && std::regex_match(node.Scalar(), boolean)) {
        return "a boolean";
      }
      return "a string";
    default: return "an empty value";
  }
}

std::unexpected<Error> type_error(const Context& ctx, const Node& node,
                                  const std::string& expected) {
  return error_at(ctx, node.Mark(),
                  "expected " + expected + ", found " + describe(node));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Mappings

struct Entry {
  YAML::Mark key_mark;
  Node value;
};
using Entries = std::map<std::string, Entry, std::less<>>;

// The entries of a mapping. Fails on a non-mapping, a non-scalar or
// duplicate key and a key outside `allowed`. `where` names the mapping in
// messages ("in cloud_init").
Result<Entries> read_mapping(const Context& ctx, const Node& node,
                             const std::string& expected,
                             const std::string& where,
                             std::span<const std::string_view> allowed) {
  if (!node.IsMap()) return type_error(ctx, node, expected);
  Entries entries;
  // Range-for keeps each key/value pair alive; it->first would dangle.
  for (const auto& pair : node) {
    const Node& key = pair.first;
    if (!key.IsScalar()) return type_error(ctx, key, "a key name");
    const std::string& name = key.Scalar();
    if (auto seen = entries.find(name); seen != entries.end()) {
      return error_at(ctx, key.Mark(),
                      "key '" + name + "' appears twice " + where +
                          " (first at line " +
                          std::to_string(seen->second.key_mark.line + 1) + ")");
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return error_at(ctx, key.Mark(),
                      "unknown key '" + name + "' " + where + "; " +
                          suggestion(name, allowed, "keys"));
    }
    entries.emplace(name, Entry{key.Mark(), pair.second});
  }
  return entries;
}

// One key of a mapping and the function that stores its value in T.
template <typename T>
struct Field {
  std::string_view key;
  Result<void> (*parse)(const Context&, const Node&, T&);
  bool required = false;
};

// Reads a mapping whose keys are described by `fields`, in their order.
template <typename T>
Result<void> parse_fields(const Context& ctx, const Node& node,
                          const std::string& expected, const std::string& where,
                          std::span<const Field<T>> fields, T& out) {
  std::vector<std::string_view> keys;
  for (const Field<T>& field : fields) keys.push_back(field.key);
  auto entries = read_mapping(ctx, node, expected, where, keys);
  if (!entries) return std::unexpected(entries.error());

  for (const Field<T>& field : fields) {
    auto it = entries->find(field.key);
    if (it == entries->end()) {
      if (!field.required) continue;
      return error_at(
          ctx, node.Mark(),
          "missing required key '" + std::string(field.key) + "' " + where);
    }
    if (auto r = field.parse(ctx, it->second.value, out); !r) return r;
  }
  return {};
}

// ---------------------------------------------------------------------------
// Scalars, lists and paths

Result<std::string> scalar(const Context& ctx, const Node& node,
                           std::string_view key) {
  if (!node.IsScalar()) {
    return type_error(ctx, node, "a string for '" + std::string(key) + "'");
  }
  return node.Scalar();
}

// A scalar that must match `pattern`; `rule` explains it in the message.
Result<void> read_checked(const Context& ctx, const Node& node,
                          std::string_view key, const std::regex& pattern,
                          const std::string& rule, std::string& out) {
  auto text = scalar(ctx, node, key);
  if (!text) return std::unexpected(text.error());
  if (!std::regex_match(*text, pattern)) {
    return error_at(
        ctx, node.Mark(),
        "invalid " + std::string(key) + " '" + *text + "': " + rule);
  }
  out = *text;
  return {};
}

Result<std::vector<Node>> sequence(const Context& ctx, const Node& node,
                                   const std::string& expected) {
  if (!node.IsSequence()) return type_error(ctx, node, expected);
  return std::vector<Node>(node.begin(), node.end());
}

// A list whose items each match `pattern`.
Result<void> read_checked_list(const Context& ctx, const Node& node,
                               std::string_view key, const std::regex& pattern,
                               const std::string& rule,
                               std::vector<std::string>& out) {
  auto items = sequence(ctx, node, "a list for '" + std::string(key) + "'");
  if (!items) return std::unexpected(items.error());
  out.clear();
  for (const Node& item : *items) {
    std::string value;
    if (auto r = read_checked(ctx, item, key, pattern, rule, value); !r) {
      return r;
    }
    out.push_back(std::move(value));
  }
  return {};
}

std::size_t closing_brace(std::string_view text, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") == 0) {
      ++depth;
      ++i;
    } else if (text[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::expected<std::string, std::string> expand_variables(std::string_view text);

// The value of the inside of one ${...}.
std::expected<std::string, std::string> expand_reference(
    std::string_view inner) {
  static const std::regex name_pattern("[A-Za-z_][A-Za-z0-9_]*");
  std::size_t colon = inner.find(':');
  std::string name(inner.substr(0, colon));
  std::string_view rest =
      colon == std::string_view::npos ? "" : inner.substr(colon);
  bool has_default = rest.starts_with(":-");
  if (!std::regex_match(name, name_pattern) ||
      (!rest.empty() && !has_default)) {
    return std::unexpected("bad variable reference '${" + std::string(inner) +
                           "}'; use ${NAME} or ${NAME:-default}");
  }
  const char* value = std::getenv(name.c_str());
  if (has_default) {
    if (value != nullptr && *value != '\0') return std::string(value);
    return expand_variables(rest.substr(2));
  }
  if (value == nullptr) {
    return std::unexpected("environment variable '" + name +
                           "' is not set (write ${" + name +
                           ":-default} to give a fallback)");
  }
  return std::string(value);
}

// Replaces ${NAME} and ${NAME:-default}; defaults are expanded in turn.
std::expected<std::string, std::string> expand_variables(
    std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    std::size_t end = closing_brace(text, i);
    if (end == std::string_view::npos) {
      return std::unexpected("unclosed '${' in '" + std::string(text) + "'");
    }
    auto value = expand_reference(text.substr(i + 2, end - i - 2));
    if (!value) return value;
    out += *value;
    i = end + 1;
  }
  return out;
}

// Expands variables and a leading ~/, then anchors the path at base_dir.
Result<fs::path> read_path(const Context& ctx, const Node& node,
                           std::string_view key) {
  auto text = scalar(ctx, node, key);
  if (!text) return std::unexpected(text.error());
  if (text->empty())
    return error_at(ctx, node.Mark(), std::string(key) + ": empty path");
  auto expanded = expand_variables(*text);
  if (!expanded) {
    return error_at(ctx, node.Mark(),
                    std::string(key) + ": " + expanded.error());
  }
  std::string value = *expanded;
  if (value == "~" || value.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
      return error_at(ctx, node.Mark(),
                      std::string(key) +
                          ": cannot expand '~', HOME is "
                          "not set");
    }
    value = std::string(home) + value.substr(1);
  }
  fs::path path(value);
  if (path.is_relative()) path = ctx.base_dir / path;
  return path.lexically_normal();
}

Result<void> read_path_list(const Context& ctx, const Node& node,
                            std::string_view key, std::vector<fs::path>& out) {
  auto items = sequence(
      ctx, node, "a list of files or folders for '" + std::string(key) + "'");
  if (!items) return std::unexpected(items.error());
  out.clear();
  for (const Node& item : *items) {
    auto path = read_path(ctx, item, key);
    if (!path) return std::unexpected(path.error());
    out.push_back(std::move(*path));
  }
  return {};
}

Result<void> read_optional_path(const Context& ctx, const Node& node,
                                std::string_view key,
                                std::optional<fs::path>& out) {
  auto path = read_path(ctx, node, key);
  if (!path) return std::unexpected(path.error());
  out = std::move(*path);
  return {};
}

const std::regex kUrl(R"((https?://[^\s/]+|file:/)\S*)");
const std::string kUrlRule = "expected an http://, https:// or file:/ URL";

// ---------------------------------------------------------------------------
// signing_key

using SigningFields = std::span<const Field<SigningKey>>;

Result<void> parse_generate(const Context& ctx, const Node& node,
                            SigningKey& key) {
  static const std::regex algorithms("ed25519|rsa3072");
  key.kind = SigningKey::Kind::generate;
  return read_checked(ctx, node, "generate", algorithms,
                      "expected ed25519 or rsa3072", key.algorithm);
}

Result<void> parse_secret_key_file(const Context& ctx, const Node& node,
                                   SigningKey& key) {
  key.kind = SigningKey::Kind::secret_key_file;
  auto path = read_path(ctx, node, "secret_key_file");
  if (!path) return std::unexpected(path.error());
  key.secret_key_file = *path;
  return {};
}

Result<void> parse_gnupg_home(const Context& ctx, const Node& node,
                              SigningKey& key) {
  key.kind = SigningKey::Kind::gnupg_home;
  auto path = read_path(ctx, node, "gnupg_home");
  if (!path) return std::unexpected(path.error());
  key.gnupg_home = *path;
  return {};
}

Result<void> parse_fingerprint(const Context& ctx, const Node& node,
                               SigningKey& key) {
  static const std::regex hex("([0-9A-F]{40}|[0-9A-F]{64})");
  auto text = scalar(ctx, node, "fingerprint");
  if (!text) return std::unexpected(text.error());
  std::string compact;
  for (char c : *text) {
    if (c != ' ') compact += static_cast<char>(std::toupper(c));
  }
  if (!std::regex_match(compact, hex)) {
    return error_at(ctx, node.Mark(),
                    "invalid fingerprint '" + *text +
                        "': expected 40 (or 64) hexadecimal digits");
  }
  key.fingerprint = compact;
  return {};
}

constexpr std::array<Field<SigningKey>, 4> kSigningFields{{
    {"generate", parse_generate},
    {"secret_key_file", parse_secret_key_file},
    {"gnupg_home", parse_gnupg_home},
    {"fingerprint", parse_fingerprint},
}};

Result<void> parse_signing_key(const Context& ctx, const Node& node,
                               Draft& draft) {
  Fleet& fleet = draft.fleet;
  const std::string where = "in signing_key";
  auto entries = read_mapping(
      ctx, node, "a mapping for 'signing_key'", where,
      std::array<std::string_view, 4>{"generate", "secret_key_file",
                                      "gnupg_home", "fingerprint"});
  if (!entries) return std::unexpected(entries.error());
  int kinds = static_cast<int>(entries->count("generate") +
                               entries->count("secret_key_file") +
                               entries->count("gnupg_home"));
  if (kinds != 1) {
    return error_at(ctx, node.Mark(),
                    "signing_key needs exactly one of 'generate', "
                    "'secret_key_file' or 'gnupg_home'");
  }
  bool gnupg = entries->count("gnupg_home") == 1;
  if (gnupg != (entries->count("fingerprint") == 1)) {
    const YAML::Mark mark =
        gnupg ? node.Mark() : entries->at("fingerprint").key_mark;
    return error_at(ctx, mark,
                    gnupg ? "missing required key 'fingerprint' in "
                            "signing_key (needed with gnupg_home)"
                          : "'fingerprint' belongs with 'gnupg_home' in "
                            "signing_key");
  }
  return parse_fields<SigningKey>(ctx, node, "a mapping for 'signing_key'",
                                  where, kSigningFields, fleet.signing_key);
}

// ---------------------------------------------------------------------------
// cloud_init

Result<void> parse_admin_user(const Context& ctx, const Node& node,
                              CloudInit& ci) {
  static const std::regex user("[a-z_][a-z0-9_-]{0,31}");
  if (auto r = read_checked(ctx, node, "admin_user", user,
                            "expected a lower-case login name of at most 32 "
                            "characters",
                            ci.admin_user);
      !r) {
    return r;
  }
  if (ci.admin_user == "root") {
    return error_at(ctx, node.Mark(),
                    "invalid admin_user 'root': root logins are disabled; "
                    "name an unprivileged user");
  }
  return {};
}

// Accepts "TYPE BASE64 [comment]" with a type OpenSSH knows.
std::optional<std::string> ssh_key_problem(std::string_view key) {
  static constexpr std::array<std::string_view, 7> kTypes{
      "ssh-ed25519",
      "ssh-rsa",
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com"};
  static const std::regex blob("[A-Za-z0-9+/]+={0,3}");
  std::size_t space = key.find(' ');
  std::string_view type = key.substr(0, space);
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    return "ssh key does not start with a known type (ssh-ed25519, "
           "ssh-rsa, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com,"
           " sk-ecdsa-sha2-nistp256@openssh.com)";
  }
  std::string_view rest =
      space == std::string_view::npos ? "" : key.substr(space + 1);
  std::string data(rest.substr(0, rest.find(' ')));
  if (!std::regex_match(data, blob)) {
    return "ssh key of type " + std::string(type) +
           " has no base64 key data after the type";
  }
  return std::nullopt;
}

Result<void> parse_ssh_keys(const Context& ctx, const Node& node,
                            CloudInit& ci) {
  auto items = sequence(ctx, node, "a list of ssh keys");
  if (!items) return std::unexpected(items.error());
  if (items->empty()) {
    return error_at(ctx, node.Mark(),
                    "ssh_authorized_keys is empty; the admin user needs at "
                    "least one key to log in");
  }
  ci.ssh_authorized_keys.clear();
  for (const Node& item : *items) {
    auto key = scalar(ctx, item, "ssh_authorized_keys");
    if (!key) return std::unexpected(key.error());
    if (auto problem = ssh_key_problem(*key)) {
      return error_at(ctx, item.Mark(), *problem);
    }
    ci.ssh_authorized_keys.push_back(*key);
  }
  return {};
}

Result<void> parse_locale(const Context& ctx, const Node& node, CloudInit& ci) {
  static const std::regex locale(
      R"((C|POSIX|[a-z]{2,3}(_[A-Z]{2})?)(\.[A-Za-z0-9-]+)?(@[A-Za-z0-9]+)?)");
  if (node.IsScalar() && is_plain(node) && lower(node.Scalar()) == "false") {
    ci.manage_locale = false;
    ci.locale.clear();
    return {};
  }
  return read_checked(ctx, node, "locale", locale,
                      "expected a locale such as en_US.UTF-8, or false",
                      ci.locale);
}

Result<void> parse_timezone(const Context& ctx, const Node& node,
                            CloudInit& ci) {
  static const std::regex zone(R"([A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,2})");
  return read_checked(ctx, node, "timezone", zone,
                      "expected a zone name such as Etc/UTC or Europe/Berlin",
                      ci.timezone);
}

Result<void> parse_ntp_servers(const Context& ctx, const Node& node,
                               CloudInit& ci) {
  static const std::regex host(R"([A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?)");
  return read_checked_list(ctx, node, "ntp server", host,
                           "expected a host name or IP address",
                           ci.ntp_servers);
}

Result<void> parse_hostname_pattern(const Context& ctx, const Node& node,
                                    CloudInit& ci) {
  auto text = scalar(ctx, node, "hostname_pattern");
  if (!text) return std::unexpected(text.error());
  if (auto sample = expand_hostname_pattern(*text, "S", "r"); !sample) {
    return error_at(ctx, node.Mark(), sample.error().message);
  }
  ci.hostname_pattern = *text;
  return {};
}

// Plain scalars become booleans and integers where YAML would read them so;
// everything quoted stays a string.
nlohmann::json scalar_to_json(const Node& node) {
  static const std::regex integer(R"([-+]?(0|[1-9][0-9]{0,17}))");
  const std::string& text = node.Scalar();
  if (!is_plain(node)) return text;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, integer)) return std::stoll(text);
  return text;
}

Result<nlohmann::json> to_json(const Context& ctx, const Node& node) {
  if (node.IsScalar()) return scalar_to_json(node);
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (const Node& item : node) {
      auto value = to_json(ctx, item);
      if (!value) return value;
      array.push_back(std::move(*value));
    }
    return array;
  }
  if (!node.IsMap()) return nullptr;
  nlohmann::json object = nlohmann::json::object();
  for (const auto& pair : node) {
    if (!pair.first.IsScalar())
      return type_error(ctx, pair.first, "a key name");
    const std::string& key = pair.first.Scalar();
    if (object.contains(key)) {
      return error_at(ctx, pair.first.Mark(),
                      "key '" + key + "' appears twice in network");
    }
    auto value = to_json(ctx, pair.second);
    if (!value) return value;
    object[key] = std::move(*value);
  }
  return object;
}

Result<void> parse_network(const Context& ctx, const Node& node,
                           CloudInit& ci) {
  static constexpr std::array<std::string_view, 11> kKeys{
      "version", "renderer", "ethernets", "bonds",  "bridges",   "vlans",
      "wifis",   "tunnels",  "vrfs",      "modems", "nm-devices"};
  auto entries = read_mapping(ctx, node, "a netplan v2 mapping for 'network'",
                              "in network", kKeys);
  if (!entries) return std::unexpected(entries.error());
  auto version = entries->find("version");
  if (version == entries->end()) {
    return error_at(ctx, node.Mark(),
                    "invalid network: expected 'version: 2' (netplan v2)");
  }
  if (!version->second.value.IsScalar() ||
      version->second.value.Scalar() != "2") {
    return error_at(ctx, version->second.value.Mark(),
                    "invalid network: expected 'version: 2' (netplan v2), "
                    "found " +
                        describe(version->second.value));
  }
  for (const auto& [key, entry] : *entries) {
    if (key != "version" && key != "renderer" && !entry.value.IsMap()) {
      return type_error(ctx, entry.value, "a mapping for '" + key + "'");
    }
  }
  auto json = to_json(ctx, node);
  if (!json) return std::unexpected(json.error());
  ci.network = std::move(*json);
  return {};
}

Result<void> parse_vendor_data(const Context& ctx, const Node& node,
                               CloudInit& ci) {
  return read_optional_path(ctx, node, "vendor_data", ci.vendor_data);
}

constexpr std::array<Field<CloudInit>, 8> kCloudInitFields{{
    {"admin_user", parse_admin_user, true},
    {"ssh_authorized_keys", parse_ssh_keys, true},
    {"locale", parse_locale},
    {"timezone", parse_timezone},
    {"ntp_servers", parse_ntp_servers},
    {"hostname_pattern", parse_hostname_pattern},
    {"network", parse_network},
    {"vendor_data", parse_vendor_data},
}};

Result<void> parse_cloud_init(const Context& ctx, const Node& node,
                              Draft& draft) {
  Fleet& fleet = draft.fleet;
  return parse_fields<CloudInit>(ctx, node, "a mapping for 'cloud_init'",
                                 "in cloud_init", kCloudInitFields,
                                 fleet.cloud_init);
}

// ---------------------------------------------------------------------------
// apt

const std::regex kSuite(R"([A-Za-z0-9][A-Za-z0-9._/-]*)");
const std::string kSuiteRule = "expected letters, digits and . _ / -";

Result<void> parse_mirror_url(const Context& ctx, const Node& node,
                              AptSettings& apt) {
  return read_checked(ctx, node, "mirror_url", kUrl, kUrlRule, apt.mirror_url);
}

Result<void> parse_mirror_key(const Context& ctx, const Node& node,
                              AptSettings& apt) {
  return read_optional_path(ctx, node, "mirror_key", apt.mirror_key);
}

Result<void> parse_mirror_suite(const Context& ctx, const Node& node,
                                AptSettings& apt) {
  return read_checked(ctx, node, "mirror_suite", kSuite, kSuiteRule,
                      apt.mirror_suite);
}

Result<void> parse_mirror_components(const Context& ctx, const Node& node,
                                     AptSettings& apt) {
  static const std::regex component(R"([a-z0-9][a-z0-9/-]*)");
  return read_checked_list(ctx, node, "mirror component", component,
                           "expected lower-case letters, digits, / and -",
                           apt.mirror_components);
}

Result<void> parse_install(const Context& ctx, const Node& node,
                           AptSettings& apt) {
  static const std::regex package(R"([a-z0-9][a-z0-9+.-]+)");
  return read_checked_list(ctx, node, "package name", package,
                           "expected a Debian package name", apt.install);
}

Result<void> parse_suite(const Context& ctx, const Node& node,
                         AptSettings& apt) {
  return read_checked(ctx, node, "suite", kSuite, kSuiteRule, apt.suite);
}

Result<void> parse_valid_for_days(const Context& ctx, const Node& node,
                                  AptSettings& apt) {
  static const std::regex days(R"([1-9][0-9]{0,3})");
  std::string text;
  if (auto r =
          read_checked(ctx, node, "valid_for_days", days,
                       "expected a whole number of days from 1 to 9999", text);
      !r) {
    return r;
  }
  apt.valid_for_days = std::stoi(text);
  return {};
}

Result<void> parse_disable_sources(const Context& ctx, const Node& node,
                                   AptSettings& apt) {
  static const std::regex source(R"(\S+)");
  return read_checked_list(ctx, node, "disable_sources entry", source,
                           "expected a sources file name without spaces",
                           apt.disable_sources);
}

constexpr std::array<Field<AptSettings>, 8> kAptFields{{
    {"mirror_url", parse_mirror_url},
    {"mirror_key", parse_mirror_key},
    {"mirror_suite", parse_mirror_suite},
    {"mirror_components", parse_mirror_components},
    {"install", parse_install},
    {"suite", parse_suite},
    {"valid_for_days", parse_valid_for_days},
    {"disable_sources", parse_disable_sources},
}};

Result<void> parse_apt(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  AptSettings& apt = fleet.apt;
  if (auto r = parse_fields<AptSettings>(ctx, node, "a mapping for 'apt'",
                                         "in apt", kAptFields, apt);
      !r) {
    return r;
  }
  if (!apt.mirror_url.empty() && apt.mirror_suite.empty()) {
    return error_at(ctx, node.Mark(),
                    "missing required key 'mirror_suite' in apt (needed with "
                    "mirror_url)");
  }
  if (!apt.mirror_url.empty() && apt.mirror_components.empty()) {
    apt.mirror_components = {"main"};
  }
  return {};
}

// ---------------------------------------------------------------------------
// lvfs, debs, firmware, oemdata

Result<void> parse_lvfs_url(const Context& ctx, const Node& node,
                            Fleet& fleet) {
  return read_checked(ctx, node, "mirror_url", kUrl, kUrlRule,
                      fleet.lvfs_mirror_url);
}

constexpr std::array<Field<Fleet>, 1> kLvfsFields{{
    {"mirror_url", parse_lvfs_url, true},
}};

Result<void> parse_lvfs(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  return parse_fields<Fleet>(ctx, node, "a mapping for 'lvfs'", "in lvfs",
                             kLvfsFields, fleet);
}

Result<void> parse_debs(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  return read_path_list(ctx, node, "debs", fleet.debs);
}

Result<void> parse_firmware(const Context& ctx, const Node& node,
                            Draft& draft) {
  Fleet& fleet = draft.fleet;
  return read_path_list(ctx, node, "firmware", fleet.firmware);
}

Result<void> parse_filesystem(const Context& ctx, const Node& node,
                              Fleet& fleet) {
  static const std::regex kinds("ext4|vfat");
  return read_checked(ctx, node, "filesystem", kinds, "expected ext4 or vfat",
                      fleet.oemdata_filesystem);
}

// "auto" (0), a number of bytes or a number with KiB, MiB, GiB or TiB.
std::optional<std::uint64_t> parse_size_text(const std::string& text) {
  static const std::regex size(R"(([0-9]{1,20}) ?(|B|KiB|MiB|GiB|TiB))");
  std::smatch match;
  if (text == "auto") return 0;
  if (!std::regex_match(text, match, size)) return std::nullopt;
  static const std::map<std::string, int> kShift{
      {"", 0}, {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
  errno = 0;
  std::uint64_t number = std::strtoull(match[1].str().c_str(), nullptr, 10);
  int shift = kShift.at(match[2].str());
  if (errno != 0 || number == 0 || number > (UINT64_MAX >> shift)) {
    return std::nullopt;
  }
  return number << shift;
}

Result<void> parse_size(const Context& ctx, const Node& node, Fleet& fleet) {
  auto text = scalar(ctx, node, "size");
  if (!text) return std::unexpected(text.error());
  auto size = parse_size_text(*text);
  if (!size) {
    return error_at(ctx, node.Mark(),
                    "invalid size '" + *text +
                        "': expected auto, a positive number of bytes or a "
                        "size like 512MiB or 2GiB");
  }
  fleet.oemdata_size = *size;
  return {};
}

constexpr std::array<Field<Fleet>, 2> kOemdataFields{{
    {"filesystem", parse_filesystem},
    {"size", parse_size},
}};

Result<void> parse_oemdata(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  return parse_fields<Fleet>(ctx, node, "a mapping for 'oemdata'", "in oemdata",
                             kOemdataFields, fleet);
}

// ---------------------------------------------------------------------------
// asset tags and devices

constexpr std::array<std::string_view, 6> kTagGroups{
    "OWNERDATA", "USERASSETDATA",  "SUPPORTDATA",
    "LEASEDATA", "PRELOADPROFILE", "USERDEVICE"};

Result<std::map<std::string, std::string>> parse_tag_group(
    const Context& ctx, const Node& node, const std::string& group) {
  static const std::regex field("[A-Za-z0-9_.-]{1,64}");
  if (!node.IsMap()) {
    return type_error(ctx, node, "a mapping of fields for " + group);
  }
  std::map<std::string, std::string> fields;
  for (const auto& pair : node) {
    const Node& key = pair.first;
    const Node& value = pair.second;
    if (!key.IsScalar() || !std::regex_match(key.Scalar(), field)) {
      return error_at(ctx, key.Mark(),
                      "invalid asset-tag field name in " + group +
                          ": expected 1 to 64 of A-Z a-z 0-9 _ . -");
    }
    const std::string& name = key.Scalar();
    if (fields.contains(name)) {
      return error_at(ctx, key.Mark(),
                      "key '" + name + "' appears twice in " + group);
    }
    if (!value.IsScalar()) {
      return type_error(ctx, value, "a value for " + group + "." + name);
    }
    if (value.Scalar().size() > kMaxTagValueChars) {
      return error_at(ctx, value.Mark(),
                      "value of " + group + "." + name + " has " +
                          std::to_string(value.Scalar().size()) +
                          " characters; at most 256 fit");
    }
    fields.emplace(name, value.Scalar());
  }
  return fields;
}

Result<AssetTags> parse_asset_tags(const Context& ctx, const Node& node,
                                   const std::string& where) {
  auto entries = read_mapping(ctx, node, "a mapping of asset-tag groups", where,
                              kTagGroups);
  if (!entries) return std::unexpected(entries.error());
  AssetTags tags;
  for (const auto& [group, entry] : *entries) {
    auto fields = parse_tag_group(ctx, entry.value, group);
    if (!fields) return std::unexpected(fields.error());
    tags.groups[group] = std::move(*fields);
  }
  return tags;
}

Result<void> parse_fleet_tags(const Context& ctx, const Node& node,
                              Draft& draft) {
  auto tags = parse_asset_tags(ctx, node, "in asset_tags");
  if (!tags) return std::unexpected(tags.error());
  draft.fleet_tags = std::move(*tags);
  return {};
}

// A device while it is read, with the marks later checks point at.
struct DeviceEntry {
  Device device;
  YAML::Mark mark, serial_mark, hostname_mark;
  bool hostname_given = false;
  const AssetTags* fleet_tags = nullptr;
};

std::optional<std::string> hostname_problem(const std::string& name) {
  static const std::regex label(
      R"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)");
  if (name.size() > 63) return "longer than 63 characters";
  if (!std::regex_match(name, label)) {
    return "expected letters, digits and inner hyphens (an RFC 1123 label)";
  }
  return std::nullopt;
}

Result<void> parse_serial(const Context& ctx, const Node& node,
                          DeviceEntry& entry) {
  static const std::regex serial("[A-Za-z0-9._-]{1,64}");
  entry.serial_mark = node.Mark();
  return read_checked(ctx, node, "serial", serial,
                      "expected 1 to 64 of A-Z a-z 0-9 . _ -",
                      entry.device.serial);
}

Result<void> parse_hostname(const Context& ctx, const Node& node,
                            DeviceEntry& entry) {
  auto text = scalar(ctx, node, "hostname");
  if (!text) return std::unexpected(text.error());
  if (auto problem = hostname_problem(*text)) {
    return error_at(ctx, node.Mark(),
                    "invalid hostname '" + *text + "': " + *problem);
  }
  entry.device.hostname = *text;
  entry.hostname_mark = node.Mark();
  entry.hostname_given = true;
  return {};
}

Result<void> parse_ring(const Context& ctx, const Node& node,
                        DeviceEntry& entry) {
  static const std::regex ring("[a-z0-9-]{1,63}");
  return read_checked(ctx, node, "ring", ring,
                      "expected lower-case letters, digits and -",
                      entry.device.ring);
}

Result<void> parse_device_tags(const Context& ctx, const Node& node,
                               DeviceEntry& entry) {
  auto tags = parse_asset_tags(ctx, node, "in asset_tags");
  if (!tags) return std::unexpected(tags.error());
  entry.device.asset_tags = *entry.fleet_tags;
  for (auto& [group, fields] : tags->groups) {
    for (auto& [name, value] : fields) {
      entry.device.asset_tags.groups[group][name] = value;
    }
  }
  return {};
}

constexpr std::array<Field<DeviceEntry>, 4> kDeviceFields{{
    {"serial", parse_serial, true},
    {"hostname", parse_hostname},
    {"ring", parse_ring},
    {"asset_tags", parse_device_tags},
}};

// Fills the hostname from the pattern and checks the tags fit the variable.
Result<void> finish_device(const Context& ctx, const CloudInit& ci,
                           DeviceEntry& entry) {
  Device& device = entry.device;
  if (!entry.hostname_given) {
    if (ci.hostname_pattern.empty()) {
      return error_at(ctx, entry.mark,
                      "missing required key 'hostname' in device (or set "
                      "cloud_init.hostname_pattern)");
    }
    auto name = expand_hostname_pattern(ci.hostname_pattern, device.serial,
                                        device.ring);
    if (!name) return error_at(ctx, entry.mark, name.error().message);
    if (auto problem = hostname_problem(*name)) {
      return error_at(ctx, entry.mark,
                      "invalid hostname '" + *name +
                          "' from hostname_pattern"
                          " '" +
                          ci.hostname_pattern + "': " + *problem);
    }
    device.hostname = *name;
    entry.hostname_mark = entry.mark;
  }
  std::size_t bytes = nlohmann::json(device.asset_tags.groups).dump().size();
  if (bytes > kMaxTagGroupsJsonBytes) {
    return error_at(ctx, entry.mark,
                    "asset tags of serial '" + device.serial + "' take " +
                        std::to_string(bytes) + " bytes as JSON; at most " +
                        std::to_string(kMaxTagGroupsJsonBytes) + " fit");
  }
  return {};
}

Result<DeviceEntry> parse_device(const Context& ctx, const Node& node,
                                 const Fleet& fleet,
                                 const AssetTags& fleet_tags) {
  DeviceEntry entry{.device = Device{.ring = "default",
                                     .asset_tags = fleet_tags,
                                     .line = node.Mark().line + 1},
                    .mark = node.Mark(),
                    .fleet_tags = &fleet_tags};
  if (auto r = parse_fields<DeviceEntry>(ctx, node, "a mapping for a device",
                                         "in device", kDeviceFields, entry);
      !r) {
    return std::unexpected(r.error());
  }
  if (auto r = finish_device(ctx, fleet.cloud_init, entry); !r) {
    return std::unexpected(r.error());
  }
  return entry;
}

// Serials name files on OEMDATA (possibly vfat) and hostnames meet in DNS:
// both must be unique ignoring case.
class UniqueNames {
 public:
  // The earlier line that used name, or 0 after recording it.
  int add(const std::string& name, int line) {
    auto [it, inserted] = lines_.emplace(lower(name), line);
    return inserted ? 0 : it->second;
  }

 private:
  std::map<std::string, int> lines_;
};

Result<void> parse_devices(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  auto items = sequence(ctx, node, "a list of devices");
  if (!items) return std::unexpected(items.error());
  UniqueNames serials, hostnames;
  for (const Node& item : *items) {
    auto entry = parse_device(ctx, item, fleet, draft.fleet_tags);
    if (!entry) return std::unexpected(entry.error());
    const Device& device = entry->device;
    if (int first = serials.add(device.serial, device.line)) {
      return error_at(ctx, entry->serial_mark,
                      "serial '" + device.serial +
                          "' is listed twice (first at line " +
                          std::to_string(first) + ")");
    }
    if (int first = hostnames.add(device.hostname, device.line)) {
      return error_at(ctx, entry->hostname_mark,
                      "hostname '" + device.hostname +
                          "' is used twice (first at line " +
                          std::to_string(first) + ")");
    }
    fleet.devices.push_back(device);
  }
  return {};
}

// ---------------------------------------------------------------------------
// The top level

Result<void> parse_name(const Context& ctx, const Node& node, Draft& draft) {
  Fleet& fleet = draft.fleet;
  static const std::regex name(R"([a-z0-9]([a-z0-9-]{0,62}))");
  return read_checked(ctx, node, "fleet name", name,
                      "expected 1 to 63 of a-z 0-9 - (not starting with -)",
                      fleet.name);
}

Result<void> parse_base_image(const Context& ctx, const Node& node,
                              Draft& draft) {
  Fleet& fleet = draft.fleet;
  return read_optional_path(ctx, node, "base_image", fleet.base_image);
}

// "auto", "none" or the path of a sparkforge-tools .deb.
Result<void> parse_tools_package(const Context& ctx, const Node& node,
                                 Draft& draft) {
  Fleet& fleet = draft.fleet;
  if (node.IsScalar() && (node.Scalar() == "auto" || node.Scalar() == "none")) {
    fleet.tools_package =
        node.Scalar() == "auto" ? ToolsPackage::automatic : ToolsPackage::none;
    return {};
  }
  fleet.tools_package = ToolsPackage::file;
  return read_optional_path(ctx, node, "tools_package",
                            fleet.tools_package_file);
}

// Devices come last: they use cloud_init.hostname_pattern and asset_tags.
constexpr std::array<Field<Draft>, 12> kTopFields{{
    {"fleet", parse_name, true},
    {"base_image", parse_base_image},
    {"signing_key", parse_signing_key},
    {"cloud_init", parse_cloud_init, true},
    {"apt", parse_apt},
    {"lvfs", parse_lvfs},
    {"debs", parse_debs},
    {"firmware", parse_firmware},
    {"oemdata", parse_oemdata},
    {"tools_package", parse_tools_package},
    {"asset_tags", parse_fleet_tags},
    {"devices", parse_devices},
}};

Result<Fleet> parse_document(const Context& ctx, const Node& root) {
  Draft draft;
  if (auto r = parse_fields<Draft>(ctx, root, "a mapping of fleet settings",
                                   "at the top level", kTopFields, draft);
      !r) {
    return std::unexpected(r.error());
  }
  return std::move(draft.fleet);
}

fs::path absolute_or_same(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  return ec ? path : absolute.lexically_normal();
}

}  // namespace

Result<std::string> expand_hostname_pattern(std::string_view pattern,
                                            std::string_view serial,
                                            std::string_view ring) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') {
      out += pattern[i];
      continue;
    }
    std::size_t end = pattern.find('}', i);
    if (end == std::string_view::npos) {
      return fail(ExitCode::invalid_args, "unclosed '{' in hostname_pattern '" +
                                              std::string(pattern) + "'");
    }
    std::string_view name = pattern.substr(i + 1, end - i - 1);
    if (name == "serial") {
      out += serial;
    } else if (name == "serial_lower") {
      out += lower(serial);
    } else if (name == "ring") {
      out += ring;
    } else {
      return fail(ExitCode::invalid_args,
                  "unknown placeholder '{" + std::string(name) +
                      "}' in hostname_pattern; use {serial}, {serial_lower} "
                      "or {ring}");
    }
    i = end;
  }
  return out;
}

Result<Fleet> parse_fleet(std::string_view yaml_text,
                          const fs::path& path_for_messages) {
  fs::path fleet_file = absolute_or_same(path_for_messages);
  Context ctx{path_for_messages.string(), fleet_file.parent_path()};
  try {
    std::vector<Node> documents = YAML::LoadAll(std::string(yaml_text));
    if (documents.size() > 1) {
      return error_at(ctx, documents[1].Mark(),
                      "expected one YAML document, found " +
                          std::to_string(documents.size()));
    }
    Node root = documents.empty() ? Node() : documents.front();
    auto fleet = parse_document(ctx, root);
    if (fleet) fleet->fleet_file = fleet_file;
    return fleet;
  } catch (const YAML::Exception& e) {
    return error_at(ctx, e.mark, "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return fail(ExitCode::invalid_args,
                ctx.file + ": reading fleet file: " + e.what());
  }
}

Result<Fleet> load_fleet(const fs::path& path) {
  auto text = read_file(path, kMaxFleetFileBytes);
  if (!text) {
    // read_file's message already says "reading PATH".
    return std::unexpected(text.error().with_context("fleet file"));
  }
  return parse_fleet(*text, path);
}

}  // namespace sf::builder
