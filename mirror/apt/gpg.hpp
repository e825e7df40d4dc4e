// SPDX-License-Identifier: Apache-2.0
// OpenPGP keys, signatures and verification through GPGME, with a private
// GNUPGHOME per context.
#pragma once

#include <gpgme.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sf {

// Key types generate_key() can create.
enum class KeyAlgo { ed25519, rsa3072 };

// Whether exported keys are ASCII-armored or binary.
enum class Armor { no, yes };

// One GPGME context bound to its own GNUPGHOME. Signing keys weaker than
// RSA 3072 (or DSA and ElGamal of any size) are refused. Every signature
// uses SHA-512.
//
// gpg starts a gpg-agent per home; it is stopped when the context is
// destroyed. gpg places the agent socket in /run/user/<uid>/gnupg when that
// exists and in the home itself otherwise, where sockets are limited to 107
// characters: keep homes short (e.g. a TempDir under /tmp).
class GpgContext {
 public:
  // Creates the home (mode 0700) when missing, writes a gpg.conf there that
  // prefers SHA-512 when none exists, and opens a context on it with
  // armored output. Fails when GPGME or the gpg engine is unusable.
  [[nodiscard]] static Result<GpgContext> open(
      const std::filesystem::path& gnupg_home);

  GpgContext(GpgContext&& other) noexcept = default;
  GpgContext& operator=(GpgContext&& other) noexcept = default;
  ~GpgContext();

  [[nodiscard]] const std::filesystem::path& home() const { return home_; }

  // Imports armored or binary keys. Returns the fingerprint of the first
  // secret key imported, or else of the first public key. Fails when the
  // data holds no key.
  [[nodiscard]] Result<std::string> import_key(std::string_view key_data);

  // Creates a signing-only primary key without passphrase or expiry and
  // returns its fingerprint.
  [[nodiscard]] Result<std::string> generate_key(
      std::string_view uid, KeyAlgo algo = KeyAlgo::ed25519);

  // Exports the public key `fpr`. Fails when the keyring lacks it.
  [[nodiscard]] Result<std::string> export_public(std::string_view fpr,
                                                  Armor armor = Armor::yes);

  // Exports the secret key `fpr`, armored. The key has no passphrase (as
  // generate_key makes it), so the result must be stored as a secret.
  [[nodiscard]] Result<std::string> export_secret(std::string_view fpr);

  // Makes a cleartext signature (the form of InRelease) with secret key
  // `fpr`. Fails when the key is missing, unusable or too weak.
  [[nodiscard]] Result<std::string> clearsign(std::string_view text,
                                              std::string_view fpr);

  // Makes an armored detached signature (the form of Release.gpg).
  [[nodiscard]] Result<std::string> detach_sign(std::string_view data,
                                                std::string_view fpr);

  // Checks a detached signature against the keys in this keyring (all of
  // which are trusted, as with apt's signed-by). Returns the primary
  // fingerprint of the signer. Fails with verify_failed unless at least one
  // signature is good and none is bad, expired or revoked.
  [[nodiscard]] Result<std::string> verify_detached(std::string_view data,
                                                    std::string_view sig);

  // Checks a cleartext signature as verify_detached does and, when
  // plaintext_out is given, stores the signed text there.
  [[nodiscard]] Result<std::string> verify_clearsigned(
      std::string_view signed_text, std::string* plaintext_out = nullptr);

 private:
  struct Release {
    void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
  };
  using Handle = std::unique_ptr<gpgme_context, Release>;

  GpgContext(Handle ctx, std::filesystem::path home)
      : ctx_(std::move(ctx)), home_(std::move(home)) {}

  [[nodiscard]] Result<void> use_signer(std::string_view fpr);
  [[nodiscard]] Result<std::string> export_key(std::string_view fpr,
                                               Armor armor,
                                               gpgme_export_mode_t mode);
  [[nodiscard]] Result<std::string> sign(std::string_view data,
                                         gpgme_sig_mode_t mode);
  [[nodiscard]] Result<std::string> check_signatures();

  Handle ctx_;
  std::filesystem::path home_;
};

// Stops the gpg-agent of a GNUPGHOME (gpgconf --kill gpg-agent). Stopping
// a home that has no agent succeeds.
[[nodiscard]] Result<void> stop_gpg_agent(
    const std::filesystem::path& gnupg_home);

}  // namespace sf
