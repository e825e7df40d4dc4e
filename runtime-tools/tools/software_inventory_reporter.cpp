// SPDX-License-Identifier: Apache-2.0
// software_inventory_reporter: the software on a machine, each list with a
// count and a deterministic hash, without running apt.
#include "runtime-tools/tools/software_inventory_reporter.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "core/hash.hpp"
#include "runtime-tools/lib/dpkg_status.hpp"

namespace sf::rt {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The runtimes asked for images, in order; the first that answers wins.
// All three accept the same --format template. TODO(#3): containerd
// without nerdctl (`ctr images ls`), and every runtime rather than the
// first when a machine runs several.
constexpr std::array<const char*, 3> kRuntimes = {"docker", "podman",
                                                  "nerdctl"};

// Python's folders of installed distributions, by precedence.
// TODO(#3): virtual environments, conda and users' ~/.local folders.
constexpr std::array<const char*, 2> kPythonLibs = {"/usr/local/lib",
                                                    "/usr/lib"};

// Headers of METADATA/PKG-INFO sit at the top; this is plenty.
constexpr std::size_t kMetadataCap = 16 * 1024;

// One item and its canonical line, before sorting.
struct Row {
  std::string line;
  json item;
};

InventoryList from_rows(std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.line < b.line; });
  InventoryList list;
  for (auto& row : rows) {
    list.lines += row.line + '\n';
    list.items.push_back(std::move(row.item));
  }
  return list;
}

