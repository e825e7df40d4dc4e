// SPDX-License-Identifier: Apache-2.0
// `sparkforge build`: a fleet file in, installer media and a manifest out.
#include "builder/build.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "builder/fleet.hpp"
#include "builder/inputs.hpp"
#include "builder/manifest.hpp"
#include "builder/seed.hpp"
#include "builder/signing.hpp"
#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/tree_hash.hpp"
#include "hooks/hook_script.hpp"
#include "mirror/apt/deb_file.hpp"
#include "mirror/apt/repository.hpp"
#include "oemdata/filesystem_image.hpp"
#include "oemdata/gpt.hpp"
#include "oemdata/layout.hpp"
#include "oemdata/probe.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// GPT partition types: Microsoft basic data for the vfat seed (what
// cloud-init's NoCloud probing and every firmware expect of a FAT volume),
// Linux filesystem data for an ext4 OEMDATA.
constexpr const char* kBasicDataType = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
constexpr const char* kLinuxDataType = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

// Everything one build works on, so the steps below take a single argument.
struct Job {
  BuildOptions options;
  Fleet fleet;
  Inputs inputs;
  std::int64_t date = 0;  // SOURCE_DATE_EPOCH or the time the build began
  fs::path staging;       // inside out_dir, removed unless published
  fs::path oem_tree;
  fs::path cidata_tree;
  std::string input_digest;  // SHA-256 over every input's digest
  std::vector<RepoPackage> packages;
  std::vector<std::string> published;
};

Result<void> make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    auto code = ec == std::errc::permission_denied ||
                        ec == std::errc::operation_not_permitted ||
                        ec == std::errc::read_only_file_system
                    ? ExitCode::permission
                    : ExitCode::general;
    return fail(code, "creating " + dir.string() + ": " + ec.message());
  }
  return {};
}

// Puts a carried file into the tree: a hard link when input and tree share
// a filesystem, a copy otherwise. The tree never aliases the input's inode
// for writing: images only read it.
Result<void> place_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return {};
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return fail("copying " + from.string() + " to " + to.string() + ": " +
                ec.message());
  }
  return {};
}

// A stable identity for UUIDs and the cloud-init instance id: the same
// inputs give the same value, any changed input a different one.
std::string digest_of_inputs(const Inputs& inputs) {
  std::string all;
  for (const auto* file : inputs.all()) {
    all += file->role + " " + file->sha256 + "\n";
  }
  return sha256_hex(all);
}

Result<void> copy_inputs(Job& job) {
  for (const char* dir : {oemdata::kDebs, oemdata::kFirmware, oemdata::kKeys,
                          oemdata::kFleet, oemdata::kEnrollment}) {
    if (auto made = make_dirs(job.oem_tree / dir); !made) return made;
  }
  for (const auto& deb : job.inputs.debs) {
    auto to = job.oem_tree / oemdata::kDebs / deb.path.filename();
    if (auto placed = place_file(deb.path, to); !placed) return placed;
  }
  for (const auto& cab : job.inputs.firmware) {
    auto to = job.oem_tree / oemdata::kFirmware / cab.path.filename();
    if (auto placed = place_file(cab.path, to); !placed) return placed;
  }
  if (job.inputs.mirror_key) {
    auto to = job.oem_tree / oemdata::kMirrorKey;
    if (auto placed = place_file(job.inputs.mirror_key->path, to); !placed) {
      return placed;
    }
  }
  return write_file_atomic(job.oem_tree / oemdata::kHook, hooks::hook_script(),
                           0755);
}

Result<void> write_repository(Job& job, Signer& signer) {
  std::vector<fs::path> debs;
  for (const auto& deb : job.inputs.debs) {
    debs.push_back(job.oem_tree / oemdata::kDebs / deb.path.filename());
  }
  RepoOptions options;
  options.root = job.oem_tree / oemdata::kRepo;
  options.suite = job.fleet.apt.suite;
  options.description = "sparkforge fleet " + job.fleet.name;
  options.date = job.date;
  options.threads = job.options.threads;
  if (job.fleet.apt.valid_for_days) {
    options.valid_for = std::chrono::days(*job.fleet.apt.valid_for_days);
  }
  auto report =
      build_repository(debs, options, {&signer.gpg(), signer.fingerprint()});
  if (!report) return std::unexpected(report.error());
  job.packages = report->packages;

  auto key = signer.public_key();
  if (!key) return std::unexpected(key.error());
  return write_file_atomic(job.oem_tree / oemdata::kFleetKey, *key);
}

