// SPDX-License-Identifier: Apache-2.0
// The input files a fleet names, found, checked and hashed before a build.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/fleet.hpp"
#include "core/error.hpp"

namespace sf::builder {

struct InputFile {
  std::string role;  // fleet, deb, firmware, base_image, vendor_data, ...
  std::filesystem::path path;
  std::uint64_t size = 0;
  std::string sha256;
};

struct Inputs {
  InputFile fleet_file;
  std::vector<InputFile> debs;      // sorted by file name
  std::vector<InputFile> firmware;  // sorted by file name
  std::optional<InputFile> base_image;
  std::optional<InputFile> vendor_data;
  std::optional<InputFile> mirror_key;

  // Every input in a stable order, for the manifest.
  [[nodiscard]] std::vector<const InputFile*> all() const;
  [[nodiscard]] std::vector<InputFile*> all();
};

// Expands a list of files and folders: each folder gives the files with the
// extension directly inside it. Refuses two files with one name, which
// would land on one path. `field` names the list in messages.
[[nodiscard]] Result<std::vector<InputFile>> expand_paths(
    const std::vector<std::filesystem::path>& list, std::string_view field,
    std::string_view role, std::string_view extension);

// Expands folders in fleet.debs (*.deb) and fleet.firmware (*.cab), checks
// that every named file exists and is readable and that every .deb has a
// control file naming a valid package, refuses two carried files with one
// name, and hashes everything on `threads` workers. Fails with not_found
// naming the fleet field and the path that is missing, and with general
// for a broken .deb ("debs: reading x.deb: not an ar archive").
// The tools package, unless the fleet says `tools_package: none` (or names
// a file), is package_dir/sparkforge-tools_<version>_arm64.deb and is
// carried like any other .deb; not_found when it was not built.
[[nodiscard]] Result<Inputs> gather_inputs(
    const Fleet& fleet, unsigned threads,
    const std::filesystem::path& package_dir);

// "sparkforge-tools_<this version>_<arch>.deb".
[[nodiscard]] std::string tools_package_name(std::string_view arch);

}  // namespace sf::builder
