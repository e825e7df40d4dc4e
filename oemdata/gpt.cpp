// SPDX-License-Identifier: Apache-2.0
// Adds partitions holding filesystem images to a GPT disk image (libfdisk).
#include "oemdata/gpt.hpp"

#include <fcntl.h>
#include <libfdisk/libfdisk.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/atomic_file.hpp"
#include "oemdata/file_range.hpp"

namespace sf {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSector = 512;
constexpr std::uint64_t kAlign = 2048;  // sectors: 1 MiB

struct ContextDeleter {
  void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
struct PartitionDeleter {
  void operator()(fdisk_partition* p) const { fdisk_unref_partition(p); }
};
struct TypeDeleter {
  void operator()(fdisk_parttype* t) const { fdisk_unref_parttype(t); }
};
struct TableDeleter {
  void operator()(fdisk_table* t) const { fdisk_unref_table(t); }
};
using ContextPtr = std::unique_ptr<fdisk_context, ContextDeleter>;
using PartitionPtr = std::unique_ptr<fdisk_partition, PartitionDeleter>;
using TypePtr = std::unique_ptr<fdisk_parttype, TypeDeleter>;
using TablePtr = std::unique_ptr<fdisk_table, TableDeleter>;

std::uint64_t align_up(std::uint64_t value) {
  return (value + kAlign - 1) / kAlign * kAlign;
}

// A libfdisk context on one file, deassigned (and synced) on destruction.
class Disk {
 public:
  static Result<Disk> open(const fs::path& file, const fs::path& shown,
                           bool writable) {
    ContextPtr context(fdisk_new_context());
    if (!context) return fail("reading " + shown.string() + ": out of memory");
    int rc = fdisk_assign_device(context.get(), file.c_str(), writable ? 0 : 1);
    if (rc != 0) {
      return fail("reading " + shown.string() + ": " + std::strerror(-rc));
    }
    return Disk(std::move(context));
  }
  Disk(Disk&&) noexcept = default;
  ~Disk() {
    if (context_) fdisk_deassign_device(context_.get(), 0);
  }
  fdisk_context* get() const { return context_.get(); }