// apt-packages.txt: the fleet's `apt.install`, each of which must be
// carried, or every carried package when the list is empty.
Result<std::string> package_list(const Job& job) {
  std::set<std::string> carried;
  for (const auto& package : job.packages) carried.insert(package.package);
  const auto& wanted = job.fleet.apt.install;
  std::string text;
  for (const auto& name :
       wanted.empty() ? std::vector<std::string>(carried.begin(), carried.end())
                      : wanted) {
    if (!carried.contains(name)) {
      return fail(ExitCode::invalid_args,
                  job.fleet.fleet_file.string() + ": apt.install: '" + name +
                      "' is not among the carried packages");
    }
    text += name + "\n";
  }
  // The on-device tools are installed whenever they are carried.
  if (!wanted.empty() && carried.contains("sparkforge-tools") &&
      std::find(wanted.begin(), wanted.end(), "sparkforge-tools") ==
          wanted.end()) {
    text += "sparkforge-tools\n";
  }
  return text;
}

Result<void> write_settings(Job& job) {
  const auto& fleet = job.fleet;
  if (!job.packages.empty()) {
    auto list = package_list(job);
    if (!list) return std::unexpected(list.error());
    auto wrote = write_file_atomic(job.oem_tree / oemdata::kAptPackages, *list);
    if (!wrote) return wrote;
  }
  if (!fleet.apt.mirror_url.empty()) {
    std::string line = fleet.apt.mirror_url + " " + fleet.apt.mirror_suite;
    for (const auto& component : fleet.apt.mirror_components) {
      line += " " + component;
    }
    auto wrote =
        write_file_atomic(job.oem_tree / oemdata::kAptRepoUrl, line + "\n");
    if (!wrote) return wrote;
  }
  if (!fleet.lvfs_mirror_url.empty()) {
    auto wrote = write_file_atomic(job.oem_tree / oemdata::kLvfsUrl,
                                   fleet.lvfs_mirror_url + "\n");
    if (!wrote) return wrote;
  }
  return write_file_atomic(job.oem_tree / oemdata::kFleetSettings,
                           fleet_settings_json(fleet).dump(2) + "\n");
}

Result<void> write_device_entries(const Job& job) {
  for (const auto& device : job.fleet.devices) {
    auto path = job.oem_tree / oemdata::kFleet / (device.serial + ".json");
    auto wrote =
        write_file_atomic(path, device_json(job.fleet, device).dump(2) + "\n");
    if (!wrote) return wrote;
  }
  return {};
}