// The list as the envelope carries it. An incomplete list has no hash:
// comparing it with another machine's would mislead. Takes the list by
// value: its items move, a large list is not copied.
json section(InventoryList list) {
  json out = {{"count", list.items.size()},
              {"sha256", list.complete ? json(sha256_hex(list.lines)) : json()},
              {"complete", list.complete}};
  out["items"] = std::move(list.items);
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// The last non-empty line of a command's stderr, for a note.
std::string last_line(const std::string& text) {
  auto trimmed = trim(text);
  auto nl = trimmed.rfind('\n');
  return nl == std::string::npos ? trimmed : trimmed.substr(nl + 1);
}

// ---- dpkg -----------------------------------------------------------

json package_item(const InstalledPackage& p) {
  return {{"name", p.name},
          {"version", p.version},
          {"architecture", p.architecture},
          {"selection", p.status_want},
          {"section", p.section},
          {"source", p.source},
          {"installed_size_kib",
           p.installed_size ? json(*p.installed_size) : json()}};
}

// "name version architecture", as package_lines writes it, so the hash of
// the package list equals os_build_identity's package fingerprint.
std::string package_line(const InstalledPackage& p) {
  return p.name + " " + p.version + " " + p.architecture;
}

json hold_item(const InstalledPackage& p) {
  return {{"name", p.name},
          {"version", p.version},
          {"architecture", p.architecture}};
}

// All installed packages, and those on hold again on their own.
std::pair<InventoryList, InventoryList> package_lists(
    const std::vector<InstalledPackage>& packages) {
  std::vector<Row> all;
  std::vector<Row> holds;
  for (const auto& p : packages) {
    all.push_back({package_line(p), package_item(p)});
    if (p.status_want == "hold") {
      holds.push_back({package_line(p), hold_item(p)});
    }
  }
  return {from_rows(std::move(all)), from_rows(std::move(holds))};
}

void add_packages(Context& ctx, json& data) {
  DpkgStatusNotes notes;
  auto packages = read_dpkg_status(ctx.host, &notes);
  auto [list, held] =
      package_lists(packages ? *packages : std::vector<InstalledPackage>{});
  if (!packages) {
    ctx.envelope.warn(kPartialData, "no dpkg packages listed",
                      packages.error().message);
  } else if (notes.parse_error) {
    ctx.envelope.warn(kPartialData, "the dpkg status file is damaged",
                      *notes.parse_error);
  }
  list.complete = held.complete = packages && !notes.parse_error;

  data["packages"] = section(std::move(list));
  data["packages"]["source"] = std::string(kDpkgStatusPath);
  data["packages"]["skipped_stanzas"] = notes.skipped_stanzas;
  data["holds"] = section(std::move(held));
}

// ---- snaps ----------------------------------------------------------

// snapd's revisions: a number from the store, "x<number>" when installed
// from a local file.
bool is_revision(std::string_view text) {
  if (!text.empty() && text.front() == 'x') text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// Numeric order: "9" before "10"; local "x" revisions after store ones.
bool revision_less(const std::string& a, const std::string& b) {
  bool ax = a.front() == 'x';
  bool bx = b.front() == 'x';
  if (ax != bx) return bx;
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

struct Snap {
  std::vector<std::string> revisions;
  std::string current;
};

void add_revision(Snap& snap, const std::string& revision) {
  if (std::find(snap.revisions.begin(), snap.revisions.end(), revision) ==
      snap.revisions.end()) {
    snap.revisions.push_back(revision);
  }
}

// /snap/<name>/<revision>/ with a `current` link to the active revision.
void snaps_from_mounts(const Host& host, std::map<std::string, Snap>& snaps) {
  for (const auto& name : host.list("/snap")) {
    Snap snap;
    for (const auto& entry : host.list("/snap/" + name)) {
      if (is_revision(entry)) add_revision(snap, entry);
    }
    if (snap.revisions.empty()) continue;  // /snap/bin, /snap/README
    auto target = host.link_target("/snap/" + name + "/current");
    snap.current = std::filesystem::path(target).filename().string();
    snaps[name] = std::move(snap);
  }
}

// /var/lib/snapd/snaps/<name>_<revision>.snap; names hold no "_" except
// before an instance key, so the revision follows the last one.
void snaps_from_files(const Host& host, std::map<std::string, Snap>& snaps) {
  for (const auto& file : host.list("/var/lib/snapd/snaps")) {
    if (!ends_with(file, ".snap")) continue;
    auto stem = file.substr(0, file.size() - 5);
    auto cut = stem.rfind('_');
    if (cut == std::string::npos || cut == 0) continue;
    auto revision = stem.substr(cut + 1);
    if (!is_revision(revision)) continue;
    add_revision(snaps[stem.substr(0, cut)], revision);
  }
}

// The `version:` of meta/snap.yaml, a top-level scalar; empty if unknown.
std::string snap_version(const Host& host, const std::string& name,
                         const std::string& revision) {
  auto yaml = host.read("/snap/" + name + "/" + revision + "/meta/snap.yaml",
                        kMetadataCap);
  if (!yaml) return {};
  std::istringstream lines(*yaml);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("version:")) continue;
    auto value = trim(line.substr(8));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

// ---- Python -----------------------------------------------------------

std::vector<std::string> python_folders(const Host& host) {
  std::vector<std::string> folders;
  for (const char* lib : kPythonLibs) {
    for (const auto& entry : host.list(lib)) {
      if (entry != "python3" && !entry.starts_with("python3.")) continue;
      for (const char* sub : {"dist-packages", "site-packages"}) {
        auto folder = std::string(lib) + "/" + entry + "/" + sub;
        if (host.exists(folder)) folders.push_back(folder);
      }
    }
  }
  return folders;
}

struct Distribution {
  std::string name;
  std::string version;
};

// Name and Version from the RFC 822 style headers of METADATA/PKG-INFO.
Distribution parse_metadata(const std::string& text) {
  Distribution dist;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (trim(line).empty()) break;  // the description follows the headers
    if (line.starts_with("Name:")) dist.name = trim(line.substr(5));
    if (line.starts_with("Version:")) dist.version = trim(line.substr(8));
  }
  return dist;
}

// "name-version.dist-info", "name-version-py3.12.egg-info".
Distribution parse_folder_name(std::string_view stem) {
  auto dash = stem.find('-');
  if (dash == std::string_view::npos) return {std::string(stem), {}};
  auto rest = stem.substr(dash + 1);
  return {std::string(stem.substr(0, dash)),
          std::string(rest.substr(0, rest.find('-')))};
}

// The distribution an entry of a site-packages folder describes, or a
// nameless one when the entry is not metadata.
Distribution read_distribution(const Host& host, const std::string& folder,
                               const std::string& entry) {
  std::string stem;
  std::optional<std::string> text;
  auto path = folder + "/" + entry;
  if (ends_with(entry, ".dist-info")) {
    stem = entry.substr(0, entry.size() - 10);
    text = host.read(path + "/METADATA", kMetadataCap);
  } else if (ends_with(entry, ".egg-info")) {
    stem = entry.substr(0, entry.size() - 9);
    text = host.read(path + "/PKG-INFO", kMetadataCap);
    if (!text) text = host.read(path, kMetadataCap);  // a single file
  } else {
    return {};
  }
  auto dist = text ? parse_metadata(*text) : Distribution{};
  auto fallback = parse_folder_name(stem);
  if (dist.name.empty()) dist.name = fallback.name;
  if (dist.version.empty()) dist.version = fallback.version;
  return dist;
}

// ---- containers -------------------------------------------------------

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

struct Attempt {
  std::string runtime;
  std::string result;  // answered, missing, failed, timeout, skipped
  std::string detail;
};

// What asking one runtime gave: an attempt, and the images if it answered.
Attempt ask_runtime(Context& ctx, const std::string& runtime,
                    std::chrono::milliseconds budget, InventoryList& images) {
  if (budget.count() <= 0) {
    return {runtime, "skipped", "no time left within --timeout-sec"};
  }
  auto ran = ctx.host.run(list_images_argv(runtime), budget, 8u << 20);
  if (!ran) {
    auto code = ran.error().code;
    if (code == ExitCode::not_found) return {runtime, "missing", ""};
    auto result = code == ExitCode::timeout ? "timeout" : "failed";
    return {runtime, result, ran.error().message};
  }
  if (ran->exit_code != 0) {
    return {runtime, "failed",
            "exit status " + std::to_string(ran->exit_code) + ": " +
                last_line(ran->err)};
  }
  std::size_t bad = 0;
  images = parse_image_lines(ran->out, &bad);
  if (bad > 0 || ran->out_truncated) {
    images.complete = false;
    ctx.envelope.warn(kPartialData, runtime + " listed images unreadably",
                      std::to_string(bad) + " line(s) were not JSON objects");
  }
  return {runtime, "answered", ""};
}

json attempts_json(const std::vector<Attempt>& attempts) {
  json list = json::array();
  for (const auto& a : attempts) {
    list.push_back(
        {{"runtime", a.runtime}, {"result", a.result}, {"detail", a.detail}});
  }
  return list;
}

// Warnings for runtimes that exist but did not answer: their images are
// unknown, so the picture is partial.
void warn_unanswered(Context& ctx, const std::vector<Attempt>& attempts) {
  std::string unanswered;
  for (const auto& a : attempts) {
    if (a.result == "timeout") {
      ctx.envelope.warn(error_code_name(ExitCode::timeout),
                        a.runtime + " did not list its images in time",
                        a.detail);
    }
    if (a.result == "timeout" || a.result == "failed") {
      unanswered += (unanswered.empty() ? "" : ", ") + a.runtime;
    }
  }
  if (unanswered.empty()) return;
  ctx.envelope.warn(kPartialData,
                    "container images not listed for " + unanswered,
                    "see data.container_images.attempts");
}

// Asks each runtime in turn, within one --timeout-sec budget for all,
// until one answers; returns the attempts, the last one "answered" if any.
std::vector<Attempt> ask_runtimes(Context& ctx, InventoryList& images) {
  std::vector<Attempt> attempts;
  auto deadline = Clock::now() + std::chrono::seconds(ctx.options.timeout_sec);
  for (const char* runtime : kRuntimes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    attempts.push_back(ask_runtime(ctx, runtime, left, images));
    if (attempts.back().result == "answered") break;
  }
  warn_unanswered(ctx, attempts);
  return attempts;
}

void add_container_images(Context& ctx, const InventoryOptions& options,
                          json& data) {
  InventoryList images;
  std::vector<Attempt> attempts;
  if (!options.no_containers) attempts = ask_runtimes(ctx, images);
  bool answered = !attempts.empty() && attempts.back().result == "answered";
  bool any_present =
      std::any_of(attempts.begin(), attempts.end(),
                  [](const Attempt& a) { return a.result != "missing"; });
  if (options.no_containers || (!answered && any_present)) {
    images.complete = false;
  }

  auto& out = data["container_images"] = section(std::move(images));
  out["runtime"] = answered ? json(attempts.back().runtime) : json();
  out["attempts"] = attempts_json(attempts);
  if (options.no_containers) {
    out["note"] = "not asked (--no-containers)";
  } else if (!any_present) {
    out["note"] = "no container runtime found (docker, podman, nerdctl)";
  }
}

}  // namespace

// ---- public -----------------------------------------------------------

InventoryList list_snaps(const Host& host) {
  std::map<std::string, Snap> snaps;
  snaps_from_mounts(host, snaps);
  snaps_from_files(host, snaps);
  std::vector<Row> rows;
  for (auto& [name, snap] : snaps) {
    std::sort(snap.revisions.begin(), snap.revisions.end(), revision_less);
    if (!is_revision(snap.current)) snap.current = snap.revisions.back();
    auto version = snap_version(host, name, snap.current);
    rows.push_back({name + " " + snap.current + " " + version,
                    {{"name", name},
                     {"revision", snap.current},
                     {"version", version.empty() ? json() : json(version)},
                     {"revisions", snap.revisions}}});
  }
  return from_rows(std::move(rows));
}

std::string normalize_python_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool separator = c == '-' || c == '_' || c == '.';
    if (separator) {
      if (out.empty() || out.back() != '-') out += '-';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

InventoryList list_python_distributions(const Host& host) {
  // Keyed by the canonical line, so one name and version is one item.
  std::map<std::string, json> found;
  for (const auto& folder : python_folders(host)) {
    for (const auto& entry : host.list(folder)) {
      auto dist = read_distribution(host, folder, entry);
      if (dist.name.empty()) continue;
      auto line = normalize_python_name(dist.name) + " " + dist.version;
      auto [it, fresh] =
          found.try_emplace(line, json{{"name", dist.name},
                                       {"version", dist.version},
                                       {"locations", json::array()}});
      it->second["locations"].push_back(folder);
    }
  }
  std::vector<Row> rows;
  for (auto& [line, item] : found) rows.push_back({line, std::move(item)});
  return from_rows(std::move(rows));
}

std::vector<std::string> list_images_argv(const std::string& runtime) {
  // Named keys rather than `{{json .}}`, whose keys differ between docker
  // ("ID", "Repository") and podman ("Id", "repository").
  return {runtime, "images", "--no-trunc", "--format",
          R"({"repository":{{json .Repository}},"tag":{{json .Tag}},)"
          R"("id":{{json .ID}},"digest":{{json .Digest}},)"
          R"("size":{{json .Size}},"created_at":{{json .CreatedAt}}})"};
}

InventoryList parse_image_lines(const std::string& text,
                                std::size_t* bad_lines) {
  std::vector<Row> rows;
  std::size_t bad = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (trim(line).empty()) continue;
    auto object = json::parse(line, nullptr, false);
    if (object.is_discarded() || !object.is_object()) {
      ++bad;
      continue;
    }
    json item = json::object();
    for (const char* key :
         {"repository", "tag", "id", "digest", "size", "created_at"}) {
      item[key] = string_field(object, key);
    }
    rows.push_back({item["repository"].get<std::string>() + " " +
                        item["tag"].get<std::string>() + " " +
                        item["id"].get<std::string>(),
                    std::move(item)});
  }
  if (bad_lines) *bad_lines = bad;
  return from_rows(std::move(rows));
}

Result<json> collect_software_inventory(Context& ctx,
                                        const InventoryOptions& options) {
  json data = json::object();
  add_packages(ctx, data);
  data["snaps"] = section(list_snaps(ctx.host));

  auto folders = python_folders(ctx.host);
  auto python = list_python_distributions(ctx.host);
  data["python_distributions"] = section(std::move(python));
  data["python_distributions"]["folders"] = folders;
  if (folders.empty()) {
    data["python_distributions"]["note"] = "no site-packages folder found";
  }
  add_container_images(ctx, options, data);
  return data;
}

ToolSpec software_inventory_reporter_spec() {
  auto options = std::make_shared<InventoryOptions>();
  return {.name = "software_inventory_reporter",
          .area = "inventory",
          .description =
              "The software on this machine: dpkg packages and "
              "holds, snaps, Python distributions, container "
              "images",
          .add_options =
              [options](CLI::App& app) {
                app.add_flag("--no-containers", options->no_containers,
                             "Do not ask container runtimes for images");
              },
          .collect =
              [options](Context& ctx) {
                return collect_software_inventory(ctx, *options);
              }};
}

}  // namespace sf::rt
