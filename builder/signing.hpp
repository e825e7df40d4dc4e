// SPDX-License-Identifier: Apache-2.0
// The fleet's repository signing key, opened from what the fleet file says.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "builder/fleet.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "mirror/apt/gpg.hpp"

namespace sf::builder {

// A GPGME context holding the fleet's secret key. For an imported or
// generated key the keyring lives in a private temporary GNUPGHOME that is
// removed (and its agent stopped) when the Signer goes away.
class Signer {
 public:
  [[nodiscard]] const std::string& fingerprint() const { return fingerprint_; }
  [[nodiscard]] GpgContext& gpg() { return *gpg_; }
  // The armored public key, as written to keys/fleet.asc.
  [[nodiscard]] Result<std::string> public_key() const;

 private:
  friend Result<Signer> open_signer(const SigningKey&, std::string_view,
                                    const std::filesystem::path&,
                                    std::optional<std::int64_t>);
  std::optional<TempDir> home_;  // destroyed after gpg_
  std::unique_ptr<GpgContext> gpg_;
  std::string fingerprint_;
};

// Opens the key a fleet file (or the command line) names: imports
// `secret_key_file`, uses the fingerprint in `gnupg_home`, or, for
// `generate`, reuses the throwaway key kept in
// out_dir/throwaway-signing-key.asc or makes one there for `owner` (and says
// so on stderr). With fixed_time set, signatures carry that time, so the same
// key and inputs sign to the same bytes. Fails with not_found for a missing
// key file and general when gpg refuses the key.
[[nodiscard]] Result<Signer> open_signer(
    const SigningKey& key, std::string_view owner,
    const std::filesystem::path& out_dir,
    std::optional<std::int64_t> fixed_time);

inline constexpr const char* kThrowawayKey = "throwaway-signing-key.asc";

}  // namespace sf::builder
