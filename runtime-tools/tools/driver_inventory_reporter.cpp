// SPDX-License-Identifier: Apache-2.0
// driver_inventory_reporter: the kernel modules this machine has loaded,
// where each came from, and the drivers that matter on a DGX called out.
#include "runtime-tools/tools/driver_inventory_reporter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>

namespace sf::rt {
namespace {

using nlohmann::json;

template <typename T>
std::optional<T> to_number(std::string_view text) {
  T value{};
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in{std::string(text)};
  while (std::getline(in, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

bool is_module_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                  c == '-';
         });
}

// "(OE)" -> "OE"; nullopt for anything that is not a bracketed word of
// capital letters.
std::optional<std::string> taint_letters(std::string_view word) {
  if (word.size() < 3 || word.front() != '(' || word.back() != ')') {
    return std::nullopt;
  }
  auto letters = std::string(word.substr(1, word.size() - 2));
  bool upper = std::all_of(letters.begin(), letters.end(),
                           [](char c) { return c >= 'A' && c <= 'Z'; });
  return upper ? std::optional(letters) : std::nullopt;
}

std::optional<LoadedModule> parse_line(std::string_view line) {
  auto f = words(line);
  if (f.size() != 6 && f.size() != 7) return std::nullopt;
  auto size = to_number<std::uint64_t>(f[1]);
  auto refcount = to_number<int>(f[2]);
  if (!is_module_name(f[0]) || !size || (!refcount && f[2] != "-")) {
    return std::nullopt;
  }
  LoadedModule module{.name = f[0], .size = *size, .refcount = refcount};
  for (auto& user : split(f[3] == "-" ? "" : f[3], ',')) {
    if (user == "[permanent]") {
      module.permanent = true;
    } else {
      module.used_by.push_back(user);
    }
  }
  module.state = f[4];
  std::transform(
      module.state.begin(), module.state.end(), module.state.begin(),
      [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (f.size() == 7) {
    auto letters = taint_letters(f[6]);
    if (!letters) return std::nullopt;
    module.taint = *letters;
  }
  return module;
}

// Module names use '_' where file and driver names may use '-'
// (nvidia-uvm.ko is the module nvidia_uvm).
std::string module_name(std::string text) {
  std::replace(text.begin(), text.end(), '-', '_');
  return text;
}

// "nvidia.ko", "nvidia-uvm.ko.zst" -> "nvidia", "nvidia_uvm".
std::string module_of_file(const std::string& file) {
  auto dot = file.find(".ko");
  return dot == std::string::npos ? std::string()
                                  : module_name(file.substr(0, dot));
}

struct DkmsModule {
  std::string package;
  std::string version;
};

// The modules DKMS built for a kernel:
// /var/lib/dkms/<package>/<version>/<kernel>/<arch>/module/<name>.ko*.
std::map<std::string, DkmsModule> dkms_modules(const Host& host,
                                               const std::string& kernel) {
  std::map<std::string, DkmsModule> found;
  if (kernel.empty()) return found;
  for (const auto& package : host.list("/var/lib/dkms")) {
    auto package_dir = "/var/lib/dkms/" + package;
    for (const auto& version : host.list(package_dir)) {
      auto kernel_dir = package_dir + "/" + version + "/" + kernel;
      for (const auto& arch : host.list(kernel_dir)) {
        for (const auto& file :
             host.list(kernel_dir + "/" + arch + "/module")) {
          auto name = module_of_file(file);
          if (!name.empty()) found[name] = {package, version};
        }
      }
    }
  }
  return found;
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json module_json(const Host& host, const LoadedModule& module,
                 const std::map<std::string, DkmsModule>& dkms) {
  auto sys = "/sys/module/" + module.name;
  auto taint = module.taint;
  if (taint.empty()) taint = host.read_trimmed(sys + "/taint");
  auto built = dkms.find(module.name);
  bool by_dkms = built != dkms.end();
  return {
      {"name", module.name},
      {"size", module.size},
      {"refcount", module.refcount ? json(*module.refcount) : json(nullptr)},
      {"used_by", module.used_by},
      {"permanent", module.permanent},
      {"state", module.state},
      {"taint", taint},
      {"version", text_or_null(host.read_trimmed(sys + "/version"))},
      {"srcversion", text_or_null(host.read_trimmed(sys + "/srcversion"))},
      {"source", module_source(taint, by_dkms)},
      {"dkms", by_dkms ? json{{"package", built->second.package},
                              {"version", built->second.version}}
                       : json(nullptr)}};
}

// A module's entry in highlights: what identifies the driver build.
json summary(const json& module) {
  return {{"name", module["name"]},
          {"version", module["version"]},
          {"srcversion", module["srcversion"]},
          {"source", module["source"]}};
}

const json* find_module(const json& modules, const std::string& name) {
  for (const auto& module : modules) {
    if (module["name"] == name) return &module;
  }
  return nullptr;
}

// A group of modules called out: those loaded, those not, and the first
// version among them (for NVIDIA, the driver version).
json group(const json& modules, std::initializer_list<const char*> names) {
  json loaded = json::array();
  json missing = json::array();
  json version = nullptr;
  for (const char* name : names) {
    const auto* module = find_module(modules, name);
    if (!module) {
      missing.push_back(name);
      continue;
    }
    loaded.push_back(summary(*module));
    if (version.is_null()) version = (*module)["version"];
  }
  return {{"version", version}, {"loaded", loaded}, {"not_loaded", missing}};
}

// Each physical interface's driver: the basename of its device/driver
// link, and the module that provides it (null for a built-in driver).
json network_drivers(const Host& host, const json& modules) {
  json out = json::array();
  for (const auto& name : host.list("/sys/class/net")) {
    auto base = "/sys/class/net/" + name;
    if (!host.exists(base + "/device")) continue;
    auto link = host.link_target(base + "/device/driver");
    auto driver = link.empty()
                      ? std::string()
                      : std::filesystem::path(link).filename().string();
    const json* module = modules.is_array()
                             ? find_module(modules, module_name(driver))
                             : nullptr;
    out.push_back({{"interface", name},
                   {"driver", text_or_null(driver)},
                   {"module", module ? summary(*module) : json(nullptr)}});
  }
  return out;
}

json highlights(const Host& host, const json& modules) {
  json out = {{"network", network_drivers(host, modules)}};
  if (!modules.is_array()) {
    out["nvidia"] = out["mlx5"] = out["nvme"] = nullptr;
    return out;
  }
  out["nvidia"] = group(modules, {"nvidia", "nvidia_uvm", "nvidia_drm",
                                  "nvidia_modeset", "nvidia_peermem"});
  out["mlx5"] = group(modules, {"mlx5_core", "mlx5_ib"});
  out["nvme"] = group(modules, {"nvme", "nvme_core"});
  return out;
}

json kernel_taint(Context& ctx) {
  auto text = ctx.host.read_trimmed("/proc/sys/kernel/tainted");
  auto value = to_number<std::uint64_t>(text);
  if (!value) {
    ctx.envelope.warn(kPartialData, "the kernel taint was not read",
                      "/proc/sys/kernel/tainted is missing or not a number");
    return {{"value", nullptr}, {"letters", nullptr}, {"flags", nullptr}};
  }
  std::string letters;
  json flags = json::array();
  for (const auto& flag : decode_taint(*value)) {
    letters += flag.letter;
    flags.push_back({{"bit", flag.bit},
                     {"letter", std::string(1, flag.letter)},
                     {"meaning", flag.meaning}});
  }
  return {{"value", *value}, {"letters", letters}, {"flags", flags}};
}

json loaded_modules(Context& ctx, const std::string& kernel) {
  auto text = ctx.host.read("/proc/modules");
  if (!text) {
    ctx.envelope.warn(kPartialData, "the loaded modules were not read",
                      "/proc/modules is missing");
    return nullptr;
  }
  auto parsed = parse_proc_modules(*text);
  if (parsed.skipped_lines > 0) {
    ctx.envelope.warn(kPartialData, "some lines of /proc/modules were skipped",
                      std::to_string(parsed.skipped_lines) +
                          " lines do not have the shape of a module");
  }
  auto dkms = dkms_modules(ctx.host, kernel);
  json list = json::array();
  for (const auto& module : parsed.modules) {
    list.push_back(module_json(ctx.host, module, dkms));
  }
  return list;
}

}  // namespace

ProcModules parse_proc_modules(std::string_view text) {
  ProcModules out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (words(line).empty()) continue;
    if (auto module = parse_line(line)) {
      out.modules.push_back(std::move(*module));
    } else {
      ++out.skipped_lines;
    }
  }
  return out;
}

std::vector<TaintFlag> decode_taint(std::uint64_t value) {
  struct Known {
    char letter;
    const char* meaning;
  };
  static const std::array<Known, 20> kFlags = {{
      {'P', "proprietary module loaded"},
      {'F', "module force loaded"},
      {'S', "kernel running on an out-of-specification system"},
      {'R', "module force unloaded"},
      {'M', "processor reported a machine check exception"},
      {'B', "bad page referenced or unexpected page flags"},
      {'U', "taint requested by user space"},
      {'D', "kernel died recently (oops or BUG)"},
      {'A', "ACPI table overridden by user"},
      {'W', "kernel issued a warning"},
      {'C', "staging driver loaded"},
      {'I', "workaround for a platform firmware bug applied"},
      {'O', "externally-built (out-of-tree) module loaded"},
      {'E', "unsigned module loaded"},
      {'L', "soft lockup occurred"},
      {'K', "kernel live patched"},
      {'X', "auxiliary taint (distribution-defined)"},
      {'T', "kernel built with the struct randomization plugin"},
      {'N', "an in-kernel test has been run"},
      {'J', "user space used a mutating debug operation in fwctl"},
  }};
  std::vector<TaintFlag> flags;
  for (int bit = 0; bit < 64; ++bit) {
    if ((value >> bit & 1u) == 0) continue;
    if (bit < static_cast<int>(kFlags.size())) {
      const auto& known = kFlags[static_cast<std::size_t>(bit)];
      flags.push_back({bit, known.letter, known.meaning});
    } else {
      flags.push_back({bit, '?', "unknown taint bit"});
    }
  }
  return flags;
}

std::string module_source(std::string_view taint, bool dkms) {
  if (taint.find('P') != std::string_view::npos) return "proprietary";
  if (dkms) return "dkms";
  if (taint.find('O') != std::string_view::npos) return "out-of-tree";
  return "in-tree";
}

Result<json> collect_driver_inventory(Context& ctx) {
  auto kernel = ctx.host.read_trimmed("/proc/sys/kernel/osrelease");
  json data = json::object();
  data["kernel"] = {{"release", text_or_null(kernel)},
                    {"tainted", kernel_taint(ctx)}};
  data["modules"] = loaded_modules(ctx, kernel);
  data["module_count"] =
      data["modules"].is_array() ? json(data["modules"].size()) : json(nullptr);
  data["highlights"] = highlights(ctx.host, data["modules"]);
  return data;
}

ToolSpec driver_inventory_reporter_spec() {
  return {.name = "driver_inventory_reporter",
          .area = "inventory",
          .description =
              "Loaded kernel modules with versions and sources; "
              "NVIDIA, mlx5, NVMe and network drivers called out",
          .add_options = nullptr,
          .collect = collect_driver_inventory};
}

}  // namespace sf::rt
