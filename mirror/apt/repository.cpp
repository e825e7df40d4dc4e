// SPDX-License-Identifier: Apache-2.0
// Writes signed APT repositories (pool/ plus dists/<suite>/).
#include "mirror/apt/repository.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <thread>
#include <tuple>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "mirror/apt/archive_reader.hpp"
#include "mirror/apt/repo_index.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;

struct Scanned {
  fs::path path;
  IndexedDeb deb;
};

Result<Scanned> scan_one(const fs::path& path) {
  auto control = read_deb_control(path);
  if (!control) return std::unexpected(control.error());
  if (auto ok = check_identity(*control); !ok) {
    return std::unexpected(ok.error().with_context("reading " + path.string()));
  }
  auto digests = hash_file(path, WithSha512::yes);
  if (!digests) return std::unexpected(digests.error());
  return Scanned{path, IndexedDeb{std::move(*control), "", *digests}};
}

// Reads and hashes every package on `threads` workers. The first failure
// in input order wins, so errors do not depend on scheduling.
Result<std::vector<Scanned>> scan_all(const std::vector<fs::path>& debs,
                                      unsigned threads) {
  std::vector<std::optional<Result<Scanned>>> results(debs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (auto i = next++; i < debs.size(); i = next++) {
      results[i] = scan_one(debs[i]);
    }
  };
  {
    std::vector<std::jthread> workers;
    auto count = std::min<std::size_t>(std::max(threads, 1u), debs.size());
    for (std::size_t i = 0; i < count; ++i) workers.emplace_back(work);
  }
  std::vector<Scanned> scanned;
  for (auto& result : results) {
    if (!*result) return std::unexpected(result->error());
    scanned.push_back(std::move(**result));
  }
  return scanned;
}

// Drops identical duplicates and rejects conflicting ones and foreign
// architectures.
Result<std::vector<Scanned>> select(std::vector<Scanned> scanned,
                                    const RepoOptions& options) {
  const auto& arches = options.architectures;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
  std::vector<Scanned> kept;
  for (auto& item : scanned) {
    const auto& c = item.deb.control;
    if (c.architecture != "all" && std::find(arches.begin(), arches.end(),
                                             c.architecture) == arches.end()) {
      return fail("adding " + item.path.string() + ": architecture " +
                  c.architecture + " is not in the repository");
    }
    auto [it, inserted] =
        seen.try_emplace({c.package, c.version, c.architecture}, kept.size());
    if (inserted) {
      kept.push_back(std::move(item));
      continue;
    }
    const auto& first = kept[it->second];
    if (first.deb.digests.sha256 != item.deb.digests.sha256) {
      return fail("adding " + item.path.string() + ": " + c.package + " " +
                  c.version + " (" + c.architecture +
                  ") differs from the same package in " + first.path.string());
    }
  }
  return kept;
}

// Puts one package at its pool path, through a temporary name so readers
// never see a partial file. Not synced here: fill_pool syncs the whole
// filesystem once, before any index names the file (one fsync per package
// cost seconds for a few hundred).
Result<void> place(const fs::path& from, const fs::path& to,
                   RepoOptions::PoolMode mode) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  if (fs::exists(to, ec) && fs::equivalent(from, to, ec)) return {};
  auto temp = to;
  temp += ".tmp." + std::to_string(::getpid());
  fs::remove(temp, ec);
  bool linked = mode == RepoOptions::PoolMode::hardlink &&
                ::link(from.c_str(), temp.c_str()) == 0;
  if (!linked) {
    ec.clear();
    fs::copy_file(from, temp, ec);
    if (ec) {
      fs::remove(temp, ec);
      return fail("copying " + from.string() + " to " + to.string() + ": " +
                  ec.message());
    }
  }
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    auto message = "renaming " + temp.string() + " to " + to.string() + ": " +
                   std::strerror(errno);
    fs::remove(temp, ec);
    return fail(message);
  }
  return {};
}

