// SPDX-License-Identifier: Apache-2.0
// `sparkforge verify` and `sparkforge inspect`: re-check and describe what a
// build produced, from its output folder or from any one image.
#include "builder/verify.hpp"

#include <map>
#include <set>

#include "builder/build.hpp"
#include "builder/manifest.hpp"
#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/subprocess.hpp"
#include "core/tree_hash.hpp"
#include "mirror/apt/gpg.hpp"
#include "mirror/apt/repository.hpp"
#include "oemdata/file_range.hpp"
#include "oemdata/filesystem_image.hpp"
#include "oemdata/layout.hpp"
#include "oemdata/probe.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::unexpected<Error> mismatch(const std::string& where,
                                const std::string& what) {
  return fail(ExitCode::verify_failed, where + ": " + what);
}

// Compares files found in a tree with the list that should be there.
// Files under enrollment/ are written on the device and may be new.
Result<void> compare_files(const std::string& where,
                           const std::vector<TreeFile>& expected,
                           const std::vector<TreeFile>& found) {
  std::map<std::string, const TreeFile*> by_path;
  for (const auto& file : found) by_path[file.path] = &file;
  for (const auto& want : expected) {
    auto it = by_path.find(want.path);
    if (it == by_path.end()) {
      return mismatch(where, want.path + ": missing");
    }
    if (it->second->sha256 != want.sha256 || it->second->size != want.size) {
      return mismatch(where, want.path + ": SHA256 mismatch (expected " +
                                 want.sha256.substr(0, 16) + "…, found " +
                                 it->second->sha256.substr(0, 16) + "…)");
    }
    by_path.erase(it);
  }
  for (const auto& [path, file] : by_path) {
    if (!path.starts_with(std::string(oemdata::kEnrollment) + "/")) {
      return mismatch(where, path + ": not in the manifest");
    }
  }
  return {};
}

// The files OEMDATA's own MANIFEST.json lists, plus the manifest itself and
// SHA256SUMS, which it cannot list.
Result<std::vector<TreeFile>> oemdata_expectation(const fs::path& tree) {
  auto text = read_file(tree / oemdata::kManifest);
  if (!text) {
    return mismatch(oemdata::kLabel, std::string(oemdata::kManifest) +
                                         ": missing or unreadable");
  }
  auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("files")) {
    return mismatch(oemdata::kLabel,
                    std::string(oemdata::kManifest) + ": does not parse");
  }
  auto files = files_from_json(doc["files"]);
  for (const char* sealed : {oemdata::kManifest, oemdata::kSums}) {
    auto digests = hash_file(tree / sealed);
    if (!digests) return std::unexpected(digests.error());
    files.push_back({sealed, digests->size, digests->sha256});
  }
  return files;
}

Result<void> verify_repo(const fs::path& tree, const std::string& where,
                         VerifyReport& report) {
  auto home = TempDir::create(fs::temp_directory_path(), "sparkforge-gpg-");
  if (!home) return std::unexpected(home.error());
  auto gpg = GpgContext::open(home->path());
  if (!gpg) return std::unexpected(gpg.error());
  auto key = read_file(tree / oemdata::kFleetKey);
  if (!key) {
    return mismatch(oemdata::kLabel,
                    std::string(oemdata::kFleetKey) + ": missing");
  }
  if (auto imported = gpg->import_key(*key); !imported) {
    return std::unexpected(imported.error());
  }
  for (const auto& suite : fs::directory_iterator(tree / "repo/dists")) {
    auto name = suite.path().filename().string();
    auto checked = verify_repository(tree / oemdata::kRepo, name, *gpg);
    if (!checked) {
      auto error = checked.error();
      error.message = std::string(oemdata::kRepo) + "/" + error.message;
      return std::unexpected(error);
    }
    report.checked.push_back(where + ": repo/dists/" + name +
                             ": signature, indices and pool files");
  }
  return {};
}

Result<void> check_schema(const fs::path& user_data, const std::string& where,
                          VerifyReport& report) {
  auto ran = run(
      {.argv = {"cloud-init", "schema", "--config-file", user_data.string()},
       .timeout = std::chrono::seconds(60)});
  if (!ran && ran.error().code == ExitCode::not_found) {
    report.skipped.push_back(
        "user-data schema: cloud-init is not installed on this machine");
    return {};
  }
  if (!ran) return std::unexpected(ran.error());
  if (ran->exit_code != 0) {
    return mismatch(where + ": user-data",
                    "cloud-init schema: " + ran->out + ran->err);
  }
  report.checked.push_back(where + ": user-data passes cloud-init schema");
  return {};
}

