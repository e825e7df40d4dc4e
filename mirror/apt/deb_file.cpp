// SPDX-License-Identifier: Apache-2.0
// Reads the control stanza of a binary package (.deb).
#include "mirror/apt/deb_file.hpp"

#include <array>
#include <optional>
#include <string_view>

#include "mirror/apt/archive_reader.hpp"
#include "mirror/apt/deb822.hpp"

namespace sf {
namespace {

// Control files are small; anything larger is not a real package.
constexpr std::size_t kMaxControlTar = 64u << 20;
constexpr std::size_t kMaxControl = 4u << 20;

bool is_control_tar(std::string_view name) {
  constexpr std::array<std::string_view, 4> kNames = {
      "control.tar", "control.tar.gz", "control.tar.xz", "control.tar.zst"};
  for (auto candidate : kNames) {
    if (name == candidate) return true;
  }
  return false;
}

// Checks that the first member is debian-binary with format 2.x.
Result<void> check_debian_binary(ArchiveReader& ar) {
  auto first = ar.next();
  if (!first) return std::unexpected(first.error());
  if (!*first || **first != "debian-binary") {
    return fail("not a debian package (no debian-binary member)");
  }
  auto version = ar.read_data(64);
  if (!version) return std::unexpected(version.error());
  if (!version->starts_with("2.")) {
    return fail("unsupported package format " +
                version->substr(0, version->find_first_of("\n")));
  }
  return {};
}

// Reads the raw bytes of the control.tar member.
Result<std::string> read_control_tar(ArchiveReader& ar) {
  for (;;) {
    auto name = ar.next();
    if (!name) return std::unexpected(name.error());
    if (!*name) return fail("no control member");
    if (is_control_tar(**name)) return ar.read_data(kMaxControlTar);
  }
}

// Extracts ./control from the control.tar bytes.
Result<std::string> read_control_file(std::string_view control_tar) {
  auto tar = ArchiveReader::open_memory(control_tar, ArchiveFormat::tar,
                                        "control.tar");
  if (!tar) return std::unexpected(tar.error());
  for (;;) {
    auto name = tar->next();
    if (!name) return std::unexpected(name.error());
    if (!*name) return fail("control.tar has no control file");
    if (**name == "./control" || **name == "control") {
      return tar->read_data(kMaxControl);
    }
  }
}

Result<DebControl> parse_control(std::string_view text) {
  auto stanza = parse_stanza(text);
  if (!stanza) return fail("control file does not parse");
  DebControl control;
  control.stanza = stanza->text;
  for (auto [field, out] : {std::pair{"Package", &control.package},
                            std::pair{"Version", &control.version},
                            std::pair{"Architecture", &control.architecture}}) {
    auto value = stanza->find(field);
    if (!value || value->empty()) {
      return fail(std::string("control has no ") + field + " field");
    }
    *out = std::move(*value);
  }
  return control;
}

}  // namespace

Result<DebControl> read_deb_control(const std::filesystem::path& deb) {
  auto context = "reading " + deb.string();
  auto ar = ArchiveReader::open_file(deb, ArchiveFormat::ar);
  if (!ar) return std::unexpected(ar.error().with_context(context));

  auto failed = [&](const Error& error) {
    return std::unexpected(error.with_context(context));
  };
  if (auto ok = check_debian_binary(*ar); !ok) return failed(ok.error());
  auto control_tar = read_control_tar(*ar);
  if (!control_tar) return failed(control_tar.error());
  auto text = read_control_file(*control_tar);
  if (!text) return failed(text.error());
  auto control = parse_control(*text);
  if (!control) return failed(control.error());
  return control;
}

}  // namespace sf
