// SPDX-License-Identifier: Apache-2.0
// UEFI variables behind one small interface: libefivar on Linux
// (efivars_linux.cpp), an in-memory fake for tests (efivars_fake.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sf::rt {

// UEFI variable attributes (UEFI 2.10, 8.2.1, SetVariable()).
inline constexpr std::uint32_t kEfiNonVolatile = 0x1;
inline constexpr std::uint32_t kEfiBootServiceAccess = 0x2;
inline constexpr std::uint32_t kEfiRuntimeAccess = 0x4;

// Where the kernel mounts efivarfs on a live machine. The trailing slash
// matters: libefivar appends "<name>-<guid>" to this text directly.
inline constexpr std::string_view kEfivarfsDir = "/sys/firmware/efi/efivars/";

struct EfiVariable {
  std::uint32_t attributes = 0;
  std::string data;  // the value, without the attribute bytes
};

// One UEFI variable store. A GUID is given in its text form,
// "3b8e3c2a-2f4a-4a4b-8d2d-9f4d0c8b7b2a".
class EfiVariables {
 public:
  virtual ~EfiVariables() = default;

  // The variable, or nullopt when it is not set. Fails with permission
  // when it may not be read and general for any other read error.
  [[nodiscard]] virtual Result<std::optional<EfiVariable>> get(
      std::string_view guid, std::string_view name) = 0;

  // Creates or replaces the variable. Fails with permission when the
  // store refuses the write (not root, a locked variable) and general
  // otherwise; a failed write leaves no half-written variable behind.
  [[nodiscard]] virtual Result<void> set(std::string_view guid,
                                         std::string_view name,
                                         std::string_view data,
                                         std::uint32_t attributes) = 0;

  // Deletes the variable; deleting one that is not set succeeds.
  [[nodiscard]] virtual Result<void> remove(std::string_view guid,
                                            std::string_view name) = 0;
};

// set(), then get() and a byte-for-byte comparison: firmware may drop or
// shorten a write without reporting it (a full variable store, a
// read-only variable). A mismatch fails with general and names the
// variable.
[[nodiscard]] Result<void> set_verified(EfiVariables& store,
                                        std::string_view guid,
                                        std::string_view name,
                                        std::string_view data,
                                        std::uint32_t attributes);

// "<name>-<guid>", the file name efivarfs gives a variable.
[[nodiscard]] std::string efivarfs_file_name(std::string_view guid,
                                             std::string_view name);

// The efivarfs folder for a root, with a trailing slash: below sysroot
// when sysroot is not "/", else environment_value (the caller's
// EFIVARFS_PATH) when it is set and not empty, else kEfivarfsDir.
[[nodiscard]] std::string efivarfs_dir_for(const std::filesystem::path& sysroot,
                                           const char* environment_value);

// The libefivar store of the machine below sysroot (efivars_linux.cpp).
// Fails with not_found when the machine has no UEFI variables (no
// efivarfs folder: a BIOS boot, or a fixture root without one), and with
// general when libefivar cannot be loaded or was already pointed at
// another folder in this process.
[[nodiscard]] Result<std::unique_ptr<EfiVariables>> open_efi_variables(
    const std::filesystem::path& sysroot);

}  // namespace sf::rt
