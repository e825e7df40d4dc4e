// SPDX-License-Identifier: Apache-2.0
// The fleet's repository signing key, opened from what the fleet file says.
#include "builder/signing.hpp"

#include "core/log.hpp"

namespace sf::builder {
namespace {

namespace fs = std::filesystem;

// gpg.conf of a private home: SHA-512 digests, and with a fixed time every
// signature dated at it. The key may be younger than that time, which gpg
// would otherwise refuse as a clock problem.
std::string gpg_conf(std::optional<std::int64_t> fixed_time) {
  std::string conf =
      "personal-digest-preferences SHA512 SHA384 SHA256\n"
      "cert-digest-algo SHA512\n"
      "digest-algo SHA512\n";
  if (fixed_time) {
    conf += "faked-system-time " + std::to_string(*fixed_time) + "!\n";
    conf += "ignore-time-conflict\n";
  }
  return conf;
}

Result<TempDir> private_home(std::optional<std::int64_t> fixed_time) {
  // Under /tmp rather than the output folder: gpg-agent's socket path must
  // stay short.
  auto home = TempDir::create(fs::temp_directory_path(), "sparkforge-gpg-");
  if (!home) return home;
  fs::permissions(home->path(), fs::perms::owner_all);
  auto wrote =
      write_file_atomic(home->path() / "gpg.conf", gpg_conf(fixed_time), 0600);
  if (!wrote) return std::unexpected(wrote.error());
  return home;
}

Result<std::string> import_file(GpgContext& gpg, const fs::path& file) {
  auto text = read_file(file, 1 << 20);
  if (!text) return std::unexpected(text.error());
  auto fpr = gpg.import_key(*text);
  if (!fpr) {
    return std::unexpected(
        fpr.error().with_context("importing " + file.string()));
  }
  return fpr;
}

// The throwaway key of the bundled example: made once per output folder.
Result<std::string> throwaway_key(GpgContext& gpg, const SigningKey& key,
                                  std::string_view owner,
                                  const fs::path& out_dir) {
  auto file = out_dir / kThrowawayKey;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    log::warn("signing", "using the throwaway key in " + file.string() +
                             "; name a real key in signing_key for a fleet");
    return import_file(gpg, file);
  }
  auto algo = key.algorithm == "rsa3072" ? KeyAlgo::rsa3072 : KeyAlgo::ed25519;
  auto fpr = gpg.generate_key(
      "sparkforge throwaway key for " + std::string(owner), algo);
  if (!fpr) return fpr;
  auto secret = gpg.export_secret(*fpr);
  if (!secret) return std::unexpected(secret.error());
  auto wrote = write_file_atomic(file, *secret, 0600);
  if (!wrote) return std::unexpected(wrote.error());
  log::warn("signing", "generated a throwaway signing key " + *fpr + " in " +
                           file.string() +
                           "; devices will trust only media signed with it");
  return fpr;
}

}  // namespace

Result<std::string> Signer::public_key() const {
  return gpg_->export_public(fingerprint_);
}

Result<Signer> open_signer(const SigningKey& key, std::string_view owner,
                           const fs::path& out_dir,
                           std::optional<std::int64_t> fixed_time) {
  using Kind = SigningKey::Kind;
  Signer signer;
  fs::path home = key.gnupg_home;
  if (key.kind != Kind::gnupg_home) {
    auto made = private_home(fixed_time);
    if (!made) return std::unexpected(made.error());
    home = made->path();
    signer.home_.emplace(std::move(*made));
  }
  auto gpg = GpgContext::open(home);
  if (!gpg) return std::unexpected(gpg.error());
  signer.gpg_ = std::make_unique<GpgContext>(std::move(*gpg));

  Result<std::string> fpr = key.fingerprint;
  if (key.kind == Kind::secret_key_file) {
    fpr = import_file(*signer.gpg_, key.secret_key_file);
  } else if (key.kind == Kind::generate) {
    fpr = throwaway_key(*signer.gpg_, key, owner, out_dir);
  }
  if (!fpr) return std::unexpected(fpr.error().with_context("signing key"));
  signer.fingerprint_ = *fpr;
  return signer;
}

}  // namespace sf::builder
