// SPDX-License-Identifier: Apache-2.0
// hardware_config: what this machine is built from (CPU core types, memory,
// GPUs, NVMe drives, network interfaces, PCIe devices and their links).
#include "runtime-tools/tools/hardware_config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <set>
#include <sstream>

namespace sf::rt {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view text) {
  auto junk = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '\0';
  };
  while (!text.empty() && junk(text.front())) text.remove_prefix(1);
  while (!text.empty() && junk(text.back())) text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// A whole-string integer in the given base; "0x" is accepted for base 16.
template <typename T>
std::optional<T> to_number(std::string_view text, int base = 10) {
  text = trim(text);
  if (base == 16 && (text.starts_with("0x") || text.starts_with("0X"))) {
    text.remove_prefix(2);
  }
  T value{};
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

template <typename T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json or_null(const std::string& value) {
  return value.empty() ? json(nullptr) : json(value);
}

std::string hex(unsigned value, int digits) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "0x%0*x", digits, value);
  return buffer.data();
}

// The last component of a link target ("../../bus/pci/drivers/nvme" ->
// "nvme"), or empty.
std::string link_name(const Host& host, const std::string& path) {
  auto target = host.link_target(path);
  return std::filesystem::path(target).filename().string();
}

// "0000:01:00.0", "000f:01:00.0": a PCI address as sysfs names devices.
bool is_pci_address(std::string_view text) {
  static constexpr std::string_view kShape = "xxxx:xx:xx.x";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool digit = std::isxdigit(static_cast<unsigned char>(text[i])) != 0;
    if (kShape[i] == 'x' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

// "0-4,10-14" for {0,1,2,3,4,10,11,12,13,14}, as the kernel writes lists.
std::string cpu_ranges(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

// What could not be read, reported once as W_PARTIAL_DATA at the end.
class Gaps {
 public:
  void add(std::string what) { missing_.push_back(std::move(what)); }
  void report(Envelope& envelope) const {
    if (missing_.empty()) return;
    std::string detail;
    for (const auto& item : missing_) {
      detail += (detail.empty() ? "" : "; ") + item;
    }
    envelope.warn(kPartialData, "some hardware facts could not be read",
                  detail);
  }

 private:
  std::vector<std::string> missing_;
};

// ---- CPU ------------------------------------------------------------------

constexpr const char* kCpuDir = "/sys/devices/system/cpu";

// The CPU numbers sysfs lists (cpu0, cpu1, ...), ascending.
std::vector<int> cpu_numbers(const Host& host) {
  std::vector<int> cpus;
  for (const auto& name : host.list(kCpuDir)) {
    if (!name.starts_with("cpu")) continue;
    if (auto n = to_number<int>(std::string_view(name).substr(3))) {
      cpus.push_back(*n);
    }
  }
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

std::string cpu_path(int cpu, std::string_view leaf) {
  return std::string(kCpuDir) + "/cpu" + std::to_string(cpu) + "/" +
         std::string(leaf);
}

// One kind of core and the CPUs that are of that kind.
struct CoreType {
  std::optional<unsigned> implementer;
  std::optional<unsigned> part;
  std::string name;
  std::vector<int> cpus;
};

using CoreTypes = std::vector<CoreType>;

CoreType& core_type(CoreTypes& types, std::optional<unsigned> implementer,
                    std::optional<unsigned> part, const std::string& name) {
  for (auto& type : types) {
    if (type.implementer == implementer && type.part == part &&
        type.name == name) {
      return type;
    }
  }
  return types.emplace_back(CoreType{implementer, part, name, {}});
}

std::string core_name(unsigned implementer, unsigned part) {
  auto name = arm_core_name(implementer, part);
  return name.empty()
             ? "unknown core " + hex(implementer, 2) + "/" + hex(part, 3)
             : name;
}

// Core types from each CPU's MIDR_EL1 (arm64 kernels since 4.8 expose it,
// readable without root). Empty when none is readable.
CoreTypes core_types_from_midr(const Host& host, const std::vector<int>& cpus) {
  CoreTypes types;
  for (int cpu : cpus) {
    auto text =
        host.read_trimmed(cpu_path(cpu, "regs/identification/midr_el1"));
    auto midr = parse_midr(text);
    if (!midr) continue;
    core_type(types, midr->implementer, midr->part,
              core_name(midr->implementer, midr->part))
        .cpus.push_back(cpu);
  }
  return types;
}

// Core types from /proc/cpuinfo: "CPU implementer"/"CPU part" on arm64,
// "model name" on x86.
CoreTypes core_types_from_cpuinfo(const std::vector<CpuinfoBlock>& blocks) {
  CoreTypes types;
  for (const auto& block : blocks) {
    auto cpu = block.contains("processor")
                   ? to_number<int>(block.at("processor"))
                   : std::nullopt;
    if (!cpu) continue;
    if (block.contains("CPU implementer") && block.contains("CPU part")) {
      auto implementer = to_number<unsigned>(block.at("CPU implementer"), 16);
      auto part = to_number<unsigned>(block.at("CPU part"), 16);
      if (!implementer || !part) continue;
      core_type(types, implementer, part, core_name(*implementer, *part))
          .cpus.push_back(*cpu);
    } else if (block.contains("model name")) {
      core_type(types, std::nullopt, std::nullopt, block.at("model name"))
          .cpus.push_back(*cpu);
    }
  }
  return types;
}

// The highest cpufreq maximum among the CPUs, in MHz.
std::optional<std::int64_t> max_mhz(const Host& host,
                                    const std::vector<int>& cpus) {
  std::optional<std::int64_t> best;
  for (int cpu : cpus) {
    auto khz = to_number<std::int64_t>(
        host.read_trimmed(cpu_path(cpu, "cpufreq/cpuinfo_max_freq")));
    if (khz && (!best || *khz / 1000 > *best)) best = *khz / 1000;
  }
  return best;
}

json core_types_json(const Host& host, CoreTypes types) {
  for (auto& type : types) std::sort(type.cpus.begin(), type.cpus.end());
  std::sort(types.begin(), types.end(), [](const auto& a, const auto& b) {
    return a.cpus.front() < b.cpus.front();
  });
  json list = json::array();
  for (const auto& type : types) {
    json implementer = nullptr;
    if (type.implementer) {
      implementer = {
          {"id", hex(*type.implementer, 2)},
          {"name", or_null(cpu_implementer_name(*type.implementer))}};
    }
    list.push_back(
        {{"name", type.name},
         {"implementer", implementer},
         {"part", type.part ? json(hex(*type.part, 3)) : json(nullptr)},
         {"count", type.cpus.size()},
         {"cpus", cpu_ranges(type.cpus)},
         {"max_mhz", or_null(max_mhz(host, type.cpus))}});
  }
  return list;
}

// Sockets, cores and threads from x86 cpuinfo ("physical id", "core id");
// nulls where the fields are absent, as on arm64.
void x86_topology(const std::vector<CpuinfoBlock>& blocks, json& cpu) {
  std::set<std::string> sockets;
  std::set<std::pair<std::string, std::string>> cores;
  for (const auto& block : blocks) {
    if (!block.contains("physical id") || !block.contains("core id")) continue;
    sockets.insert(block.at("physical id"));
    cores.insert({block.at("physical id"), block.at("core id")});
  }
  if (sockets.empty()) return;
  cpu["sockets"] = sockets.size();
  cpu["cores"] = cores.size();
  cpu["threads"] = blocks.size();
}

// The number of physical packages sysfs names, when it names any; arm64
// cpuinfo has no "physical id". GB10 is one package.
std::optional<std::size_t> packages(const Host& host,
                                    const std::vector<int>& cpus) {
  std::set<std::string> ids;
  for (int cpu : cpus) {
    auto id = host.read_trimmed(cpu_path(cpu, "topology/physical_package_id"));
    if (!id.empty()) ids.insert(id);
  }
  return ids.empty() ? std::nullopt : std::optional(ids.size());
}

std::string architecture(const std::vector<CpuinfoBlock>& blocks,
                         bool have_midr) {
  if (have_midr) return "arm64";
  for (const auto& block : blocks) {
    if (block.contains("CPU implementer")) return "arm64";
    if (block.contains("vendor_id")) return "x86_64";
  }
  return {};
}

json cpu_section(const Host& host, Gaps& gaps) {
  auto cpus = cpu_numbers(host);
  auto text = host.read("/proc/cpuinfo");
  if (!text) gaps.add("/proc/cpuinfo is missing");
  auto blocks = parse_cpuinfo(text.value_or(""));

  auto types = core_types_from_midr(host, cpus);
  bool from_midr = !types.empty();
  if (!from_midr) types = core_types_from_cpuinfo(blocks);
  std::size_t logical = 0;
  for (const auto& type : types) logical += type.cpus.size();
  if (types.empty()) gaps.add("no CPU core type found");

  json cpu = {{"architecture", or_null(architecture(blocks, from_midr))},
              {"model", nullptr},
              {"logical_cpus", logical},
              {"sockets", nullptr},
              {"cores", nullptr},
              {"threads", nullptr},
              {"core_types", core_types_json(host, types)},
              {"core_type_source", from_midr ? "midr_el1" : "cpuinfo"}};
  if (!blocks.empty() && blocks.front().contains("model name")) {
    cpu["model"] = blocks.front().at("model name");
  }
  // arm64 cores here (Cortex-X/A, Neoverse) run one thread each.
  if (cpu["architecture"] == "arm64") {
    cpu["cores"] = cpu["threads"] = logical;
    cpu["sockets"] = or_null(packages(host, cpus));
  }
  x86_topology(blocks, cpu);
  return cpu;
}

// ---- memory ---------------------------------------------------------------

json memory_section(const Host& host, Gaps& gaps) {
  auto text = host.read("/proc/meminfo");
  if (!text) gaps.add("/proc/meminfo is missing");
  auto info = parse_meminfo(text.value_or(""));
  auto field = [&info](const char* key) {
    return info.contains(key) ? json(info.at(key)) : json(nullptr);
  };
  if (text && !info.contains("MemTotal")) gaps.add("MemTotal is missing");
  return {{"total_bytes", field("MemTotal")},
          {"available_bytes", field("MemAvailable")},
          {"free_bytes", field("MemFree")},
          {"swap_total_bytes", field("SwapTotal")},
          {"swap_free_bytes", field("SwapFree")}};
}

// ---- GPU ------------------------------------------------------------------

// Asks nvidia-smi under the host's timeout. nvidia-smi is known to hang
// after some GPU faults (Xid 79, a fallen-off bus), so this never waits
// longer than --timeout-sec; a machine without it simply has no NVIDIA GPU.
json gpu_section(Context& ctx, Gaps& gaps) {
  json section = {{"gpus", json::array()},
                  {"probe", {{"status", "answered"}, {"detail", ""}}}};
  auto& probe = section["probe"];
  auto ran =
      ctx.host.run({"nvidia-smi", std::string("--query-gpu=") + kGpuQueryFields,
                    "--format=csv,noheader,nounits"},
                   std::nullopt, 1u << 20);
  if (!ran && ran.error().code == ExitCode::not_found) {
    probe = {{"status", "not_installed"}, {"detail", ""}};
    return section;
  }
  if (!ran && ran.error().code == ExitCode::timeout) {
    probe = {{"status", "timeout"}, {"detail", ran.error().message}};
    ctx.envelope.warn(error_code_name(ExitCode::timeout),
                      "nvidia-smi did not answer in time", ran.error().message);
    gaps.add("GPUs not listed: nvidia-smi timed out");
    return section;
  }
  if (!ran || ran->exit_code != 0) {
    auto detail =
        ran ? std::string(trim(ran->out + ran->err)) : ran.error().message;
    probe = {{"status", "failed"}, {"detail", detail}};
    gaps.add("GPUs not listed: nvidia-smi failed");
    return section;
  }
  auto table = parse_nvidia_smi_csv(ran->out);
  section["gpus"] = std::move(table.gpus);
  if (table.bad_lines > 0) {
    gaps.add(std::to_string(table.bad_lines) +
             " nvidia-smi line(s) could not be read");
  }
  return section;
}

// ---- NVMe -----------------------------------------------------------------

// The namespaces of controller nvmeN: the /sys/block entries named
// nvmeNn<M>. The size attribute counts 512-byte sectors whatever the
// drive's logical block size. With native multipath the block device is
// named after the subsystem, not the controller.
// TODO(#3): map namespaces through nvme-subsystem for multipath setups.
json nvme_namespaces(const Host& host, const std::string& controller) {
  json list = json::array();
  for (const auto& name : host.list("/sys/block")) {
    if (!name.starts_with(controller + "n")) continue;
    auto sectors = to_number<std::uint64_t>(
        host.read_trimmed("/sys/block/" + name + "/size"));
    list.push_back(
        {{"name", name},
         {"size_bytes", sectors ? json(*sectors * 512) : json(nullptr)}});
  }
  return list;
}

json nvme_section(const Host& host, Gaps& gaps) {
  json list = json::array();
  for (const auto& name : host.list("/sys/class/nvme")) {
    auto base = "/sys/class/nvme/" + name;
    json drive = {{"name", name}};
    for (const char* field : {"model", "serial", "firmware_rev", "transport"}) {
      auto value = host.read_trimmed(base + "/" + field);
      if (value.empty()) gaps.add(base + "/" + field + " is missing");
      drive[field] = or_null(value);
    }
    auto address = link_name(host, base + "/device");
    drive["pci_address"] =
        is_pci_address(address) ? json(address) : json(nullptr);
    drive["namespaces"] = nvme_namespaces(host, name);
    list.push_back(std::move(drive));
  }
  return list;
}

// ---- network --------------------------------------------------------------

// Interfaces backed by a device (loopback, bridges and veths have no
// `device` link). speed is null when the link is down: drivers then either
// fail the read (EINVAL) or write -1.
json network_section(const Host& host, Gaps& gaps) {
  json list = json::array();
  if (!host.exists("/sys/class/net")) gaps.add("/sys/class/net is missing");
  for (const auto& name : host.list("/sys/class/net")) {
    auto base = "/sys/class/net/" + name;
    if (!host.exists(base + "/device")) continue;
    auto address = link_name(host, base + "/device");
    auto operstate = host.read_trimmed(base + "/operstate");
    list.push_back(
        {{"interface", name},
         {"driver", or_null(link_name(host, base + "/device/driver"))},
         {"pci_address",
          is_pci_address(address) ? json(address) : json(nullptr)},
         {"speed_mbps",
          or_null(parse_net_speed(host.read_trimmed(base + "/speed")))},
         {"operstate", or_null(operstate)},
         {"mtu", or_null(to_number<int>(host.read_trimmed(base + "/mtu")))}});
  }
  return list;
}

// ---- PCIe -----------------------------------------------------------------

json pci_id(const Host& host, const std::string& path, int digits) {
  auto value = to_number<unsigned>(host.read_trimmed(path), 16);
  return value ? json(hex(*value, digits)) : json(nullptr);
}

// True when the link trained below what both ends can do; null when
// either side is unknown. A GPU or NIC may lower its link speed when idle
// to save power, so read this together with the device class.
json downtrained(const json& link) {
  const auto& speed = link["current_speed_gts"];
  const auto& max_speed = link["max_speed_gts"];
  const auto& width = link["current_width"];
  const auto& max_width = link["max_width"];
  if (speed.is_null() || max_speed.is_null() || width.is_null() ||
      max_width.is_null()) {
    return nullptr;
  }
  return speed.get<double>() < max_speed.get<double>() ||
         width.get<int>() < max_width.get<int>();
}

json pci_link(const Host& host, const std::string& base) {
  auto width = [&host, &base](const char* leaf) {
    auto value = to_number<int>(host.read_trimmed(base + "/" + leaf));
    return value && *value > 0 ? json(*value) : json(nullptr);
  };
  auto speed = [&host, &base](const char* leaf) {
    return or_null(parse_link_speed(host.read_trimmed(base + "/" + leaf)));
  };
  json link = {{"current_speed_gts", speed("current_link_speed")},
               {"current_width", width("current_link_width")},
               {"max_speed_gts", speed("max_link_speed")},
               {"max_width", width("max_link_width")}};
  link["downtrained"] = downtrained(link);
  return link;
}

// The PCI base class and subclass (the upper 16 bits of `class`) of the
// devices fleets ask about; null for the rest.
json class_name(const json& class_id) {
  if (!class_id.is_string()) return nullptr;
  auto value = to_number<unsigned>(class_id.get<std::string>(), 16);
  switch (value.value_or(0) >> 8) {
    case 0x0106: return "sata";
    case 0x0108: return "nvme";
    case 0x0200: return "ethernet";
    case 0x0207: return "infiniband";
    case 0x0280: return "network";
    case 0x0300: return "vga";
    case 0x0302: return "3d-controller";
    case 0x0604: return "pci-bridge";
    case 0x0c03: return "usb";
    default: return nullptr;
  }
}

json pcie_section(const Host& host, Gaps& gaps) {
  json list = json::array();
  if (!host.exists("/sys/bus/pci/devices")) {
    gaps.add("/sys/bus/pci/devices is missing");
  }
  for (const auto& address : host.list("/sys/bus/pci/devices")) {
    auto base = "/sys/bus/pci/devices/" + address;
    json device = {{"address", address},
                   {"vendor_id", pci_id(host, base + "/vendor", 4)},
                   {"device_id", pci_id(host, base + "/device", 4)},
                   {"class", pci_id(host, base + "/class", 6)},
                   {"class_name", nullptr},
                   {"driver", or_null(link_name(host, base + "/driver"))},
                   {"link", pci_link(host, base)}};
    device["class_name"] = class_name(device["class"]);
    if (device["vendor_id"].is_null() || device["class"].is_null()) {
      gaps.add(base + ": vendor or class unreadable");
    }
    list.push_back(std::move(device));
  }
  return list;
}

// ---- nvidia-smi CSV -------------------------------------------------------

std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    auto comma = line.find(',', start);
    fields.emplace_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

// nvidia-smi writes "[N/A]" for a value the GPU does not have, and
// "[Not Supported]" (older drivers without brackets) for one it cannot
// read; GB10 reports memory.total that way because its memory is the
// CPU's unified LPDDR5x.
bool unavailable(std::string_view value) {
  auto text = lower(value);
  return text.empty() || text == "[n/a]" || text == "n/a" ||
         text == "[not supported]" || text == "not supported";
}

json number_or_null(const std::string& value) {
  if (unavailable(value)) return nullptr;
  double number = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size()) return nullptr;
  return number;
}

json gpu_row(const std::vector<std::string>& f) {
  json gpu = {
      {"index", or_null(to_number<int>(f[0]))},
      {"name", unavailable(f[1]) ? json(nullptr) : json(f[1])},
      {"pci_bus_id", f[2]},
      {"pci_address", sysfs_pci_address(f[2])},
      {"driver_version", unavailable(f[3]) ? json(nullptr) : json(f[3])},
      {"memory_total_mib", number_or_null(f[4])},
      {"temperature_c", number_or_null(f[5])},
      {"power_draw_w", number_or_null(f[6])},
      {"notes", json::array()}};
  if (gpu["memory_total_mib"].is_null()) {
    gpu["notes"].push_back(
        "memory.total not reported (\"" + f[4] +
        "\"): GB10 (DGX Spark) memory is unified with the CPU; see "
        "memory.total_bytes");
  }
  return gpu;
}

}  // namespace

std::optional<Midr> parse_midr(std::string_view text) {
  auto value = to_number<std::uint64_t>(text, 16);
  if (!value || *value > 0xffffffffull) return std::nullopt;
  auto v = static_cast<unsigned>(*value);
  return Midr{.implementer = (v >> 24) & 0xff,
              .variant = (v >> 20) & 0xf,
              .architecture = (v >> 16) & 0xf,
              .part = (v >> 4) & 0xfff,
              .revision = v & 0xf};
}

std::string cpu_implementer_name(unsigned implementer) {
  switch (implementer) {
    case 0x41: return "Arm";
    case 0x42: return "Broadcom";
    case 0x43: return "Cavium";
    case 0x48: return "HiSilicon";
    case 0x4e: return "NVIDIA";
    case 0x51: return "Qualcomm";
    case 0x61: return "Apple";
    case 0xc0: return "Ampere";
    default: return {};
  }
}

std::string arm_core_name(unsigned implementer, unsigned part) {
  struct Entry {
    unsigned implementer;
    unsigned part;
    const char* name;
  };
  // Part numbers from each vendor's technical reference manual.
  static constexpr std::array<Entry, 22> kParts = {{
      {0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd05, "Cortex-A55"},
      {0x41, 0xd08, "Cortex-A72"},  {0x41, 0xd0b, "Cortex-A76"},
      {0x41, 0xd0c, "Neoverse N1"}, {0x41, 0xd40, "Neoverse V1"},
      {0x41, 0xd41, "Cortex-A78"},  {0x41, 0xd42, "Cortex-A78AE"},
      {0x41, 0xd44, "Cortex-X1"},   {0x41, 0xd46, "Cortex-A510"},
      {0x41, 0xd47, "Cortex-A710"}, {0x41, 0xd48, "Cortex-X2"},
      {0x41, 0xd49, "Neoverse N2"}, {0x41, 0xd4f, "Neoverse V2"},
      {0x41, 0xd80, "Cortex-A520"}, {0x41, 0xd81, "Cortex-A720"},
      {0x41, 0xd82, "Cortex-X4"},   {0x41, 0xd84, "Neoverse V3"},
      {0x41, 0xd85, "Cortex-X925"}, {0x41, 0xd87, "Cortex-A725"},
      {0x4e, 0x004, "Carmel"},      {0xc0, 0xac3, "Ampere-1"},
  }};
  for (const auto& entry : kParts) {
    if (entry.implementer == implementer && entry.part == part) {
      return entry.name;
    }
  }
  return {};
}

std::vector<CpuinfoBlock> parse_cpuinfo(std::string_view text) {
  std::vector<CpuinfoBlock> blocks;
  CpuinfoBlock block;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (trim(line).empty()) {
      if (!block.empty()) blocks.push_back(std::move(block));
      block.clear();
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto key = std::string(trim(std::string_view(line).substr(0, colon)));
    if (!key.empty()) {
      block[key] = std::string(trim(std::string_view(line).substr(colon + 1)));
    }
  }
  if (!block.empty()) blocks.push_back(std::move(block));
  return blocks;
}

std::map<std::string, std::uint64_t> parse_meminfo(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) continue;
    std::istringstream rest(line.substr(colon + 1));
    std::string number, unit;
    rest >> number >> unit;
    auto value = to_number<std::uint64_t>(number);
    if (!value || (!unit.empty() && unit != "kB")) continue;
    out[line.substr(0, colon)] = unit == "kB" ? *value * 1024 : *value;
  }
  return out;
}

