// SPDX-License-Identifier: Apache-2.0
// The GPGME wrapper: keys, signatures, verification and weak-key refusal.
#include "mirror/apt/gpg.hpp"

#include <gtest/gtest.h>

#include "tests/mirror/apt_fixtures.hpp"

namespace sf {
namespace {

using testing::SigningKey;

class GpgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SigningKey::set_up(); }
  static void TearDownTestSuite() { SigningKey::tear_down(); }

  GpgContext& gpg() { return SigningKey::gpg(); }
  const std::string& fpr() { return SigningKey::fingerprint(); }
};

TEST_F(GpgTest, GeneratedKeyIsEd25519WithSha512Conf) {
  EXPECT_EQ(fpr().size(), 40u);
  auto conf = read_file(gpg().home() / "gpg.conf");
  ASSERT_TRUE(conf);
  EXPECT_NE(conf->find("personal-digest-preferences SHA512"),
            std::string::npos);
  auto mode = std::filesystem::status(gpg().home()).permissions();
  EXPECT_EQ(mode, std::filesystem::perms::owner_all);
}

TEST_F(GpgTest, ClearsignRoundTrips) {
  std::string text = "Origin: test\nSuite: stable\n";
  auto signed_text = gpg().clearsign(text, fpr());
  ASSERT_TRUE(signed_text) << signed_text.error().message;
  EXPECT_TRUE(
      signed_text->starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n"
                               "Hash: SHA512\n"));
  std::string plain;
  auto signer = gpg().verify_clearsigned(*signed_text, &plain);
  ASSERT_TRUE(signer) << signer.error().message;
  EXPECT_EQ(*signer, fpr());
  EXPECT_EQ(plain, text);
}

TEST_F(GpgTest, DetachedSignatureRoundTrips) {
  std::string data = "some bytes\n";
  auto sig = gpg().detach_sign(data, fpr());
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(sig->starts_with("-----BEGIN PGP SIGNATURE-----"));
  auto signer = gpg().verify_detached(data, *sig);
  ASSERT_TRUE(signer) << signer.error().message;
  EXPECT_EQ(*signer, fpr());
}

TEST_F(GpgTest, TamperedDataFailsVerification) {
  auto sig = gpg().detach_sign("original\n", fpr());
  ASSERT_TRUE(sig);
  auto detached = gpg().verify_detached("0riginal\n", *sig);
  ASSERT_FALSE(detached);
  EXPECT_EQ(detached.error().code, ExitCode::verify_failed);

  auto clear = gpg().clearsign("Suite: stable\n", fpr());
  ASSERT_TRUE(clear);
  auto pos = clear->find("stable");
  ASSERT_NE(pos, std::string::npos);
  (*clear)[pos] = 'S';
  auto verified = gpg().verify_clearsigned(*clear);
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ExitCode::verify_failed);
}

// A second keyring that only holds the exported public key trusts it; an
// empty keyring trusts nothing.
TEST_F(GpgTest, ExportedKeyVerifiesElsewhere) {
  auto dir = TempDir::create("/tmp", "sfgpg");
  ASSERT_TRUE(dir);
  auto exported = gpg().export_public(fpr());
  ASSERT_TRUE(exported);
  EXPECT_TRUE(exported->starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  auto sig = gpg().detach_sign("data", fpr());
  ASSERT_TRUE(sig);

  auto empty = GpgContext::open(dir->path() / "e");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->verify_detached("data", *sig));

  auto other = GpgContext::open(dir->path() / "o");
  ASSERT_TRUE(other);
  auto imported = other->import_key(*exported);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(*imported, fpr());
  auto signer = other->verify_detached("data", *sig);
  ASSERT_TRUE(signer) << signer.error().message;
  EXPECT_EQ(*signer, fpr());
  // Only the public half came across.
  EXPECT_FALSE(other->detach_sign("data", fpr()));
}

TEST_F(GpgTest, UnknownKeyAndGarbageAreErrors) {
  EXPECT_FALSE(gpg().clearsign("x", std::string(40, 'A')));
  EXPECT_FALSE(gpg().import_key("not a key"));
  auto verified = gpg().verify_detached("data", "not a signature");
  ASSERT_FALSE(verified);
  EXPECT_EQ(verified.error().code, ExitCode::verify_failed);
}

// RSA 2048 is below the floor: signing with it is refused by name.
TEST(GpgWeakKey, RefusesRsa2048) {
  auto dir = TempDir::create("/tmp", "sfgpg");
  ASSERT_TRUE(dir);
  auto home = dir->path() / "w";
  auto gpg = GpgContext::open(home);
  ASSERT_TRUE(gpg);
  RunOptions keygen{.argv = {"gpg", "--homedir", home.string(), "--batch",
                             "--passphrase", "", "--quick-gen-key",
                             "weak <weak@example.com>", "rsa2048", "sign",
                             "never"}};
  auto made = run_checked(keygen);
  ASSERT_TRUE(made) << made.error().message;
  auto exported = gpg->export_public("weak@example.com");
  ASSERT_TRUE(exported);
  auto fpr = gpg->import_key(*exported);
  ASSERT_TRUE(fpr);
  auto sig = gpg->clearsign("text\n", *fpr);
  ASSERT_FALSE(sig);
  EXPECT_NE(sig.error().message.find("rsa2048 is weaker than RSA 3072"),
            std::string::npos)
      << sig.error().message;
}

}  // namespace
}  // namespace sf
