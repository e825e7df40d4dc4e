// SPDX-License-Identifier: Apache-2.0
// A small RAII wrapper over libarchive for reading archives entry by entry.
#include "mirror/apt/archive_reader.hpp"

#include <archive_entry.h>

#include <cerrno>
#include <system_error>

namespace sf {
namespace {

std::string error_text(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown libarchive error";
}

std::string format_name(ArchiveFormat format) {
  switch (format) {
    case ArchiveFormat::ar: return "ar";
    case ArchiveFormat::tar: return "tar";
    case ArchiveFormat::raw: return "raw";
  }
  return "archive";
}

// A fresh reader that accepts `format` under any compression filter.
archive* new_reader(ArchiveFormat format) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  switch (format) {
    case ArchiveFormat::ar: archive_read_support_format_ar(a); break;
    case ArchiveFormat::tar: archive_read_support_format_tar(a); break;
    case ArchiveFormat::raw: archive_read_support_format_raw(a); break;
  }
  return a;
}

// "not an ar archive" when libarchive did not recognise the format, its
// own message otherwise.
std::string open_error(archive* a, const std::string& format) {
  // libarchive reports an unknown format as ARCHIVE_ERRNO_FILE_FORMAT,
  // which its private header defines as EILSEQ on Linux.
  if (archive_errno(a) == EILSEQ) {
    return std::string("not ") + (format == "ar" ? "an " : "a ") + format +
           " archive";
  }
  return error_text(a);
}

}  // namespace

Result<ArchiveReader> ArchiveReader::open_file(
    const std::filesystem::path& path, ArchiveFormat format) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return fail(ExitCode::not_found, "no such file");
  }
  std::unique_ptr<archive, Free> handle(new_reader(format));
  if (archive_read_open_filename(handle.get(), path.c_str(), 1 << 16) !=
      ARCHIVE_OK) {
    return fail(open_error(handle.get(), format_name(format)));
  }
  return ArchiveReader(std::move(handle), format_name(format));
}

Result<ArchiveReader> ArchiveReader::open_memory(std::string_view data,
                                                 ArchiveFormat format,
                                                 std::string_view name) {
  std::unique_ptr<archive, Free> handle(new_reader(format));
  if (archive_read_open_memory(handle.get(), data.data(), data.size()) !=
      ARCHIVE_OK) {
    return fail(std::string(name) + ": " +
                open_error(handle.get(), format_name(format)));
  }
  return ArchiveReader(std::move(handle), std::string(name));
}

Result<std::optional<std::string>> ArchiveReader::next() {
  archive_entry* entry = nullptr;
  int status = archive_read_next_header(handle_.get(), &entry);
  if (status == ARCHIVE_EOF) {
    return std::nullopt;
  }
  if (status < ARCHIVE_WARN) {
    return fail(open_error(handle_.get(), name_));
  }
  const char* path = archive_entry_pathname(entry);
  return std::string(path != nullptr ? path : "");
}

Result<std::string> ArchiveReader::read_data(std::size_t max_bytes) {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(handle_.get(), buffer, sizeof buffer);
    if (n == 0) {
      return data;
    }
    if (n < 0) {
      return fail(name_ + ": " + error_text(handle_.get()));
    }
    if (data.size() + static_cast<std::size_t>(n) > max_bytes) {
      return fail(name_ + ": entry larger than " + std::to_string(max_bytes) +
                  " bytes");
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

namespace {

struct WriterFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t append_output(archive*, void* client, const void* buffer,
                         size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer),
                                            length);
  return static_cast<la_ssize_t>(length);
}

// Selects the filter; gzip leaves out the timestamp for reproducible output.
bool add_filter(archive* a, Compression compression) {
  if (compression == Compression::xz) {
    return archive_write_add_filter_xz(a) == ARCHIVE_OK;
  }
  return archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
         archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) ==
             ARCHIVE_OK;
}

}  // namespace

Result<std::string> compress(std::string_view data, Compression compression) {
  std::unique_ptr<archive, WriterFree> a(archive_write_new());
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(
      archive_entry_new(), &archive_entry_free);
  std::string out;
  archive_write_set_format_raw(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  if (!add_filter(a.get(), compression) ||
      archive_write_open(a.get(), &out, nullptr, append_output, nullptr) !=
          ARCHIVE_OK) {
    return fail("compressing: " + error_text(a.get()));
  }

  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK ||
      (!data.empty() &&
       archive_write_data(a.get(), data.data(), data.size()) < 0) ||
      archive_write_close(a.get()) != ARCHIVE_OK) {
    return fail("compressing: " + error_text(a.get()));
  }
  return out;
}

}  // namespace sf