// Checks a filesystem image: its label, fsck, its files against the list
// (when given) and, per label, the repository or the cloud-init schema.
Result<void> verify_filesystem(const fs::path& image, const std::string& where,
                               const std::vector<TreeFile>* expected,
                               VerifyReport& report) {
  auto probe = probe_image(image);
  if (!probe) return std::unexpected(probe.error());
  auto type = parse_fs_type(probe->fs_type);
  if (!type || (probe->label != oemdata::kLabel &&
                probe->label != oemdata::kCidataLabel)) {
    return mismatch(where, "not an OEMDATA or CIDATA filesystem (found " +
                               probe->fs_type + " labelled '" + probe->label +
                               "')");
  }
  if (auto clean = check_filesystem(image, *type); !clean) {
    return mismatch(where, clean.error().message);
  }
  auto tree = TempDir::create(fs::temp_directory_path(), "sparkforge-verify-");
  if (!tree) return std::unexpected(tree.error());
  auto root = tree->path() / "root";
  if (auto got = extract_filesystem_image(image, *type, root); !got) {
    return std::unexpected(got.error());
  }
  auto found = hash_tree(root);
  if (!found) return std::unexpected(found.error());

  bool oem = probe->label == oemdata::kLabel;
  std::vector<TreeFile> self;
  if (!expected && oem) {
    auto listed = oemdata_expectation(root);
    if (!listed) return std::unexpected(listed.error());
    self = std::move(*listed);
    expected = &self;
  }
  if (expected) {
    if (auto same = compare_files(where, *expected, *found); !same) {
      return same;
    }
    report.checked.push_back(where + ": " + std::to_string(found->size()) +
                             " files match");
  }
  if (oem) {
    auto repo = verify_repo(root, where, report);
    if (!repo) return std::unexpected(repo.error().with_context(where));
    return {};
  }
  return check_schema(root / "user-data", where, report);
}

// The files manifest.json lists per partition label, for checking the
// partitions of installer.img against the standalone images' lists.
using FilesByLabel = std::map<std::string, std::vector<TreeFile>>;

// Checks every partition of a disk image named CIDATA or OEMDATA, against
// the lists in `expected` when given, else against OEMDATA's own manifest.
Result<void> verify_disk(const fs::path& image, const std::string& where,
                         const FilesByLabel& expected, VerifyReport& report) {
  auto probe = probe_image(image);
  if (!probe) return std::unexpected(probe.error());
  std::set<std::string> seen;
  auto scratch = TempDir::create(fs::temp_directory_path(), "sparkforge-part-");
  if (!scratch) return std::unexpected(scratch.error());
  for (const auto& part : probe->partitions) {
    if (part.name != oemdata::kLabel && part.name != oemdata::kCidataLabel) {
      continue;
    }
    auto copy = scratch->path() / part.name;
    auto copied = copy_range(image, part.start_bytes, part.size_bytes, copy);
    if (!copied) return std::unexpected(copied.error());
    auto label = where + " partition " + std::to_string(part.number) + " (" +
                 part.name + ")";
    auto listed = expected.find(part.name);
    auto checked = verify_filesystem(
        copy, label, listed == expected.end() ? nullptr : &listed->second,
        report);
    if (!checked) return checked;
    seen.insert(part.name);
    fs::remove(copy);
  }
  for (const char* want : {oemdata::kCidataLabel, oemdata::kLabel}) {
    if (!seen.contains(want)) {
      return mismatch(where, std::string("no partition named ") + want);
    }
  }
  return {};
}

Result<json> load_manifest(const fs::path& folder) {
  auto text = read_file(folder / kManifest);
  if (!text) return std::unexpected(text.error());
  auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("outputs")) {
    return mismatch(kManifest, "does not parse as a sparkforge manifest");
  }
  return doc;
}

