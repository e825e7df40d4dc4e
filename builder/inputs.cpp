// SPDX-License-Identifier: Apache-2.0
// The input files a fleet names, found, checked and hashed before a build.
#include "builder/inputs.hpp"

#include <algorithm>
#include <map>

#include "core/hash.hpp"
#include "core/tree_hash.hpp"
#include "mirror/apt/deb_file.hpp"
#include "mirror/apt/repo_index.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;

// The files a list entry names: the file itself, or the files with the
// extension directly inside a folder, sorted.
Result<std::vector<fs::path>> expand_entry(const fs::path& entry,
                                           std::string_view field,
                                           std::string_view extension) {
  std::error_code ec;
  auto status = fs::status(entry, ec);
  if (ec || !fs::exists(status)) {
    return fail(ExitCode::not_found,
                std::string(field) + ": " + entry.string() + " does not exist");
  }
  if (fs::is_regular_file(status)) {
    return std::vector<fs::path>{entry};
  }
  if (!fs::is_directory(status)) {
    return fail(std::string(field) + ": " + entry.string() +
                " is neither a file nor a folder");
  }
  std::vector<fs::path> files;
  for (const auto& item : fs::directory_iterator(entry, ec)) {
    if (item.is_regular_file() && item.path().extension() == extension) {
      files.push_back(item.path());
    }
  }
  if (ec) {
    return fail(std::string(field) + ": reading " + entry.string() + ": " +
                ec.message());
  }
  if (files.empty()) {
    return fail(ExitCode::not_found, std::string(field) + ": " +
                                         entry.string() + " holds no *" +
                                         std::string(extension) + " files");
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<std::vector<InputFile>> expand_paths(const std::vector<fs::path>& list,
                                            std::string_view field,
                                            std::string_view role,
                                            std::string_view extension) {
  std::vector<InputFile> files;
  std::map<std::string, fs::path> by_name;
  for (const auto& entry : list) {
    auto expanded = expand_entry(entry, field, extension);
    if (!expanded) return std::unexpected(expanded.error());
    for (const auto& path : *expanded) {
      auto name = path.filename().string();
      auto [it, added] = by_name.emplace(name, path);
      if (!added && it->second != path) {
        return fail(ExitCode::invalid_args,
                    std::string(field) + ": " + path.string() + " and " +
                        it->second.string() + " share the name " + name);
      }
      if (added) {
        files.push_back({.role = std::string(role), .path = path});
      }
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return a.path.filename() < b.path.filename();
  });
  return files;
}

namespace {

Result<InputFile> single(const fs::path& path, std::string_view field,
                         std::string_view role) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail(ExitCode::not_found, std::string(field) + ": " + path.string() +
                                         " does not exist or is not a file");
  }
  return InputFile{.role = std::string(role), .path = path};
}

// Reads a carried package's control file here, before the build writes
// anything, so that a broken .deb is named by its input path rather than by
// its copy in a staging folder that is gone when the message is read.
Result<void> check_deb(const fs::path& path) {
  auto control = read_deb_control(path);
  if (!control) return std::unexpected(control.error().with_context("debs"));
  if (auto ok = check_identity(*control); !ok) {
    return std::unexpected(
        ok.error().with_context("debs: reading " + path.string()));
  }
  return {};
}

}  // namespace

std::vector<InputFile*> Inputs::all() {
  std::vector<InputFile*> list{&fleet_file};
  for (auto* optional : {&base_image, &vendor_data, &mirror_key}) {
    if (*optional) list.push_back(&**optional);
  }
  for (auto& file : debs) list.push_back(&file);
  for (auto& file : firmware) list.push_back(&file);
  return list;
}

std::vector<const InputFile*> Inputs::all() const {
  auto list = const_cast<Inputs*>(this)->all();
  return {list.begin(), list.end()};
}

std::string tools_package_name(std::string_view arch) {
  return "sparkforge-tools_" + std::string(SPARKFORGE_VERSION) + "_" +
         std::string(arch) + ".deb";
}

namespace {

// The sparkforge-tools package the fleet asks for, or nullopt for none.
Result<std::optional<fs::path>> tools_package(const Fleet& fleet,
                                              const fs::path& package_dir) {
  switch (fleet.tools_package) {
    case ToolsPackage::none: return std::nullopt;
    case ToolsPackage::file: return fleet.tools_package_file;
    case ToolsPackage::automatic: break;
  }
  auto path = package_dir / tools_package_name("arm64");
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return fail(ExitCode::not_found,
                "tools_package: " + path.string() +
                    " does not exist; build the arm64 package (scripts/"
                    "quickstart does) or set tools_package: none");
  }
  return path;
}

}  // namespace

Result<Inputs> gather_inputs(const Fleet& fleet, unsigned threads,
                             const fs::path& package_dir) {
  Inputs inputs;
  inputs.fleet_file = {.role = "fleet", .path = fleet.fleet_file};

  auto carried = fleet.debs;
  auto tools = tools_package(fleet, package_dir);
  if (!tools) return std::unexpected(tools.error());
  if (*tools) carried.push_back(**tools);
  auto debs = expand_paths(carried, "debs", "deb", ".deb");
  if (!debs) return std::unexpected(debs.error());
  inputs.debs = std::move(*debs);
  auto cabs = expand_paths(fleet.firmware, "firmware", "firmware", ".cab");
  if (!cabs) return std::unexpected(cabs.error());
  inputs.firmware = std::move(*cabs);

  struct Optional {
    const std::optional<fs::path>& path;
    std::optional<InputFile>& into;
    std::string_view field, role;
  };
  for (auto [path, into, field, role] :
       {Optional{fleet.base_image, inputs.base_image, "base_image",
                 "base_image"},
        Optional{fleet.cloud_init.vendor_data, inputs.vendor_data,
                 "cloud_init.vendor_data", "vendor_data"},
        Optional{fleet.apt.mirror_key, inputs.mirror_key, "apt.mirror_key",
                 "mirror_key"}}) {
    if (!path) continue;
    auto file = single(*path, field, role);
    if (!file) return std::unexpected(file.error());
    into = std::move(*file);
  }

  auto list = inputs.all();
  auto hashed = parallel_for(list.size(), threads, [&](std::size_t i) {
    auto* file = list[i];
    if (file->role == "deb") {
      if (auto ok = check_deb(file->path); !ok) return ok;
    }
    auto digests = hash_file(file->path);
    if (!digests) return Result<void>(std::unexpected(digests.error()));
    file->size = digests->size;
    file->sha256 = digests->sha256;
    return Result<void>();
  });
  if (!hashed) return std::unexpected(hashed.error());
  return inputs;
}

}  // namespace sf::builder