Result<void> fill_pool(std::vector<Scanned>& debs, const RepoOptions& options) {
  for (auto& item : debs) {
    item.deb.filename = pool_filename(options.component, item.deb.control);
    auto ok =
        place(item.path, options.root / item.deb.filename, options.pool_mode);
    if (!ok) return std::unexpected(ok.error());
  }
  return sync_filesystem(options.root);
}

std::vector<std::string> index_arches(const RepoOptions& options) {
  auto arches = options.architectures;
  if (std::find(arches.begin(), arches.end(), "all") == arches.end()) {
    arches.push_back("all");
  }
  return arches;
}

// Writes a file and its by-hash copies (hard links) under suite_dir.
Result<ReleaseEntry> write_index(const fs::path& suite_dir,
                                 const std::string& path,
                                 std::string_view data) {
  auto file = suite_dir / path;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (auto ok = write_file_atomic(file, data); !ok) {
    return std::unexpected(ok.error());
  }
  auto digests = hash_bytes(data, WithSha512::yes);
  for (auto [algo, hex] : {std::pair{"SHA256", &digests.sha256},
                           std::pair{"SHA512", &digests.sha512}}) {
    auto copy = file.parent_path() / "by-hash" / algo / *hex;
    fs::create_directories(copy.parent_path(), ec);
    if (!fs::exists(copy)) fs::create_hard_link(file, copy, ec);
    if (ec) return fail("writing " + copy.string() + ": " + ec.message());
  }
  return ReleaseEntry{path, digests};
}

// Writes Packages, Packages.gz and Packages.xz of one architecture.
Result<void> write_packages(const fs::path& suite_dir, const std::string& dir,
                            const std::string& text,
                            std::vector<ReleaseEntry>& entries) {
  auto gz = compress(text, Compression::gzip);
  if (!gz) return std::unexpected(gz.error());
  auto xz = compress(text, Compression::xz);
  if (!xz) return std::unexpected(xz.error());
  using Named = std::pair<const char*, std::string_view>;
  for (auto [name, data] : {Named{"Packages", text}, Named{"Packages.gz", *gz},
                            Named{"Packages.xz", *xz}}) {
    auto entry = write_index(suite_dir, dir + "/" + name, data);
    if (!entry) return std::unexpected(entry.error());
    entries.push_back(std::move(*entry));
  }
  return {};
}

ReleaseFields release_fields(const RepoOptions& options) {
  ReleaseFields fields;
  fields.origin = options.origin;
  fields.label = options.label;
  fields.suite = options.suite;
  fields.codename = options.codename.empty() ? options.suite : options.codename;
  fields.description = options.description;
  fields.date = options.date != 0 ? options.date : std::time(nullptr);
  if (options.valid_for)
    fields.valid_until = fields.date + options.valid_for->count();
  fields.architectures = index_arches(options);
  fields.components = {options.component};
  return fields;
}

// Writes Release, InRelease and Release.gpg.
Result<void> write_release(const fs::path& suite_dir, const std::string& text,
                           const SigningIdentity& signer) {
  auto inrelease = signer.gpg->clearsign(text, signer.fingerprint);
  if (!inrelease) return std::unexpected(inrelease.error());
  auto detached = signer.gpg->detach_sign(text, signer.fingerprint);
  if (!detached) return std::unexpected(detached.error());
  using Named = std::pair<const char*, std::string_view>;
  for (auto [name, data] :
       {Named{"Release", text}, Named{"InRelease", *inrelease},
        Named{"Release.gpg", *detached}}) {
    if (auto ok = write_file_atomic(suite_dir / name, data); !ok) return ok;
  }
  return {};
}

// Moves the finished suite over dists/<suite>: an atomic exchange when an
// old one exists (left in `staged` for removal), a rename otherwise.
Result<void> swap_in(TempDir& staged, const fs::path& target) {
  if (!fs::exists(target)) {
    auto ok = rename_into_place(staged.path(), target);
    if (ok) staged.release();
    return ok;
  }
  if (::renameat2(AT_FDCWD, staged.path().c_str(), AT_FDCWD, target.c_str(),
                  RENAME_EXCHANGE) != 0) {
    return fail("replacing " + target.string() + ": " + std::strerror(errno));
  }
  return {};
}

