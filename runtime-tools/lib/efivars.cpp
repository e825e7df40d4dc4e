// SPDX-License-Identifier: Apache-2.0
// What every UEFI variable store shares: the read-back check and the
// efivarfs names.
#include "runtime-tools/lib/efivars.hpp"

namespace sf::rt {

std::string efivarfs_file_name(std::string_view guid, std::string_view name) {
  return std::string(name) + "-" + std::string(guid);
}

Result<void> set_verified(EfiVariables& store, std::string_view guid,
                          std::string_view name, std::string_view data,
                          std::uint32_t attributes) {
  auto variable = efivarfs_file_name(guid, name);
  if (auto wrote = store.set(guid, name, data, attributes); !wrote) {
    return wrote;
  }

  auto back = store.get(guid, name);
  if (!back) return std::unexpected(back.error());
  if (!*back) {
    return fail("checking " + variable + ": gone after the write");
  }
  if ((*back)->data != data || (*back)->attributes != attributes) {
    auto read = std::to_string((*back)->data.size());
    auto wrote = std::to_string(data.size());
    return fail("checking " + variable + ": read back " + read +
                " bytes that differ from the " + wrote + " written");
  }
  return {};
}

std::string efivarfs_dir_for(const std::filesystem::path& sysroot,
                             const char* environment_value) {
  std::string dir;
  if (sysroot != "/") {
    dir = (sysroot / std::string_view(kEfivarfsDir).substr(1)).string();
  } else if (environment_value != nullptr && *environment_value != '\0') {
    dir = environment_value;
  } else {
    dir = kEfivarfsDir;
  }
  if (dir.back() != '/') dir += '/';
  return dir;
}

}  // namespace sf::rt