 private:
  explicit Disk(ContextPtr context) : context_(std::move(context)) {}
  ContextPtr context_;
};

// What the base table looks like, in sectors.
struct Layout {
  std::uint64_t last_end = 0;  // last sector in use by a partition
  std::size_t free_entries = 0;
};

Result<Layout> read_layout(const Disk& disk, const fs::path& base) {
  fdisk_context* c = disk.get();
  if (!fdisk_has_label(c) || !fdisk_is_label(c, GPT)) {
    auto* label = fdisk_get_label(c, nullptr);
    std::string found =
        fdisk_has_label(c) && label ? fdisk_label_get_name(label) : "none";
    return fail("reading " + base.string() +
                ": no GPT partition table (found " + found + ")");
  }
  Layout layout{.last_end = fdisk_get_first_lba(c) - 1};
  const std::size_t entries = fdisk_get_npartitions(c);
  for (std::size_t i = 0; i < entries; ++i) {
    if (!fdisk_is_partition_used(c, i)) {
      ++layout.free_entries;
      continue;
    }
    fdisk_partition* raw = nullptr;
    if (fdisk_get_partition(c, i, &raw) != 0) {
      return fail("reading " + base.string() + ": unreadable entry " +
                  std::to_string(i + 1));
    }
    PartitionPtr part(raw);
    layout.last_end = std::max<std::uint64_t>(
        layout.last_end, fdisk_partition_get_end(part.get()));
  }
  return layout;
}

// Start and size in sectors of each new partition.
struct Placement {
  std::uint64_t start = 0;
  std::uint64_t sectors = 0;
};

Result<std::vector<Placement>> place(const Layout& layout,
                                     const std::vector<NewPartition>& parts) {
  std::vector<Placement> placements;
  std::uint64_t next = align_up(layout.last_end + 1);
  for (const auto& part : parts) {
    std::error_code ec;
    auto bytes = fs::file_size(part.image, ec);
    if (ec) {
      return fail(ExitCode::not_found,
                  "reading " + part.image.string() + ": " + ec.message());
    }
    auto sectors = align_up(std::max<std::uint64_t>(bytes, 1) / kSector +
                            (bytes % kSector ? 1 : 0));
    placements.push_back({next, sectors});
    next += sectors;
  }
  return placements;
}

Result<void> add_partition(const Disk& disk, const NewPartition& part,
                           const Placement& where, const fs::path& out) {
  fdisk_context* c = disk.get();
  const auto error = [&](const std::string& why) {
    return fail("writing " + out.string() + ": partition " + part.name + ": " +
                why);
  };
  TypePtr type(fdisk_label_parse_parttype(fdisk_get_label(c, nullptr),
                                          part.type_guid.c_str()));
  PartitionPtr pa(fdisk_new_partition());
  if (!type || !pa) return error("unknown type " + part.type_guid);
  fdisk_partition_set_start(pa.get(), where.start);
  fdisk_partition_set_size(pa.get(), where.sectors);
  fdisk_partition_partno_follow_default(pa.get(), 1);
  fdisk_partition_set_type(pa.get(), type.get());
  fdisk_partition_set_name(pa.get(), part.name.c_str());
  if (!part.uuid.empty() &&
      fdisk_partition_set_uuid(pa.get(), part.uuid.c_str()) != 0) {
    return error("invalid UUID " + part.uuid);
  }
  if (int rc = fdisk_add_partition(c, pa.get(), nullptr); rc != 0) {
    return error(std::strerror(-rc));
  }
  return {};
}

// Opens out.tmp and fills it with a sparse copy of base.
Result<UniqueFd> copy_base(const fs::path& base, const fs::path& tmp,
                           const fs::path& out) {
  auto source = open_file(base, O_RDONLY, "reading");
  if (!source) return std::unexpected(source.error());
  struct stat st {};
  ::fstat(source->get(), &st);
  auto dest = open_file(tmp, O_RDWR | O_CREAT | O_TRUNC, "writing");
  if (!dest) {
    return std::unexpected(
        Error{dest.error().code,
              "writing " + out.string() + ": " + std::strerror(errno)});
  }
  if (::ftruncate(dest->get(), st.st_size) != 0) {
    return fail("writing " + out.string() + ": " + std::strerror(errno));
  }
  auto copied = copy_fd_range(
      source->get(), 0, static_cast<std::uint64_t>(st.st_size), dest->get(), 0);
  if (!copied) {
    return fail("copying " + base.string() + ": " + copied.error().message);
  }
  return dest;
}

// Grows the copy and clears everything after the last base partition: the
// old backup GPT must not survive inside a new partition.
Result<void> grow(int fd, const Layout& layout,
                  const std::vector<Placement>& placements,
                  const fs::path& out) {
  const auto& last = placements.back();
  const std::uint64_t total = align_up(last.start + last.sectors) + kAlign;
  if (::ftruncate(fd, static_cast<off_t>(total * kSector)) != 0) {
    return fail("writing " + out.string() + ": " + std::strerror(errno));
  }
  const std::uint64_t from = (layout.last_end + 1) * kSector;
  return zero_fd_range(fd, from, total * kSector - from);
}

Result<void> write_table(const fs::path& tmp, const fs::path& out,
                         const std::vector<NewPartition>& parts,
                         const std::vector<Placement>& placements) {
  auto disk = Disk::open(tmp, out, true);
  if (!disk) return std::unexpected(disk.error());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (auto r = add_partition(*disk, parts[i], placements[i], out); !r) {
      return r;
    }
  }
  if (int rc = fdisk_write_disklabel(disk->get()); rc != 0) {
    return fail("writing " + out.string() +
                ": partition table: " + std::strerror(-rc));
  }
  return {};
}

Result<void> write_contents(int fd, const std::vector<NewPartition>& parts,
                            const std::vector<Placement>& placements) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto image = open_file(parts[i].image, O_RDONLY, "reading");
    if (!image) return std::unexpected(image.error());
    auto copied = copy_fd_range(image->get(), 0, fs::file_size(parts[i].image),
                                fd, placements[i].start * kSector);
    if (!copied) {
      return fail("copying " + parts[i].image.string() + ": " +
                  copied.error().message);
    }
  }
  if (::fsync(fd) != 0) return fail(std::string("syncing: ") + strerror(errno));
  return {};
}

Result<void> assemble(const fs::path& base, const fs::path& tmp,
                      const fs::path& out,
                      const std::vector<NewPartition>& parts) {
  auto fd = copy_base(base, tmp, out);
  if (!fd) return std::unexpected(fd.error());
  Layout layout;
  {
    auto disk = Disk::open(tmp, base, false);
    if (!disk) return std::unexpected(disk.error());
    auto read = read_layout(*disk, base);
    if (!read) return std::unexpected(read.error());
    layout = *read;
  }
  if (layout.free_entries < parts.size()) {
    return fail("reading " + base.string() + ": its GPT has " +
                std::to_string(layout.free_entries) +
                " free partition entries, " + std::to_string(parts.size()) +
                " needed");
  }
  auto placements = place(layout, parts);
  if (!placements) return std::unexpected(placements.error());
  if (auto r = grow(fd->get(), layout, *placements, out); !r) return r;
  if (auto r = write_table(tmp, out, parts, *placements); !r) return r;
  return write_contents(fd->get(), parts, *placements);
}

}  // namespace

Result<void> append_partitions(const fs::path& base, const fs::path& out,
                               const std::vector<NewPartition>& partitions) {
  if (partitions.empty()) {
    return fail(ExitCode::invalid_args,
                "writing " + out.string() + ": no partitions to add");
  }
  const fs::path tmp = out.string() + ".tmp." + std::to_string(::getpid());
  auto done = assemble(base, tmp, out, partitions);
  if (done) done = rename_into_place(tmp, out);
  std::error_code ec;
  if (!done) fs::remove(tmp, ec);
  return done;
}

}  // namespace sf
