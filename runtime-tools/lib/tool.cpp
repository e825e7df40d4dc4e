// SPDX-License-Identifier: Apache-2.0
// The frame every on-device tool runs in: shared flags, the host, the
// envelope and the evidence store. A tool supplies only its collector.
#include "runtime-tools/lib/tool.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "core/atomic_file.hpp"
#include "core/hash.hpp"
#include "core/interrupt.hpp"

namespace sf::rt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kEvidenceRoot = "/var/lib/dgx_spark_management";

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_flag("--human", options.human, "Print a readable summary");
  app.add_flag("--stdout-json", options.stdout_json,
               "Print the JSON envelope on stdout (the default)");
  app.add_flag("--no-write-file", options.no_write_file,
               "Keep no evidence files on the device");
  app.add_option("--out", options.out, "Evidence folder for this run");
  app.add_flag("--quiet", options.quiet, "No diagnostics on stderr");
  app.add_option("--config", options.config, "Thresholds and settings (JSON)");
  app.add_option("--max-bytes", options.max_bytes,
                 "Largest envelope printed (at least 2048)")
      ->check(CLI::Range(kMinMaxBytes, std::size_t{1} << 30));
  app.add_option("--timeout-sec", options.timeout_sec,
                 "Timeout of each external command")
      ->check(CLI::Range(1, 3600));
  app.add_option("--sysroot", options.sysroot,
                 "Read the machine below this folder");
}

// The stamp of the run folder: UTC time to the second.
std::string folder_stamp(const std::string& collected_at) {
  std::string stamp;
  for (char c : collected_at) {
    if (c != '-' && c != ':') stamp += c;
  }
  return stamp;
}

Result<json> load_config(const CommonOptions& options) {
  if (!options.config) return json::object();
  auto text = read_file(*options.config, 1 << 20);
  if (!text) return std::unexpected(text.error());
  auto parsed = json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return fail(ExitCode::invalid_args,
                options.config->string() + ": not a JSON object");
  }
  return parsed;
}

void keep_full_data(Envelope& envelope, EvidenceStore& evidence) {
  if (!evidence.enabled() || !envelope.ok()) return;
  auto artifact = evidence.write("data.json", envelope.data().dump(2), "data");
  if (artifact) {
    envelope.add_artifact(*artifact);
  } else {
    envelope.warn(kPartialData, "the evidence file was not written",
                  artifact.error().message);
  }
}

int print(const Envelope& envelope, const CommonOptions& options,
          Clock::time_point start) {
  auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      Clock::now() - start);
  auto text = envelope.render(options.max_bytes, duration);
  if (options.human) {
    std::cout << human_text(json::parse(text));
  } else {
    std::cout << text << "\n";
  }
  std::cout.flush();
  return envelope.exit_code();
}

}  // namespace

EvidenceStore::EvidenceStore(const CommonOptions& options, std::string area,
                             std::string tool, std::string stamp) {
  if (options.no_write_file) return;
  if (options.out) {
    folder_ = *options.out;
    return;
  }
  folder_ = fs::path(kEvidenceRoot) / area / tool / ("run_" + stamp);
}

Result<Artifact> EvidenceStore::write(const std::string& name,
                                      std::string_view content,
                                      const std::string& kind) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec) {
    return fail(ExitCode::permission,
                "creating " + folder_.string() + ": " + ec.message());
  }
  auto path = folder_ / name;
  auto wrote = write_file_atomic(path, content, 0640);
  if (!wrote) return std::unexpected(wrote.error());
  return Artifact{.path = fs::absolute(path).string(),
                  .sha256 = sha256_hex(content),
                  .bytes = content.size(),
                  .kind = kind};
}

std::string human_text(const json& value, int indent) {
  std::string text;
  std::string pad(static_cast<std::size_t>(indent), ' ');
  if (!value.is_object() && !value.is_array()) {
    return pad + (value.is_string() ? value.get<std::string>() : value.dump()) +
           "\n";
  }
  for (const auto& [key, item] : value.items()) {
    if (item.is_object() || item.is_array()) {
      text += pad + key + ":\n" + human_text(item, indent + 2);
    } else {
      text += pad + key + ": " +
              (item.is_string() ? item.get<std::string>() : item.dump()) + "\n";
    }
  }
  return text;
}

int run_tool(const ToolSpec& spec, int argc, char** argv) {
  auto start = Clock::now();
  catch_interrupts();
  CommonOptions options;
  CLI::App app{spec.description, spec.name};
  app.set_version_flag("--version",
                       spec.name + " (sparkforge) " + SPARKFORGE_VERSION);
  add_common_options(app, options);
  if (spec.add_options) spec.add_options(app);

  Envelope envelope(spec.name, SPARKFORGE_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    envelope.fail(ExitCode::invalid_args, e.what(), {},
                  "run " + spec.name + " --help");
    return print(envelope, options, start);
  }

  std::error_code ec;
  if (!std::filesystem::is_directory(options.sysroot, ec)) {
    envelope.fail(ExitCode::not_found,
                  "--sysroot " + options.sysroot.string() + ": not a folder");
    return print(envelope, options, start);
  }
  Host host(options.sysroot, std::chrono::seconds(options.timeout_sec));
  bool fallback = false;
  envelope.set_host(read_host_ids(host, &fallback));
  if (fallback) {
    envelope.warn(kNoAssetId,
                  "no DMI serial or UUID readable; asset_id is the machine id",
                  "DMI serials are readable by root only on most kernels");
  }
  // The run id keeps two runs in one second apart.
  EvidenceStore evidence(
      options, spec.area, spec.name,
      folder_stamp(utc_now()) + "_" + envelope.run_id().substr(0, 8));
  auto config = load_config(options);
  if (!config) {
    envelope.fail(config.error().code, config.error().message);
    return print(envelope, options, start);
  }

  Context ctx{host, options, *config, envelope, evidence};
  auto data = spec.collect(ctx);
  if (interrupted()) {
    envelope.fail(ExitCode::interrupted, "interrupted by a signal");
  } else if (!data) {
    envelope.fail(data.error().code, data.error().message);
  } else {
    envelope.set_data(std::move(*data));
    keep_full_data(envelope, evidence);
  }
  return print(envelope, options, start);
}

}  // namespace sf::rt
