// SPDX-License-Identifier: Apache-2.0
// OpenPGP keys, signatures and verification through GPGME, with a private
// GNUPGHOME per context.
#include "mirror/apt/gpg.hpp"

#include <mutex>
#include <system_error>

#include "core/atomic_file.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace sf {
namespace {

// gpg reads this at every start: SHA-512 for data and key signatures.
constexpr std::string_view kGpgConf =
    "personal-digest-preferences SHA512\n"
    "cert-digest-algo SHA512\n"
    "digest-algo SHA512\n";

constexpr unsigned kMinRsaBits = 3072;

struct DataFree {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
using Data = std::unique_ptr<gpgme_data, DataFree>;

struct KeyUnref {
  void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using Key = std::unique_ptr<_gpgme_key, KeyUnref>;

std::string gpg_text(gpgme_error_t err) { return gpgme_strerror(err); }

// GPGME must learn its version once per process before any context exists.
Result<void> initialise_gpgme() {
  static std::once_flag once;
  static gpgme_error_t status = 0;
  std::call_once(once, [] {
    gpgme_check_version(nullptr);
    status = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
  });
  if (status != 0) return fail("starting gpg: " + gpg_text(status));
  return {};
}

Result<Data> data_from(std::string_view bytes) {
  gpgme_data_t data = nullptr;
  auto err = gpgme_data_new_from_mem(&data, bytes.data(), bytes.size(), 1);
  if (err != 0) return fail("gpgme data: " + gpg_text(err));
  return Data(data);
}

Result<Data> empty_data() {
  gpgme_data_t data = nullptr;
  auto err = gpgme_data_new(&data);
  if (err != 0) return fail("gpgme data: " + gpg_text(err));
  return Data(data);
}

// Releases the buffer and returns the bytes written into it.
std::string take(Data data) {
  std::size_t length = 0;
  char* bytes = gpgme_data_release_and_get_mem(data.release(), &length);
  std::string out(bytes != nullptr ? bytes : "", length);
  gpgme_free(bytes);
  return out;
}

std::string algo_name(gpgme_subkey_t subkey) {
  char* name = gpgme_pubkey_algo_string(subkey);
  std::string out = name != nullptr ? name : "unknown";
  gpgme_free(name);
  return out;
}

// RSA below 3072 bits, DSA and ElGamal are refused; ECC keys pass.
Result<void> check_strength(gpgme_subkey_t subkey) {
  switch (subkey->pubkey_algo) {
    case GPGME_PK_RSA:
    case GPGME_PK_RSA_E:
    case GPGME_PK_RSA_S:
      if (subkey->length >= kMinRsaBits) return {};
      break;
    case GPGME_PK_ECC:
    case GPGME_PK_ECDSA:
    case GPGME_PK_EDDSA: return {};
    default: break;
  }
  return fail("key " + algo_name(subkey) + " is weaker than RSA " +
              std::to_string(kMinRsaBits));
}

bool usable_for_signing(gpgme_subkey_t subkey) {
  return subkey->can_sign && !subkey->revoked && !subkey->expired &&
         !subkey->disabled && !subkey->invalid;
}

Result<void> write_gpg_conf(const std::filesystem::path& home) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  std::filesystem::permissions(home, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return fail("creating " + home.string() + ": " + ec.message());
  if (std::filesystem::exists(home / "gpg.conf")) return {};
  return write_file_atomic(home / "gpg.conf", kGpgConf, 0600);
}

}  // namespace

Result<GpgContext> GpgContext::open(const std::filesystem::path& gnupg_home) {
  if (auto ok = initialise_gpgme(); !ok) return std::unexpected(ok.error());
  if (auto ok = write_gpg_conf(gnupg_home); !ok) {
    return std::unexpected(ok.error());
  }
  gpgme_ctx_t raw = nullptr;
  if (auto err = gpgme_new(&raw); err != 0) {
    return fail("opening gpg context: " + gpg_text(err));
  }
  Handle ctx(raw);
  auto home = std::filesystem::absolute(gnupg_home);
  auto err = gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP);
  if (err == 0) {
    err = gpgme_ctx_set_engine_info(raw, GPGME_PROTOCOL_OpenPGP, nullptr,
                                    home.c_str());
  }
  if (err == 0)
    err = gpgme_set_pinentry_mode(raw, GPGME_PINENTRY_MODE_LOOPBACK);
  if (err != 0) {
    return fail("opening gpg home " + home.string() + ": " + gpg_text(err));
  }
  gpgme_set_armor(raw, 1);
  gpgme_set_offline(raw, 1);
  return GpgContext(std::move(ctx), home);
}

GpgContext::~GpgContext() {
  if (!ctx_) return;
  ctx_.reset();
  if (auto ok = stop_gpg_agent(home_); !ok) {
    log::warn("gpg", ok.error().message);
  }
}

Result<std::string> GpgContext::import_key(std::string_view key_data) {
  auto in = data_from(key_data);
  if (!in) return std::unexpected(in.error());
  if (auto err = gpgme_op_import(ctx_.get(), in->get()); err != 0) {
    return fail("importing key: " + gpg_text(err));
  }
  gpgme_import_result_t result = gpgme_op_import_result(ctx_.get());
  std::string first_public;
  for (auto s = result != nullptr ? result->imports : nullptr; s != nullptr;
       s = s->next) {
    if (s->result != 0 || s->fpr == nullptr) continue;
    if (s->status & GPGME_IMPORT_SECRET) return std::string(s->fpr);
    if (first_public.empty()) first_public = s->fpr;
  }
  if (first_public.empty()) return fail("importing key: no key found");
  return first_public;
}

Result<std::string> GpgContext::generate_key(std::string_view uid,
                                             KeyAlgo algo) {
  const char* algo_name = algo == KeyAlgo::ed25519 ? "ed25519" : "rsa3072";
  unsigned flags =
      GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE;
  std::string user(uid);
  auto err = gpgme_op_createkey(ctx_.get(), user.c_str(), algo_name, 0, 0,
                                nullptr, flags);
  if (err != 0) {
    return fail("generating " + std::string(algo_name) +
                " key: " + gpg_text(err));
  }
  gpgme_genkey_result_t result = gpgme_op_genkey_result(ctx_.get());
  if (result == nullptr || result->fpr == nullptr) {
    return fail("generating key: gpg returned no fingerprint");
  }
  return std::string(result->fpr);
}

Result<std::string> GpgContext::export_public(std::string_view fpr,
                                              Armor armor) {
  return export_key(fpr, armor, 0);
}

Result<std::string> GpgContext::export_secret(std::string_view fpr) {
  return export_key(fpr, Armor::yes, GPGME_EXPORT_MODE_SECRET);
}

Result<std::string> GpgContext::export_key(std::string_view fpr, Armor armor,
                                           gpgme_export_mode_t mode) {
  auto out = empty_data();
  if (!out) return std::unexpected(out.error());
  std::string pattern(fpr);
  gpgme_set_armor(ctx_.get(), armor == Armor::yes ? 1 : 0);
  auto err = gpgme_op_export(ctx_.get(), pattern.c_str(), mode, out->get());
  gpgme_set_armor(ctx_.get(), 1);
  if (err != 0) return fail("exporting " + pattern + ": " + gpg_text(err));
  auto bytes = take(std::move(*out));
  if (bytes.empty()) {
    return fail(ExitCode::not_found, "exporting " + pattern + ": no such key");
  }
  return bytes;
}

// Makes `fpr` the only signer after checking that it can sign and is
// strong enough.
Result<void> GpgContext::use_signer(std::string_view fpr) {
  std::string pattern(fpr);
  auto context = "signing with " + pattern;
  gpgme_key_t raw = nullptr;
  auto err = gpgme_get_key(ctx_.get(), pattern.c_str(), &raw, 1);
  if (err != 0) {
    auto code = gpgme_err_code(err) == GPG_ERR_EOF ? ExitCode::not_found
                                                   : ExitCode::general;
    return fail(code, context + ": no such secret key");
  }
  Key key(raw);
  bool any = false;
  for (auto s = key->subkeys; s != nullptr; s = s->next) {
    if (!usable_for_signing(s)) continue;
    if (auto ok = check_strength(s); !ok) {
      return std::unexpected(ok.error().with_context(context));
    }
    any = true;
  }
  if (!any) return fail(context + ": key has no usable signing subkey");
  gpgme_signers_clear(ctx_.get());
  if (err = gpgme_signers_add(ctx_.get(), key.get()); err != 0) {
    return fail(context + ": " + gpg_text(err));
  }
  return {};
}

Result<std::string> GpgContext::sign(std::string_view data,
                                     gpgme_sig_mode_t mode) {
  auto in = data_from(data);
  auto out = empty_data();
  if (!in) return std::unexpected(in.error());
  if (!out) return std::unexpected(out.error());
  auto err = gpgme_op_sign(ctx_.get(), in->get(), out->get(), mode);
  gpgme_signers_clear(ctx_.get());
  if (err != 0) return fail("signing: " + gpg_text(err));
  auto result = gpgme_op_sign_result(ctx_.get());
  if (result == nullptr || result->invalid_signers != nullptr ||
      result->signatures == nullptr) {
    return fail("signing: gpg made no signature");
  }
  return take(std::move(*out));
}

Result<std::string> GpgContext::clearsign(std::string_view text,
                                          std::string_view fpr) {
  if (auto ok = use_signer(fpr); !ok) return std::unexpected(ok.error());
  return sign(text, GPGME_SIG_MODE_CLEAR);
}

Result<std::string> GpgContext::detach_sign(std::string_view data,
                                            std::string_view fpr) {
  if (auto ok = use_signer(fpr); !ok) return std::unexpected(ok.error());
  return sign(data, GPGME_SIG_MODE_DETACH);
}

// Reads the last verify result: every signature must be good, from a key
// in the keyring that is strong enough. Returns the first signer's primary
// fingerprint.
Result<std::string> GpgContext::check_signatures() {
  auto bad = [](std::string cause) {
    return fail(ExitCode::verify_failed, "verifying signature: " + cause);
  };
  gpgme_verify_result_t result = gpgme_op_verify_result(ctx_.get());
  if (result == nullptr || result->signatures == nullptr) {
    return bad("no signature found");
  }
  std::string signer;
  constexpr unsigned kRejected = GPGME_SIGSUM_RED | GPGME_SIGSUM_KEY_REVOKED |
                                 GPGME_SIGSUM_KEY_EXPIRED |
                                 GPGME_SIGSUM_SIG_EXPIRED;
  for (auto s = result->signatures; s != nullptr; s = s->next) {
    if (gpgme_err_code(s->status) != GPG_ERR_NO_ERROR) {
      return bad(gpg_text(s->status));
    }
    if (s->summary & kRejected) return bad("key or signature not valid");
    gpgme_key_t raw = nullptr;
    if (gpgme_get_key(ctx_.get(), s->fpr, &raw, 0) != 0) {
      return bad("no public key for " + std::string(s->fpr));
    }
    Key key(raw);
    for (auto sub = key->subkeys; sub != nullptr; sub = sub->next) {
      if (std::string_view(sub->fpr) != s->fpr) continue;
      if (auto ok = check_strength(sub); !ok) return bad(ok.error().message);
    }
    if (signer.empty()) signer = key->fpr;
  }
  return signer;
}

Result<std::string> GpgContext::verify_detached(std::string_view data,
                                                std::string_view sig) {
  auto signed_data = data_from(data);
  auto signature = data_from(sig);
  if (!signed_data) return std::unexpected(signed_data.error());
  if (!signature) return std::unexpected(signature.error());
  auto err = gpgme_op_verify(ctx_.get(), signature->get(), signed_data->get(),
                             nullptr);
  if (err != 0) {
    return fail(ExitCode::verify_failed,
                "verifying signature: " + gpg_text(err));
  }
  return check_signatures();
}

Result<std::string> GpgContext::verify_clearsigned(std::string_view signed_text,
                                                   std::string* plaintext_out) {
  auto in = data_from(signed_text);
  auto plain = empty_data();
  if (!in) return std::unexpected(in.error());
  if (!plain) return std::unexpected(plain.error());
  auto err = gpgme_op_verify(ctx_.get(), in->get(), nullptr, plain->get());
  if (err != 0) {
    return fail(ExitCode::verify_failed,
                "verifying signature: " + gpg_text(err));
  }
  auto signer = check_signatures();
  if (signer && plaintext_out != nullptr) {
    *plaintext_out = take(std::move(*plain));
  }
  return signer;
}

Result<void> stop_gpg_agent(const std::filesystem::path& gnupg_home) {
  RunOptions options;
  options.argv = {"gpgconf", "--homedir", gnupg_home.string(), "--kill",
                  "gpg-agent"};
  options.timeout = std::chrono::seconds(10);
  auto result = run_checked(options);
  if (!result) {
    return std::unexpected(result.error().with_context(
        "stopping gpg-agent of " + gnupg_home.string()));
  }
  return {};
}

}  // namespace sf