// MANIFEST.json (for spark-provision) and SHA256SUMS (for hook.sh, which
// has only coreutils) over every other file in the tree.
Result<std::vector<TreeFile>> seal_oemdata(const Job& job,
                                           const Signer& signer) {
  auto files = hash_tree(job.oem_tree, job.options.threads);
  if (!files) return files;
  std::string sums;
  for (const auto& file : *files) {
    sums += file.sha256 + "  " + file.path + "\n";
  }
  auto manifest =
      oemdata_manifest_json(job.fleet, *files, signer.fingerprint(), job.date)
          .dump(2) +
      "\n";
  // The two seals join the list as written, without hashing the tree again.
  for (const auto& [name, text] :
       {std::pair{oemdata::kSums, &sums}, {oemdata::kManifest, &manifest}}) {
    auto wrote = write_file_atomic(job.oem_tree / name, *text);
    if (!wrote) return std::unexpected(wrote.error());
    auto digests = hash_bytes(*text);
    files->push_back({name, digests.size, digests.sha256});
  }
  std::sort(files->begin(), files->end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

Result<std::vector<TreeFile>> write_cidata_tree(Job& job) {
  auto seed = render_seed(job.fleet, "sparkforge-" + job.fleet.name + "-" +
                                         job.input_digest.substr(0, 12));
  if (!seed) return std::unexpected(seed.error());
  if (auto made = make_dirs(job.cidata_tree); !made) {
    return std::unexpected(made.error());
  }
  std::vector<std::pair<const char*, const std::string*>> files = {
      {"user-data", &seed->user_data},
      {"meta-data", &seed->meta_data},
      {"network-config", &seed->network_config}};
  if (seed->vendor_data) files.emplace_back("vendor-data", &*seed->vendor_data);
  for (const auto& [name, text] : files) {
    auto wrote = write_file_atomic(job.cidata_tree / name, *text);
    if (!wrote) return std::unexpected(wrote.error());
  }
  return hash_tree(job.cidata_tree, 1);
}

Result<void> make_image(const Job& job, const fs::path& tree, FsType type,
                        const char* label, std::uint64_t size) {
  ImageOptions options;
  options.source_dir = tree;
  options.image =
      job.staging /
      (label == std::string(oemdata::kLabel) ? kOemdataImage : kCidataImage);
  options.type = type;
  options.label = label;
  options.size_bytes = size;
  options.timestamp = job.date;
  options.uuid_seed = job.input_digest + label;
  return make_filesystem_image(options);
}

// A partition UUID in the 8-4-4-4-12 form, derived from the inputs.
std::string derived_uuid(const Job& job, std::string_view what) {
  auto hex = sha256_hex(job.input_digest + std::string(what));
  hex[12] = '4';  // version 4 layout, as random UUIDs look
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Result<void> make_installer(const Job& job, FsType oem_type) {
  std::vector<NewPartition> parts;
  parts.push_back({.name = oemdata::kCidataLabel,
                   .image = job.staging / kCidataImage,
                   .type_guid = kBasicDataType,
                   .uuid = derived_uuid(job, "cidata-partition")});
  parts.push_back(
      {.name = oemdata::kLabel,
       .image = job.staging / kOemdataImage,
       .type_guid = oem_type == FsType::ext4 ? kLinuxDataType : kBasicDataType,
       .uuid = derived_uuid(job, "oemdata-partition")});
  return append_partitions(job.inputs.base_image->path,
                           job.staging / kInstallerImage, parts);
}

// Renames every output from the staging folder into out_dir, removes an
// installer.img a previous build left when this one has none, and writes
// the manifest last so that it only ever describes published files.
Result<void> publish(Job& job, const std::vector<std::string>& names) {
  const auto& out = job.options.out_dir;
  // The last point to stop: once renaming starts, a signal only sets the
  // flag, so the whole set is published.
  if (interrupted()) {
    return fail(ExitCode::interrupted, "building: interrupted by a signal");
  }
  if (!job.inputs.base_image) {
    std::error_code ec;
    fs::remove(out / kInstallerImage, ec);
  }
  for (const auto& name : names) {
    auto moved = rename_into_place(job.staging / name, out / name);
    if (!moved) return moved;
    job.published.push_back(name);
  }
  return {};
}

// Refuses, before any image is written, a base image without a GPT, one
// that is this build's own installer.img, and one that already carries
// CIDATA or OEMDATA (libfdisk checks the free entries later).
Result<void> check_base_image(const fs::path& base,
                              const BuildOptions& options) {
  std::error_code ec;
  if (fs::equivalent(base, options.out_dir / kInstallerImage, ec)) {
    return fail(ExitCode::invalid_args,
                "base_image: " + base.string() +
                    " is this build's own installer.img; name the vendor "
                    "image instead");
  }
  auto probe = probe_image(base);
  if (!probe) return std::unexpected(probe.error());
  if (probe->table_type != "gpt") {
    return fail("reading " + base.string() +
                ": no GPT partition table (found " +
                (probe->table_type.empty() ? "none" : probe->table_type) + ")");
  }
  for (const auto& part : probe->partitions) {
    if (part.name == oemdata::kLabel || part.name == oemdata::kCidataLabel) {
      return fail(ExitCode::invalid_args,
                  "base_image: " + base.string() +
                      " already has a partition named " + part.name +
                      " (an installer sparkforge built?)");
    }
  }
  return {};
}

// Holds an exclusive lock on the output folder for the life of a build, so
// two builds never publish into one folder at once.
class OutputLock {
 public:
  static Result<OutputLock> take(const fs::path& out_dir) {
    auto path = out_dir / ".sparkforge.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return fail(ExitCode::permission,
                  "writing " + out_dir.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return fail("writing " + out_dir.string() +
                  ": another sparkforge build is using this folder");
    }
    return OutputLock(fd);
  }
  OutputLock(OutputLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OutputLock& operator=(OutputLock&&) = delete;
  ~OutputLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit OutputLock(int fd) : fd_(fd) {}
  int fd_;
};

// Staging folders of builds that were killed; the lock says none is live.
void remove_stale_staging(const fs::path& out_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    if (entry.path().filename().string().starts_with(".sparkforge-build-")) {
      log::info("build", "removing " + entry.path().string() +
                             " left by an interrupted build");
      fs::remove_all(entry.path(), ec);
    }
  }
}

Result<Job> prepare(const BuildOptions& options) {
  Job job{.options = options};
  job.date = options.source_date_epoch.value_or(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  auto fleet = load_fleet(options.fleet_file);
  if (!fleet) return std::unexpected(fleet.error());
  job.fleet = std::move(*fleet);

  auto inputs =
      gather_inputs(job.fleet, options.threads, options.tools_package_dir);
  if (!inputs) return std::unexpected(inputs.error());
  job.inputs = std::move(*inputs);
  job.input_digest = digest_of_inputs(job.inputs);

  if (auto type = parse_fs_type(job.fleet.oemdata_filesystem); !type) {
    return std::unexpected(type.error());
  }
  if (job.inputs.base_image) {
    auto checked = check_base_image(job.inputs.base_image->path, options);
    if (!checked) return std::unexpected(checked.error());
  }
  if (auto made = make_dirs(options.out_dir); !made) {
    return std::unexpected(made.error());
  }
  if (::access(options.out_dir.c_str(), W_OK) != 0) {
    return fail(ExitCode::permission,
                "writing " + options.out_dir.string() + ": not writable");
  }
  return job;
}

}  // namespace

Result<BuildReport> build(const BuildOptions& options) {
  auto prepared = prepare(options);
  if (!prepared) return std::unexpected(prepared.error());
  Job& job = *prepared;

  auto lock = OutputLock::take(options.out_dir);
  if (!lock) return std::unexpected(lock.error());
  remove_stale_staging(options.out_dir);
  auto staging = TempDir::create(options.out_dir, ".sparkforge-build-");
  if (!staging) return std::unexpected(staging.error());
  job.staging = staging->path();
  job.oem_tree = job.staging / "oemdata";
  job.cidata_tree = job.staging / "cidata";

  auto signer = open_signer(job.fleet.signing_key, "fleet " + job.fleet.name,
                            options.out_dir, options.source_date_epoch);
  if (!signer) return std::unexpected(signer.error());

  log::info("build", "staging OEMDATA for fleet " + job.fleet.name);
  if (auto done = copy_inputs(job); !done) return std::unexpected(done.error());
  if (auto done = write_repository(job, *signer); !done) {
    return std::unexpected(done.error().with_context("writing repo"));
  }
  if (auto done = write_settings(job); !done) {
    return std::unexpected(done.error());
  }
  if (auto done = write_device_entries(job); !done) {
    return std::unexpected(done.error());
  }
  auto oem_files = seal_oemdata(job, *signer);
  if (!oem_files) return std::unexpected(oem_files.error());
  auto cidata_files = write_cidata_tree(job);
  if (!cidata_files) return std::unexpected(cidata_files.error());

  auto oem_type = *parse_fs_type(job.fleet.oemdata_filesystem);
  log::info("build", "writing " + std::string(kOemdataImage));
  if (auto done = make_image(job, job.oem_tree, oem_type, oemdata::kLabel,
                             job.fleet.oemdata_size);
      !done) {
    return std::unexpected(done.error());
  }
  if (auto done = make_image(job, job.cidata_tree, FsType::vfat,
                             oemdata::kCidataLabel, 0);
      !done) {
    return std::unexpected(done.error());
  }
  std::vector<std::string> names = {kCidataImage, kOemdataImage};
  if (job.inputs.base_image) {
    log::info("build", "writing " + std::string(kInstallerImage));
    if (auto done = make_installer(job, oem_type); !done) {
      return std::unexpected(done.error());
    }
    names.push_back(kInstallerImage);
  }

  ManifestParts parts{.fleet = &job.fleet,
                      .inputs = &job.inputs,
                      .fingerprint = signer->fingerprint(),
                      .source_date_epoch = job.date,
                      .oemdata_type = job.fleet.oemdata_filesystem,
                      .oemdata_files = &*oem_files,
                      .cidata_files = &*cidata_files};
  auto manifest = build_manifest(parts, job.staging, names, options.threads);
  if (!manifest) return std::unexpected(manifest.error());
  auto wrote =
      write_file_atomic(job.staging / kManifest, manifest->dump(2) + "\n");
  if (!wrote) return std::unexpected(wrote.error());
  names.push_back(kManifest);

  if (auto done = publish(job, names); !done) {
    return std::unexpected(done.error());
  }
  BuildReport report;
  for (const auto& name : names)
    report.outputs.push_back(options.out_dir / name);
  report.signing_fingerprint = signer->fingerprint();
  report.packages = job.packages.size();
  return report;
}

}  // namespace sf::builder
