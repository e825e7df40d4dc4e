// SPDX-License-Identifier: Apache-2.0
// Verifies signed APT repositories against a trusted keyring.
#include <apt-pkg/strutl.h>

#include <charconv>
#include <ctime>
#include <set>
#include <sstream>
#include <system_error>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "mirror/apt/archive_reader.hpp"
#include "mirror/apt/deb822.hpp"
#include "mirror/apt/repository.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;

// Indices of a full upstream archive can exceed read_file's default cap.
constexpr std::size_t kMaxIndex = std::size_t{1} << 30;

std::unexpected<Error> bad(std::string_view file, std::string_view cause) {
  return fail(ExitCode::verify_failed, "verifying repo: " + std::string(file) +
                                           ": " + std::string(cause));
}

// A path inside the repository: relative and without "..".
bool is_inside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

// Checks one file's size and SHA-256; `name` is how messages call it.
Result<void> check_file(const fs::path& file, std::string_view name,
                        std::uint64_t size, std::string_view sha256) {
  std::error_code ec;
  auto actual = fs::file_size(file, ec);
  if (ec) return bad(name, "missing");
  if (actual != size) return bad(name, "size mismatch");
  auto digests = hash_file(file);
  if (!digests) return bad(name, digests.error().message);
  if (digests->sha256 != sha256) return bad(name, "SHA256 mismatch");
  return {};
}

struct Listed {
  std::string path;  // relative to dists/<suite>/
  std::uint64_t size = 0;
  std::string sha256;
};

// Parses the SHA256 field of Release: lines of "hash size path".
Result<std::vector<Listed>> parse_listing(std::string_view value,
                                          std::string_view release) {
  std::vector<Listed> listed;
  std::istringstream lines{std::string(value)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream words(line);
    Listed entry;
    if (!(words >> entry.sha256 >> entry.size >> entry.path) ||
        entry.sha256.size() != 64 || !is_inside(entry.path)) {
      return bad(release, "bad SHA256 line '" + line + "'");
    }
    listed.push_back(std::move(entry));
  }
  if (listed.empty()) return bad(release, "no SHA256 files");
  return listed;
}

// Verifies InRelease (and Release.gpg when present) and returns the signed
// Release text after checking Release holds the same.
Result<std::string> read_signed_release(const fs::path& dir,
                                        const std::string& rel,
                                        GpgContext& gpg) {
  auto inrelease = read_file(dir / "InRelease");
  if (!inrelease) return bad(rel + "InRelease", "missing");
  std::string signed_text;
  auto signer = gpg.verify_clearsigned(*inrelease, &signed_text);
  if (!signer) return bad(rel + "InRelease", signer.error().message);

  auto release = read_file(dir / "Release");
  if (!release) return bad(rel + "Release", "missing");
  if (*release != signed_text) {
    return bad(rel + "Release", "differs from InRelease");
  }
  auto detached = read_file(dir / "Release.gpg");
  if (detached) {
    auto ok = gpg.verify_detached(*release, *detached);
    if (!ok) return bad(rel + "Release.gpg", ok.error().message);
  }
  return signed_text;
}

Result<void> check_valid_until(const Stanza& release, std::string_view rel) {
  auto valid_until = release.find("Valid-Until");
  if (!valid_until) return {};
  time_t until = 0;
  if (!RFC1123StrToTime(*valid_until, until)) {
    return bad(rel, "bad Valid-Until");
  }
  if (until < std::time(nullptr)) return bad(rel, "expired");
  return {};
}

// The uncompressed text of the Packages index in `dir`, read from the
// first of Packages, Packages.xz, Packages.gz that Release lists (and so
// whose hash was checked).
Result<std::optional<std::string>> read_packages(
    const fs::path& suite_dir, const std::set<std::string>& listed,
    const std::string& dir) {
  for (auto name : {"Packages", "Packages.xz", "Packages.gz"}) {
    auto path = dir + "/" + name;
    if (!listed.contains(path)) continue;
    auto data = read_file(suite_dir / path, kMaxIndex);
    if (!data) return std::unexpected(data.error());
    if (std::string_view(name) == "Packages") return data;
    auto reader = ArchiveReader::open_memory(*data, ArchiveFormat::raw, path);
    if (!reader) return std::unexpected(reader.error());
    if (auto entry = reader->next(); !entry || !*entry) {
      return fail(path + ": cannot decompress");
    }
    return reader->read_data(kMaxIndex);
  }
  return std::nullopt;
}

// Checks every pool file one Packages index names.
Result<void> check_pool(const fs::path& root, std::string_view packages,
                        std::string_view name) {
  auto stanzas = parse_stanzas(packages);
  if (!stanzas) return bad(name, stanzas.error().message);
  for (const auto& stanza : *stanzas) {
    auto filename = stanza.find("Filename");
    auto size = stanza.find("Size");
    auto sha256 = stanza.find("SHA256");
    std::uint64_t bytes = 0;
    if (!filename || !size || !sha256 || !is_inside(*filename) ||
        std::from_chars(size->data(), size->data() + size->size(), bytes).ec !=
            std::errc{}) {
      return bad(name, "stanza lacks a valid Filename, Size or SHA256");
    }
    auto ok = check_file(root / *filename, *filename, bytes, *sha256);
    if (!ok) return ok;
  }
  return {};
}

}  // namespace

Result<void> verify_repository(const fs::path& root, std::string_view suite,
                               GpgContext& gpg) {
  auto rel = "dists/" + std::string(suite) + "/";
  auto suite_dir = root / "dists" / suite;
  auto text = read_signed_release(suite_dir, rel, gpg);
  if (!text) return std::unexpected(text.error());
  auto release = parse_stanza(*text);
  if (!release) return bad(rel + "Release", "does not parse");
  if (auto ok = check_valid_until(*release, rel + "Release"); !ok) return ok;
  auto listing =
      parse_listing(release->find("SHA256").value_or(""), rel + "Release");
  if (!listing) return std::unexpected(listing.error());

  std::set<std::string> listed, dirs;
  for (const auto& entry : *listing) {
    auto ok = check_file(suite_dir / entry.path, rel + entry.path, entry.size,
                         entry.sha256);
    if (!ok) return ok;
    listed.insert(entry.path);
    auto path = fs::path(entry.path);
    if (path.stem() == "Packages" || path.filename() == "Packages") {
      dirs.insert(path.parent_path().string());
    }
  }
  for (const auto& dir : dirs) {
    auto packages = read_packages(suite_dir, listed, dir);
    if (!packages) return bad(rel + dir, packages.error().message);
    if (!*packages) continue;
    auto ok = check_pool(root, **packages, rel + dir + "/Packages");
    if (!ok) return ok;
  }
  return {};
}

}  // namespace sf
