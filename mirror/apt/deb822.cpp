// SPDX-License-Identifier: Apache-2.0
// deb822 stanzas (control, Packages, Release) parsed by libapt-pkg.
#include "mirror/apt/deb822.hpp"

#include <apt-pkg/tagfile.h>
#include <strings.h>

#include <set>

namespace sf {
namespace {

bool is_blank_line_at(std::string_view text, std::size_t pos) {
  auto end = text.find('\n', pos);
  auto line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Skips blank lines; returns the offset of the next stanza or text.size().
std::size_t skip_blank_lines(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_blank_line_at(text, pos)) {
    auto end = text.find('\n', pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
  }
  return pos;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Builds a Stanza from a scanned section, rejecting what apt tolerates but
// dpkg would not: lines without a field name and repeated fields.
std::optional<Stanza> to_stanza(const pkgTagSection& section) {
  Stanza stanza;
  std::set<std::string> seen;
  for (unsigned i = 0; i < section.Count(); ++i) {
    const char* start = nullptr;
    const char* stop = nullptr;
    section.Get(start, stop, i);
    std::string_view raw(start, static_cast<std::size_t>(stop - start));
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) {
      raw.remove_suffix(1);
    }
    auto colon = raw.find(':');
    auto newline = raw.find('\n');
    if (colon == 0 || colon == std::string_view::npos || colon > newline) {
      return std::nullopt;
    }
    std::string name(raw.substr(0, colon));
    if (name.find_first_of(" \t") != std::string::npos ||
        !seen.insert(lowercase(name)).second) {
      return std::nullopt;
    }
    stanza.fields.emplace_back(name, section.FindS(name));
    stanza.text.append(raw).push_back('\n');
  }
  return stanza;
}

}  // namespace

std::optional<std::string> Stanza::find(std::string_view name) const {
  for (const auto& [field, value] : fields) {
    if (field.size() == name.size() &&
        ::strncasecmp(field.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

Result<std::vector<Stanza>> parse_stanzas(std::string_view text) {
  // libapt-pkg only accepts a stanza that ends in a blank line.
  std::string buffer(text);
  buffer += "\n\n";
  std::vector<Stanza> stanzas;
  std::size_t pos = skip_blank_lines(buffer, 0);
  while (pos < buffer.size()) {
    pkgTagSection section;
    auto number = std::to_string(stanzas.size() + 1);
    if (!section.Scan(buffer.data() + pos, buffer.size() - pos) ||
        section.size() == 0) {
      return fail("stanza " + number + " does not parse");
    }
    auto stanza = to_stanza(section);
    if (!stanza) {
      return fail("stanza " + number + " does not parse");
    }
    stanzas.push_back(std::move(*stanza));
    pos = skip_blank_lines(buffer, pos + section.size());
  }
  return stanzas;
}

Result<Stanza> parse_stanza(std::string_view text) {
  auto stanzas = parse_stanzas(text);
  if (!stanzas || stanzas->size() != 1) {
    return fail("does not parse");
  }
  return std::move(stanzas->front());
}

}  // namespace sf
