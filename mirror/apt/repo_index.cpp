// SPDX-License-Identifier: Apache-2.0
// The text of Packages and Release files and the pool layout.
#include "mirror/apt/repo_index.hpp"

#include <apt-pkg/debversion.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <tuple>

namespace sf {
namespace {

// Fields Packages computes itself; a control file must not supply them.
bool is_computed_field(std::string_view line) {
  constexpr std::string_view kComputed[] = {
      "Filename:", "Size:", "MD5sum:", "SHA1:", "SHA256:", "SHA512:"};
  for (auto name : kComputed) {
    if (line.size() >= name.size() &&
        std::equal(name.begin(), name.end(), line.begin(),
                   [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
      return true;
    }
  }
  return false;
}

// Copies the control stanza without computed fields (and their
// continuation lines).
void append_control_fields(std::string& out, std::string_view stanza) {
  bool skipping = false;
  while (!stanza.empty()) {
    auto end = stanza.find('\n');
    auto line = stanza.substr(0, end == std::string_view::npos ? end : end + 1);
    stanza.remove_prefix(line.size());
    bool continuation = line.front() == ' ' || line.front() == '\t';
    if (!continuation) skipping = is_computed_field(line);
    if (!skipping) out.append(line);
  }
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
}

bool only_chars(std::string_view text, std::string_view extra) {
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

std::string release_date(std::int64_t seconds) {
  using namespace std::chrono;
  constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                   "Thu", "Fri", "Sat"};
  constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  sys_seconds time{std::chrono::seconds(seconds)};
  auto day = floor<days>(time);
  year_month_day ymd{day};
  hh_mm_ss hms{time - day};
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02u %s %d %02d:%02d:%02d UTC",
                kDays[weekday{day}.c_encoding()], unsigned(ymd.day()),
                kMonths[unsigned(ymd.month()) - 1], int(ymd.year()),
                int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return text;
}

std::string pool_filename(std::string_view component,
                          const DebControl& control) {
  const auto& name = control.package;
  auto prefix = name.starts_with("lib") && name.size() > 3 ? name.substr(0, 4)
                                                           : name.substr(0, 1);
  auto version = control.version;
  if (auto colon = version.find(':'); colon != std::string::npos) {
    version.erase(0, colon + 1);
  }
  return "pool/" + std::string(component) + "/" + prefix + "/" + name + "/" +
         name + "_" + version + "_" + control.architecture + ".deb";
}

Result<void> check_identity(const DebControl& control) {
  if (control.package.empty() || !only_chars(control.package, "+-.") ||
      !only_chars(control.package.substr(0, 1), "")) {
    return fail("invalid package name '" + control.package + "'");
  }
  if (!only_chars(control.version, "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-") ||
      !std::isdigit(static_cast<unsigned char>(control.version.front()))) {
    return fail("invalid version '" + control.version + "'");
  }
  if (!only_chars(control.architecture, "-")) {
    return fail("invalid architecture '" + control.architecture + "'");
  }
  return {};
}

std::string packages_text(const std::vector<IndexedDeb>& debs) {
  std::string out;
  for (const auto& deb : debs) {
    if (!out.empty()) out.push_back('\n');
    append_control_fields(out, deb.control.stanza);
    out += "Filename: " + deb.filename + "\n";
    out += "Size: " + std::to_string(deb.digests.size) + "\n";
    out += "SHA256: " + deb.digests.sha256 + "\n";
    out += "SHA512: " + deb.digests.sha512 + "\n";
  }
  return out;
}

void sort_for_index(std::vector<IndexedDeb>& debs) {
  std::sort(debs.begin(), debs.end(),
            [](const IndexedDeb& a, const IndexedDeb& b) {
              const auto& x = a.control;
              const auto& y = b.control;
              if (x.package != y.package) return x.package < y.package;
              int order = debVS.CmpVersion(x.version, y.version);
              if (order != 0) return order < 0;
              return std::tie(x.version, x.architecture) <
                     std::tie(y.version, y.architecture);
            });
}

namespace {

void append_hashes(std::string& out, std::string_view title,
                   const std::vector<ReleaseEntry>& entries,
                   std::string Digests::*hash) {
  out += std::string(title) + ":\n";
  for (const auto& entry : entries) {
    char size[32];
    std::snprintf(size, sizeof size, "%16llu",
                  static_cast<unsigned long long>(entry.digests.size));
    out += " " + entry.digests.*hash + " " + size + " " + entry.path + "\n";
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out.push_back(' ');
    out += word;
  }
  return out;
}

}  // namespace

std::string release_text(const ReleaseFields& fields,
                         const std::vector<ReleaseEntry>& entries) {
  std::string out;
  out += "Origin: " + fields.origin + "\n";
  out += "Label: " + fields.label + "\n";
  out += "Suite: " + fields.suite + "\n";
  out += "Codename: " + fields.codename + "\n";
  out += "Date: " + release_date(fields.date) + "\n";
  if (fields.valid_until != 0) {
    out += "Valid-Until: " + release_date(fields.valid_until) + "\n";
  }
  out += "Acquire-By-Hash: yes\n";
  out += "Architectures: " + joined(fields.architectures) + "\n";
  out += "Components: " + joined(fields.components) + "\n";
  if (!fields.description.empty()) {
    out += "Description: " + fields.description + "\n";
  }
  append_hashes(out, "SHA256", entries, &Digests::sha256);
  append_hashes(out, "SHA512", entries, &Digests::sha512);
  return out;
}

}  // namespace sf
