// SPDX-License-Identifier: Apache-2.0
// `sparkforge repo build`: a signed APT repository from .deb files, outside
// any installer, for internal servers and for benchmarks.
#include "builder/repo_command.hpp"

#include "builder/inputs.hpp"
#include "builder/signing.hpp"
#include "core/atomic_file.hpp"

namespace sf::builder {

Result<RepoReport> repo_build(const RepoBuildOptions& options) {
  auto inputs = expand_paths(options.debs, "debs", "deb", ".deb");
  if (!inputs) return std::unexpected(inputs.error());
  std::vector<std::filesystem::path> debs;
  for (const auto& input : *inputs) debs.push_back(input.path);

  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    return fail(ExitCode::permission,
                "creating " + options.out_dir.string() + ": " + ec.message());
  }
  // A throwaway key stays beside the repository, never inside the folder a
  // web server publishes.
  auto key_dir = std::filesystem::absolute(options.out_dir).parent_path();
  auto signer =
      open_signer(options.signing_key, "repository " + options.out_dir.string(),
                  key_dir, options.source_date_epoch);
  if (!signer) return std::unexpected(signer.error());

  RepoOptions repo;
  repo.root = options.out_dir;
  repo.suite = options.suite;
  repo.architectures = options.architectures;
  repo.date = options.source_date_epoch.value_or(0);
  repo.threads = options.threads;
  if (options.valid_for_days) {
    repo.valid_for = std::chrono::days(*options.valid_for_days);
  }
  auto report =
      build_repository(debs, repo, {&signer->gpg(), signer->fingerprint()});
  if (!report) return report;

  auto key = signer->public_key();
  if (!key) return std::unexpected(key.error());
  auto wrote = write_file_atomic(options.out_dir / "key.asc", *key);
  if (!wrote) return std::unexpected(wrote.error());
  return report;
}

}  // namespace sf::builder
