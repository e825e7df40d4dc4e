// SPDX-License-Identifier: Apache-2.0
// Renders the NoCloud seed files deterministically with yaml-cpp's emitter.
#include "builder/seed.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "core/atomic_file.hpp"

namespace sf::builder {

// Defined in the source CMake generates from builder/firstboot.sh.
std::string_view firstboot_script_text();

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kMaxVendorDataBytes = 1u << 20;
constexpr std::size_t kMaxInstanceIdChars = 128;

// Strings a YAML 1.1 reader (cloud-init's PyYAML, netplan) would take for a
// number, boolean or null unless quoted.
bool needs_quotes(const std::string& text) {
  static constexpr std::array<std::string_view, 14> kWords{
      "y",   "n",    "yes", "no",   "true",  "false", "on",
      "off", "null", "~",   ".inf", "-.inf", "+.inf", ".nan"};
  if (text.empty()) return true;
  auto digit = [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  };
  if (digit(text[0])) return true;
  if (text.size() > 1 && (text[0] == '-' || text[0] == '+' || text[0] == '.') &&
      (digit(text[1]) || text[1] == '.')) {
    return true;
  }
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return std::find(kWords.begin(), kWords.end(), lowered) != kWords.end();
}

void emit_string(YAML::Emitter& out, const std::string& text) {
  if (text.find('\n') != std::string::npos) {
    out << YAML::Literal << text;
  } else if (needs_quotes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

// Emits JSON as block YAML, keys in the JSON's own order.
template <typename Json>
void emit_json(YAML::Emitter& out, const Json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit_json(out, item);
      }
      out << YAML::EndMap;
      return;
    case Type::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit_json(out, item);
      out << YAML::EndSeq;
      return;
    case Type::string:
      emit_string(out, value.template get<std::string>());
      return;
    case Type::boolean: out << value.template get<bool>(); return;
    case Type::number_integer:
      out << value.template get<std::int64_t>();
      return;
    case Type::number_unsigned:
      out << value.template get<std::uint64_t>();
      return;
    case Type::number_float: out << value.template get<double>(); return;
    default: out << YAML::Null; return;
  }
}

template <typename Json>
std::string to_yaml(const Json& value) {
  YAML::Emitter out;
  out.SetBoolFormat(YAML::TrueFalseBool);
  emit_json(out, value);
  std::string text = out.c_str();
  if (!text.ends_with('\n')) text += '\n';
  return text;
}

OrderedJson admin_user(const CloudInit& ci) {
  OrderedJson user;
  user["name"] = ci.admin_user;
  user["groups"] = OrderedJson::array({"sudo"});
  user["shell"] = "/bin/bash";
  // No password exists, so sudo without one is the only way to root.
  user["lock_passwd"] = true;
  user["sudo"] = "ALL=(ALL) NOPASSWD:ALL";
  user["ssh_authorized_keys"] = ci.ssh_authorized_keys;
  return user;
}

std::string render_user_data(const CloudInit& ci) {
  OrderedJson doc;
  doc["users"] = OrderedJson::array({admin_user(ci)});
  doc["ssh_pwauth"] = false;
  doc["disable_root"] = true;
  // The provisioning hook sets the hostname from the device's serial.
  doc["preserve_hostname"] = false;
  if (!ci.manage_locale) {
    // cloud-init 22.4's schema wants a string; cc_locale skips "false".
    doc["locale"] = "false";
  } else if (!ci.locale.empty()) {
    doc["locale"] = ci.locale;
  }
  if (!ci.timezone.empty()) doc["timezone"] = ci.timezone;
  if (!ci.ntp_servers.empty()) {
    doc["ntp"] = {{"enabled", true}, {"servers", ci.ntp_servers}};
  }
  OrderedJson command =
      OrderedJson::array({"sh", "-c", std::string(firstboot_script())});
  doc["runcmd"] = OrderedJson::array({command});
  return "#cloud-config\n" + to_yaml(doc);
}

std::string render_network_config(const nlohmann::json& network) {
  OrderedJson doc;
  doc["version"] = 2;
  if (network.is_null()) {
    doc["ethernets"]["all-en"] = {{"match", {{"name", "en*"}}},
                                  {"dhcp4", true}};
    return to_yaml(doc);
  }
  for (const auto& [key, value] : network.items()) {
    if (key != "version") doc[key] = OrderedJson::parse(value.dump());
  }
  return to_yaml(doc);
}

Result<std::string> render_meta_data(std::string_view instance_id) {
  bool printable = std::all_of(instance_id.begin(), instance_id.end(),
                               [](unsigned char c) { return c >= 0x20; });
  if (instance_id.empty() || instance_id.size() > kMaxInstanceIdChars ||
      !printable) {
    return fail(ExitCode::invalid_args,
                "rendering meta-data: invalid instance-id '" +
                    std::string(instance_id) +
                    "': expected 1 to 128 printable characters");
  }
  OrderedJson doc;
  doc["instance-id"] = std::string(instance_id);
  return to_yaml(doc);
}

// ":LINE:COL" of a mark, 1-based; ":1:1" when yaml-cpp has none.
std::string position(const YAML::Mark& mark) {
  return ":" + std::to_string(mark.line >= 0 ? mark.line + 1 : 1) + ":" +
         std::to_string(mark.column >= 0 ? mark.column + 1 : 1);
}

// The vendor-data file, which must be a #cloud-config YAML mapping.
Result<std::string> read_vendor_data(const std::filesystem::path& path) {
  auto text = read_file(path, kMaxVendorDataBytes);
  if (!text) {
    return std::unexpected(
        text.error().with_context("reading vendor_data " + path.string()));
  }
  if (!text->starts_with("#cloud-config\n") &&
      !text->starts_with("#cloud-config\r\n")) {
    return fail(ExitCode::invalid_args,
                path.string() +
                    ":1:1: vendor_data must start with a "
                    "#cloud-config line");
  }
  try {
    YAML::Node doc = YAML::Load(*text);
    if (!doc.IsMap() && !doc.IsNull()) {
      return fail(ExitCode::invalid_args,
                  path.string() + position(doc.Mark()) +
                      ": expected a mapping of cloud-config settings");
    }
  } catch (const YAML::Exception& e) {
    return fail(ExitCode::invalid_args,
                path.string() + position(e.mark) + ": invalid YAML: " + e.msg);
  }
  return text;
}

}  // namespace

std::string_view firstboot_script() { return firstboot_script_text(); }

Result<Seed> render_seed(const Fleet& fleet, std::string_view instance_id) {
  try {
    auto meta_data = render_meta_data(instance_id);
    if (!meta_data) return std::unexpected(meta_data.error());
    Seed seed{
        .user_data = render_user_data(fleet.cloud_init),
        .meta_data = *meta_data,
        .network_config = render_network_config(fleet.cloud_init.network)};
    if (fleet.cloud_init.vendor_data) {
      auto vendor = read_vendor_data(*fleet.cloud_init.vendor_data);
      if (!vendor) return std::unexpected(vendor.error());
      seed.vendor_data = std::move(*vendor);
    }
    return seed;
  } catch (const std::exception& e) {
    return fail(std::string("rendering cloud-init seed: ") + e.what());
  }
}

}  // namespace sf::builder