Result<void> check_options(const RepoOptions& options,
                           const SigningIdentity& signer) {
  auto plain = [](const std::string& word) {
    return !word.empty() && word != "." && word != ".." &&
           word.find_first_of("/ \t\n") == std::string::npos;
  };
  if (options.root.empty()) return fail(ExitCode::invalid_args, "no root");
  if (!plain(options.suite) || !plain(options.component)) {
    return fail(ExitCode::invalid_args, "invalid suite or component");
  }
  if (options.architectures.empty()) {
    return fail(ExitCode::invalid_args, "no architectures");
  }
  if (signer.gpg == nullptr || signer.fingerprint.empty()) {
    return fail(ExitCode::invalid_args, "no signing key");
  }
  return {};
}

// Writes every index and the signed Release of the suite into suite_dir.
Result<std::vector<std::string>> write_suite(const fs::path& suite_dir,
                                             const std::vector<Scanned>& debs,
                                             const RepoOptions& options,
                                             const SigningIdentity& signer) {
  std::vector<ReleaseEntry> entries;
  std::vector<std::string> files;
  auto prefix = "dists/" + options.suite + "/";
  for (const auto& arch : index_arches(options)) {
    std::vector<IndexedDeb> selected;
    for (const auto& item : debs) {
      if (item.deb.control.architecture == arch) selected.push_back(item.deb);
    }
    sort_for_index(selected);
    auto dir = options.component + "/binary-" + arch;
    auto ok = write_packages(suite_dir, dir, packages_text(selected), entries);
    if (!ok) return std::unexpected(ok.error());
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  auto release = release_text(release_fields(options), entries);
  if (auto ok = write_release(suite_dir, release, signer); !ok) {
    return std::unexpected(ok.error());
  }
  for (const auto& entry : entries) files.push_back(prefix + entry.path);
  for (auto name : {"Release", "InRelease", "Release.gpg"}) {
    files.push_back(prefix + name);
  }
  return files;
}

RepoReport make_report(std::vector<Scanned>& debs) {
  std::vector<IndexedDeb> all;
  for (auto& item : debs) all.push_back(item.deb);
  sort_for_index(all);
  RepoReport report;
  for (auto& deb : all) {
    report.packages.push_back({deb.control.package, deb.control.version,
                               deb.control.architecture, deb.filename,
                               deb.digests.size, deb.digests.sha256});
  }
  return report;
}

}  // namespace

Result<RepoReport> build_repository(const std::vector<fs::path>& debs,
                                    const RepoOptions& options,
                                    const SigningIdentity& signer) {
  auto context = "building repository " + options.root.string();
  auto failed = [&](const Error& error) {
    return std::unexpected(error.with_context(context));
  };
  if (auto ok = check_options(options, signer); !ok) return failed(ok.error());

  unsigned threads = options.threads != 0
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  auto scanned = scan_all(debs, threads);
  if (!scanned) return failed(scanned.error());
  auto kept = select(std::move(*scanned), options);
  if (!kept) return failed(kept.error());
  if (auto ok = fill_pool(*kept, options); !ok) return failed(ok.error());

  auto dists = options.root / "dists";
  std::error_code ec;
  fs::create_directories(dists, ec);
  auto staged = TempDir::create(dists, "." + options.suite + ".new-");
  if (!staged) return failed(staged.error());
  // mkdtemp makes the folder 0700; apt may read as _apt.
  fs::permissions(staged->path(), fs::perms(0755), ec);
  auto files = write_suite(staged->path(), *kept, options, signer);
  if (!files) return failed(files.error());
  if (auto ok = swap_in(*staged, dists / options.suite); !ok) {
    return failed(ok.error());
  }

  auto report = make_report(*kept);
  report.index_files = std::move(*files);
  log::info("apt", "wrote " + std::to_string(report.packages.size()) +
                       " packages to " + options.root.string());
  return report;
}

}  // namespace sf