Result<VerifyReport> verify_folder(const fs::path& folder) {
  auto manifest = load_manifest(folder);
  if (!manifest) return std::unexpected(manifest.error());
  VerifyReport report;
  FilesByLabel by_label;
  for (const auto& output : (*manifest)["outputs"]) {
    if (output.contains("label") && output.contains("files")) {
      by_label[output["label"]] = files_from_json(output["files"]);
    }
  }
  for (const auto& output : (*manifest)["outputs"]) {
    auto name = output.value("path", "");
    auto path = folder / name;
    auto digests = hash_file(path);
    if (!digests) {
      return mismatch(name, "missing or unreadable");
    }
    bool same = digests->sha256 == output.value("sha256", "");
    std::vector<TreeFile> files;
    if (output.contains("files")) files = files_from_json(output["files"]);
    Result<void> checked;
    if (name == kInstallerImage) {
      checked = verify_disk(path, name, by_label, report);
    } else {
      checked = verify_filesystem(path, name, &files, report);
    }
    // A changed file inside names itself; only then the image as a whole.
    if (!checked) return std::unexpected(checked.error());
    if (!same) {
      return mismatch(name, "SHA256 differs from manifest.json");
    }
    report.checked.push_back(name + ": SHA256 matches manifest.json");
  }
  return report;
}

}  // namespace

Result<VerifyReport> verify(const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    return fail(ExitCode::not_found, target.string() + ": does not exist");
  }
  if (fs::is_directory(target, ec)) {
    return verify_folder(target);
  }
  VerifyReport report;
  auto probe = probe_image(target);
  if (!probe) return std::unexpected(probe.error());
  auto name = target.filename().string();
  auto checked = probe->partitions.empty()
                     ? verify_filesystem(target, name, nullptr, report)
                     : verify_disk(target, name, {}, report);
  if (!checked) return std::unexpected(checked.error());
  return report;
}

namespace {

json files_json(const std::vector<ImageFile>& files) {
  json list = json::array();
  for (const auto& file : files) {
    list.push_back(
        {{"path", file.path}, {"bytes", file.size}, {"sha256", file.sha256}});
  }
  return list;
}

// A filesystem's type, label and UUID, and its files when sparkforge wrote
// it (CIDATA or OEMDATA).
Result<json> describe_filesystem(const fs::path& image) {
  auto probe = probe_image(image);
  if (!probe) return std::unexpected(probe.error());
  json entry = {{"filesystem", probe->fs_type},
                {"label", probe->label},
                {"uuid", probe->uuid}};
  auto type = parse_fs_type(probe->fs_type);
  if (type && (probe->label == oemdata::kLabel ||
               probe->label == oemdata::kCidataLabel)) {
    auto files = list_image_files(image, *type);
    if (!files) return std::unexpected(files.error());
    entry["files"] = files_json(*files);
  }
  return entry;
}

}  // namespace

Result<json> inspect(const fs::path& image) {
  std::error_code ec;
  auto size = fs::file_size(image, ec);
  if (ec) {
    return fail(ExitCode::not_found, image.string() + ": " + ec.message());
  }
  auto probe = probe_image(image);
  if (!probe) return std::unexpected(probe.error());
  json doc = {{"path", image.string()}, {"bytes", size}};
  if (probe->partitions.empty()) {
    auto fs_entry = describe_filesystem(image);
    if (!fs_entry) return std::unexpected(fs_entry.error());
    doc.update(*fs_entry);
    return doc;
  }
  doc["partition_table"] = probe->table_type;
  doc["disk_uuid"] = probe->disk_uuid;
  auto scratch = TempDir::create(fs::temp_directory_path(), "sparkforge-part-");
  if (!scratch) return std::unexpected(scratch.error());
  json parts = json::array();
  for (const auto& part : probe->partitions) {
    json entry = {
        {"number", part.number},           {"name", part.name},
        {"type", part.type_guid},          {"uuid", part.uuid},
        {"start_bytes", part.start_bytes}, {"size_bytes", part.size_bytes}};
    auto copy = scratch->path() / ("part" + std::to_string(part.number));
    auto copied = copy_range(image, part.start_bytes, part.size_bytes, copy);
    if (!copied) return std::unexpected(copied.error());
    auto fs_entry = describe_filesystem(copy);
    fs::remove(copy);
    if (fs_entry) entry["content"] = *fs_entry;
    parts.push_back(entry);
  }
  doc["partitions"] = parts;
  return doc;
}

}  // namespace sf::builder
