// SPDX-License-Identifier: Apache-2.0
// hardware_config: what this machine is built from (CPU core types, memory,
// GPUs, NVMe drives, network interfaces, PCIe devices and their links).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime-tools/lib/tool.hpp"

namespace sf::rt {

// The fields of an arm64 Main ID Register (MIDR_EL1), as the kernel shows
// it in /sys/devices/system/cpu/cpuN/regs/identification/midr_el1
// ("0x00000000410fd851": implementer 0x41 Arm, variant 0, architecture
// 0xf, part 0xd85 Cortex-X925, revision 1).
struct Midr {
  unsigned implementer = 0;   // bits 31..24
  unsigned variant = 0;       // bits 23..20
  unsigned architecture = 0;  // bits 19..16
  unsigned part = 0;          // bits 15..4
  unsigned revision = 0;      // bits 3..0

  bool operator==(const Midr&) const = default;
};

// Decodes the hexadecimal text of a MIDR_EL1 value (with or without
// "0x", surrounding whitespace allowed); nullopt for anything else.
[[nodiscard]] std::optional<Midr> parse_midr(std::string_view text);

// The name of a CPU implementer ("Arm", "NVIDIA", ...), or the empty
// string for one this table does not know.
[[nodiscard]] std::string cpu_implementer_name(unsigned implementer);

// The core name of an implementer and part ("Cortex-X925" for 0x41,
// 0xd85), or the empty string for one this table does not know.
[[nodiscard]] std::string arm_core_name(unsigned implementer, unsigned part);

// /proc/cpuinfo as one map of "key: value" fields per processor block.
// On x86 every block is a processor; on arm64 the same holds since Linux
// 3.19 (older kernels printed one trailing block, which is kept too).
using CpuinfoBlock = std::map<std::string, std::string>;
[[nodiscard]] std::vector<CpuinfoBlock> parse_cpuinfo(std::string_view text);

// /proc/meminfo as bytes per key ("MemTotal: 131072 kB" -> 134217728;
// unit-less counts such as HugePages_Total stay as they are).
[[nodiscard]] std::map<std::string, std::uint64_t> parse_meminfo(
    std::string_view text);

// The columns hardware_config asks nvidia-smi for, in order.
inline constexpr const char* kGpuQueryFields =
    "index,name,pci.bus_id,driver_version,memory.total,temperature.gpu,"
    "power.draw";

// The rows of `nvidia-smi --query-gpu=<kGpuQueryFields>
// --format=csv,noheader,nounits`, one JSON object per GPU. "[N/A]" and
// "[Not Supported]"/"Not Supported" become null; lines with the wrong
// number of columns are counted in bad_lines.
struct GpuTable {
  nlohmann::json gpus = nlohmann::json::array();
  std::size_t bad_lines = 0;
};
[[nodiscard]] GpuTable parse_nvidia_smi_csv(std::string_view text);

// nvidia-smi's bus id ("0000000F:01:00.0", an eight-digit domain) in the
// form sysfs uses ("000f:01:00.0"); the input unchanged when it has
// another shape.
[[nodiscard]] std::string sysfs_pci_address(std::string_view bus_id);

// A PCIe link speed from sysfs ("32.0 GT/s PCIe", "2.5 GT/s") in GT/s;
// nullopt for "Unknown" and anything unparsable.
[[nodiscard]] std::optional<double> parse_link_speed(std::string_view text);

// A network link speed from /sys/class/net/<if>/speed in Mb/s; nullopt
// for "-1" (link down, as some drivers write it), 0, negative or
// non-numeric text.
[[nodiscard]] std::optional<std::int64_t> parse_net_speed(
    std::string_view text);

// Collects everything above from the host. Missing files give nulls and
// one W_PARTIAL_DATA warning naming them; a missing nvidia-smi means no
// GPU; an nvidia-smi that outlives --timeout-sec gives an E_TIMEOUT
// warning (the rest is still reported). Never fails.
[[nodiscard]] Result<nlohmann::json> collect_hardware_config(Context& ctx);

// The tool as run_tool runs it.
[[nodiscard]] ToolSpec hardware_config_spec();

}  // namespace sf::rt