GpuTable parse_nvidia_smi_csv(std::string_view text) {
  GpuTable table;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (trim(line).empty()) continue;
    auto fields = csv_fields(line);
    if (fields.size() != 7) {
      ++table.bad_lines;
      continue;
    }
    table.gpus.push_back(gpu_row(fields));
  }
  return table;
}

std::string sysfs_pci_address(std::string_view bus_id) {
  auto text = lower(trim(bus_id));
  // "0000000f:01:00.0": keep the last four digits of the domain.
  if (text.size() == 16 && text[8] == ':' && text.starts_with("0000") &&
      is_pci_address(text.substr(4))) {
    return text.substr(4);
  }
  return is_pci_address(text) ? text : std::string(trim(bus_id));
}

std::optional<double> parse_link_speed(std::string_view text) {
  text = trim(text);
  auto space = text.find(' ');
  if (space == std::string_view::npos ||
      !text.substr(space).starts_with(" GT/s")) {
    return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + space, value);
  if (ec != std::errc() || end != text.data() + space || value <= 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> parse_net_speed(std::string_view text) {
  auto value = to_number<std::int64_t>(text);
  if (!value || *value <= 0) return std::nullopt;
  return value;
}

Result<json> collect_hardware_config(Context& ctx) {
  Gaps gaps;
  json data = json::object();
  data["cpu"] = cpu_section(ctx.host, gaps);
  data["memory"] = memory_section(ctx.host, gaps);
  auto gpu = gpu_section(ctx, gaps);
  data["gpus"] = std::move(gpu["gpus"]);
  data["gpu_probe"] = std::move(gpu["probe"]);
  data["nvme"] = nvme_section(ctx.host, gaps);
  data["network"] = network_section(ctx.host, gaps);
  data["pcie"] = pcie_section(ctx.host, gaps);
  gaps.report(ctx.envelope);
  return data;
}

ToolSpec hardware_config_spec() {
  return {.name = "hardware_config",
          .area = "inventory",
          .description =
              "What this machine is built from: CPU core types, "
              "memory, GPUs, NVMe, network, PCIe links",
          .add_options = nullptr,
          .collect = collect_hardware_config};
}

}  // namespace sf::rt
