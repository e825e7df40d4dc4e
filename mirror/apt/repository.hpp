// SPDX-License-Identifier: Apache-2.0
// Writes and verifies signed APT repositories (pool/ plus dists/<suite>/).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "mirror/apt/gpg.hpp"

namespace sf {

struct RepoOptions {
  std::filesystem::path root;  // the repository folder: pool/ and dists/
  std::string suite = "stable";
  std::string codename;  // empty: the suite
  std::string component = "main";
  // binary-all is always written too and `all` is listed in Release.
  std::vector<std::string> architectures = {"arm64"};
  std::string origin = "sparkforge";
  std::string label = "sparkforge";
  std::string description;  // left out of Release when empty
  std::optional<std::chrono::seconds> valid_for;  // Valid-Until = Date + this
  std::int64_t date = 0;  // Date in seconds since the epoch; 0 = now
  unsigned threads = 0;   // 0 = std::thread::hardware_concurrency()
  // hardlink falls back to copy when the pool is on another filesystem.
  enum class PoolMode { copy, hardlink } pool_mode = PoolMode::hardlink;
};

// The key that signs Release; gpg must outlive the call.
struct SigningIdentity {
  GpgContext* gpg = nullptr;
  std::string fingerprint;
};

struct RepoPackage {
  std::string package;
  std::string version;
  std::string architecture;
  std::string filename;  // relative to the root, as in Packages
  std::uint64_t size = 0;
  std::string sha256;
};

struct RepoReport {
  std::vector<RepoPackage> packages;  // by package, version, architecture
  // Every file written under dists/ except by-hash copies, relative to the
  // root: the Packages indices, Release, InRelease and Release.gpg.
  std::vector<std::string> index_files;
};

// Builds a signed repository of `debs` under options.root.
//
// Reads and hashes the packages on options.threads threads. Identical
// duplicates (same package, version, architecture and SHA-256) are kept
// once; a duplicate with other content is an error naming both files, as is
// an architecture that is neither configured nor `all`. Packages go to
// pool/<component>/<prefix>/<package>/<package>_<version>_<arch>.deb (the
// canonical name, epoch left out; prefix is the first letter, or libX for
// lib* packages). Files already in the pool are replaced; files no longer
// referenced are left in place.
//
// dists/<suite>/ (Packages, .gz and .xz per architecture and binary-all,
// by-hash copies, Release, InRelease, Release.gpg) is written into a
// temporary folder beside it and swapped in with one atomic rename, so a
// failure leaves the previous suite (or none) untouched and other suites
// are never touched. Equal inputs and equal options.date give byte-identical
// indices and Release.
[[nodiscard]] Result<RepoReport> build_repository(
    const std::vector<std::filesystem::path>& debs, const RepoOptions& options,
    const SigningIdentity& signer);

// Verifies dists/<suite>/ under root against the keys in gpg (all trusted):
// the InRelease signature, Release equal to InRelease's signed text, the
// Release.gpg signature when present, Valid-Until, the size and SHA-256 of
// every file listed in Release and of every pool file each Packages index
// names. Fails with verify_failed naming the first file that differs, e.g.
// "verifying repo: dists/stable/main/binary-arm64/Packages.xz: SHA256
// mismatch".
[[nodiscard]] Result<void> verify_repository(const std::filesystem::path& root,
                                             std::string_view suite,
                                             GpgContext& gpg);

}  // namespace sf
