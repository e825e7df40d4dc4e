// SPDX-License-Identifier: Apache-2.0
// The sparkforge command: parses options and calls the builder library.
#include <CLI/CLI.hpp>
#include <array>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include "builder/build.hpp"
#include "builder/repo_command.hpp"
#include "builder/verify.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/suggest.hpp"

namespace {

using sf::ExitCode;

int report(const sf::Error& error) {
  std::cerr << "sparkforge: error: " << error.message << "\n";
  return static_cast<int>(error.code);
}

// SOURCE_DATE_EPOCH from the environment, when set and valid.
sf::Result<std::optional<std::int64_t>> source_date_epoch() {
  const char* text = std::getenv("SOURCE_DATE_EPOCH");
  if (text == nullptr || *text == '\0') return std::nullopt;
  std::int64_t value = 0;
  auto end = text + std::char_traits<char>::length(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value < 0) {
    return sf::fail(ExitCode::invalid_args,
                    std::string("SOURCE_DATE_EPOCH: '") + text +
                        "' is not a number of seconds");
  }
  return value;
}

// Where `tools_package: auto` looks: $SPARKFORGE_PACKAGE_DIR, else the
// packages/ folder beside this binary's bin/ folder, as the build lays
// them out.
std::filesystem::path package_dir() {
  const char* dir = std::getenv("SPARKFORGE_PACKAGE_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return self.parent_path().parent_path() / "packages";
}

int run_build(const sf::builder::BuildOptions& parsed) {
  auto options = parsed;
  options.tools_package_dir = package_dir();
  auto epoch = source_date_epoch();
  if (!epoch) return report(epoch.error());
  options.source_date_epoch = *epoch;
  auto built = sf::builder::build(options);
  if (!built) return report(built.error());
  for (const auto& output : built->outputs) {
    std::cout << output.string() << "\n";
  }
  sf::log::info("build", "signed " + std::to_string(built->packages) +
                             " packages with key " +
                             built->signing_fingerprint);
  return 0;
}

// The signing key named on the command line; exactly one way must be given.
sf::Result<sf::builder::SigningKey> signing_key_from(
    const std::string& file, const std::string& home,
    const std::string& fingerprint, const std::string& generate) {
  using Kind = sf::builder::SigningKey::Kind;
  sf::builder::SigningKey key;
  int given = !file.empty() + !home.empty() + !generate.empty();
  if (given != 1) {
    return sf::fail(ExitCode::invalid_args,
                    "repo build: give exactly one of --signing-key, "
                    "--gnupg-home or --generate-key");
  }
  if (!home.empty() && fingerprint.empty()) {
    return sf::fail(ExitCode::invalid_args,
                    "repo build: --gnupg-home needs --fingerprint");
  }
  if (!file.empty()) {
    key.kind = Kind::secret_key_file;
    key.secret_key_file = file;
  } else if (!home.empty()) {
    key.kind = Kind::gnupg_home;
    key.gnupg_home = home;
    key.fingerprint = fingerprint;
  } else {
    key.kind = Kind::generate;
    key.algorithm = generate;
  }
  return key;
}

struct RepoArgs {
  sf::builder::RepoBuildOptions options;
  std::string key_file, gnupg_home, fingerprint, generate;
};

int run_repo_build(RepoArgs args) {
  auto key = signing_key_from(args.key_file, args.gnupg_home, args.fingerprint,
                              args.generate);
  if (!key) return report(key.error());
  args.options.signing_key = *key;
  auto epoch = source_date_epoch();
  if (!epoch) return report(epoch.error());
  args.options.source_date_epoch = *epoch;
  auto built = sf::builder::repo_build(args.options);
  if (!built) return report(built.error());
  sf::log::info("repo", "indexed " + std::to_string(built->packages.size()) +
                            " packages into " + args.options.out_dir.string());
  return 0;
}

int run_verify(const std::string& target) {
  auto verified = sf::builder::verify(target);
  if (!verified) return report(verified.error());
  for (const auto& line : verified->checked)
    std::cout << "ok: " << line << "\n";
  for (const auto& line : verified->skipped) {
    std::cout << "skipped: " << line << "\n";
  }
  return 0;
}

int run_inspect(const std::string& image) {
  auto description = sf::builder::inspect(image);
  if (!description) return report(description.error());
  std::cout << description->dump(2) << "\n";
  return 0;
}

constexpr std::array<std::string_view, 4> kSubcommands = {"build", "verify",
                                                          "inspect", "repo"};

// CLI11 says only that an argument was not expected; name the subcommand
// the user probably meant instead.
int unknown_subcommand(std::string_view word) {
  std::cerr << "sparkforge: error: unknown command '" << word << "'; "
            << sf::suggestion(word, kSubcommands, "commands") << "\n";
  return static_cast<int>(ExitCode::invalid_args);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sparkforge: air-gapped installers for DGX Spark fleets"};
  app.set_version_flag("--version",
                       std::string("sparkforge ") + SPARKFORGE_VERSION);
  app.require_subcommand(1);
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "Print only errors on stderr");
  app.add_flag("-v,--verbose", verbose, "Print debug messages on stderr");

  sf::builder::BuildOptions build;
  auto* build_cmd = app.add_subcommand(
      "build", "Build cidata.img, oemdata.img, installer.img and a manifest");
  build_cmd->add_option("fleet", build.fleet_file, "The fleet file (YAML)")
      ->required();
  build_cmd->add_option("-o,--out", build.out_dir, "The output folder")
      ->required();
  build_cmd->add_option("-j,--jobs", build.threads,
                        "Worker threads (default: one per core)");

  std::string target;
  auto* verify_cmd = app.add_subcommand(
      "verify", "Re-check an output folder or an image against its manifest");
  verify_cmd->add_option("target", target, "Output folder or image")
      ->required();

  std::string image;
  auto* inspect_cmd =
      app.add_subcommand("inspect", "Describe an image as JSON on stdout");
  inspect_cmd->add_option("image", image, "The image to describe")->required();

  RepoArgs repo;
  auto* repo_cmd =
      app.add_subcommand("repo", "Work with signed APT repositories");
  repo_cmd->require_subcommand(1);
  auto* repo_build_cmd = repo_cmd->add_subcommand(
      "build", "Write a signed APT repository of .deb files");
  repo_build_cmd
      ->add_option("debs", repo.options.debs, ".deb files or folders of them")
      ->required();
  repo_build_cmd
      ->add_option("-o,--out", repo.options.out_dir, "The repository folder")
      ->required();
  repo_build_cmd->add_option("--suite", repo.options.suite, "Suite name")
      ->capture_default_str();
  repo_build_cmd->add_option("--arch", repo.options.architectures,
                             "Architectures besides all (default arm64)");
  repo_build_cmd->add_option("--valid-for-days", repo.options.valid_for_days,
                             "Set Valid-Until this many days after Date");
  repo_build_cmd->add_option("--signing-key", repo.key_file,
                             "Armored secret key file");
  repo_build_cmd->add_option("--gnupg-home", repo.gnupg_home,
                             "GnuPG home holding the key");
  repo_build_cmd->add_option("--fingerprint", repo.fingerprint,
                             "Fingerprint of the key in --gnupg-home");
  repo_build_cmd
      ->add_option("--generate-key", repo.generate,
                   "Make a throwaway key (ed25519 or rsa3072) for trials")
      ->check(CLI::IsMember({"ed25519", "rsa3072"}));
  repo_build_cmd->add_option("-j,--jobs", repo.options.threads,
                             "Worker threads (default: one per core)");

  if (argc > 1 && argv[1][0] != '-') {
    std::string_view first = argv[1];
    if (std::find(kSubcommands.begin(), kSubcommands.end(), first) ==
        kSubcommands.end()) {
      return unknown_subcommand(first);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::invalid_args);
  }
  sf::log::set_level(quiet     ? sf::log::Level::quiet
                     : verbose ? sf::log::Level::debug
                               : sf::log::Level::info);

  // Ctrl-C, SIGTERM and SIGHUP only set a flag: the build stops at its
  // next step and unwinds, so staging folders and the temporary GnuPG home
  // (which holds the secret key) are removed and outputs are never mixed.
  sf::catch_interrupts();
  if (*build_cmd) return run_build(build);
  if (*verify_cmd) return run_verify(target);
  if (*inspect_cmd) return run_inspect(image);
  if (*repo_build_cmd) return run_repo_build(repo);
  return static_cast<int>(ExitCode::invalid_args);
}
