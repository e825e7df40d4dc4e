// SPDX-License-Identifier: Apache-2.0
// UEFI variables on Linux: libefivar over efivarfs, with the immutable flag
// cleared around each change.
#include <dlfcn.h>
#include <efivar.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/log.hpp"
#include "runtime-tools/lib/efivars.hpp"

namespace sf::rt {
namespace {

constexpr const char* kSoname = "libefivar.so.1";

std::string errno_text(int error) { return std::strerror(error); }

ExitCode errno_code(int error) {
  return error == EPERM || error == EACCES ? ExitCode::permission
                                           : ExitCode::general;
}

// The functions of libefivar this file uses, resolved from one dlopen.
//
// libefivar is loaded at run time rather than linked, because it reads
// EFIVARFS_PATH once, in its load-time constructor (libefivar_init probes
// the efivarfs folder and keeps the path): a setenv() in main would come
// too late. --sysroot therefore sets EFIVARFS_PATH first and loads the
// library afterwards. The path is bound for the rest of the process.
struct LibEfivar {
  decltype(&::efi_variables_supported) supported = nullptr;
  decltype(&::efi_str_to_guid) str_to_guid = nullptr;
  decltype(&::efi_get_variable) get = nullptr;
  decltype(&::efi_set_variable) set = nullptr;
  decltype(&::efi_del_variable) del = nullptr;
  std::string dir;  // the EFIVARFS_PATH it was loaded with
};

template <typename F>
Result<void> resolve(void* handle, const char* symbol, F& function) {
  function = reinterpret_cast<F>(dlsym(handle, symbol));
  if (function == nullptr) {
    return fail(std::string("loading libefivar: no symbol ") + symbol);
  }
  return {};
}

Result<LibEfivar> open_library(const std::string& dir) {
  // Loaded already (linked by some other part of the program): its
  // constructor has read whatever EFIVARFS_PATH was then.
  if (dlopen(kSoname, RTLD_NOW | RTLD_NOLOAD) != nullptr) {
    const char* bound = std::getenv("EFIVARFS_PATH");
    if (bound == nullptr || dir != bound) {
      return fail("loading libefivar: loaded too early to use " + dir);
    }
  }
  // libefivar accepts a folder that is not efivarfs (a test folder, a
  // mounted disk image) only when EFIVARFS_PATH names it exactly.
  setenv("EFIVARFS_PATH", dir.c_str(), 1);
  void* handle = dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    return fail(std::string("loading libefivar: ") + dlerror());
  }

  LibEfivar lib{.dir = dir};
  for (auto resolved :
       {resolve(handle, "efi_variables_supported", lib.supported),
        resolve(handle, "efi_str_to_guid", lib.str_to_guid),
        resolve(handle, "efi_get_variable", lib.get),
        resolve(handle, "efi_set_variable", lib.set),
        resolve(handle, "efi_del_variable", lib.del)}) {
    if (!resolved) return std::unexpected(resolved.error());
  }
  return lib;
}

// The process's one libefivar, loaded for dir on first use.
Result<const LibEfivar*> library_for(const std::string& dir) {
  static std::optional<LibEfivar> loaded;
  if (!loaded) {
    auto lib = open_library(dir);
    if (!lib) return std::unexpected(lib.error());
    loaded = std::move(*lib);
  }
  if (loaded->dir != dir) {
    return fail("opening UEFI variables in " + dir + ": this process uses " +
                loaded->dir);
  }
  return &*loaded;
}

// The immutable attribute (FS_IMMUTABLE_FL, `chattr +i`) of one file.
//
// efivarfs creates every variable that is not a well-known standard one
// immutable, because deleting such variables has bricked machines whose
// firmware then failed to POST; an immutable file can be neither written
// nor unlinked. It is cleared before a change and put back afterwards, so
// a stray `rm` stays harmless. (libefivar 37 does the same inside
// efi_set_variable; doing it here keeps the behaviour independent of the
// library's version.) On a plain folder (tests, a disk image) the ioctl
// may fail with ENOTTY or EOPNOTSUPP: such a file cannot be immutable, so
// that is not an error; only on efivarfs does the flag matter.
class ImmutableFlag {
 public:
  // Clears the flag of path when it is set. A missing file, or a
  // filesystem without the flag, is nothing to clear.
  [[nodiscard]] static Result<ImmutableFlag> clear(const std::string& path) {
    ImmutableFlag flag(path);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return flag;
    int flags = 0;
    int rc = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    if (rc == 0 && (flags & FS_IMMUTABLE_FL) != 0) {
      flags &= ~FS_IMMUTABLE_FL;
      rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
      flag.was_set_ = rc == 0;
    }
    int error = errno;
    close(fd);
    if (rc != 0 && !unsupported(error)) {
      return fail(errno_code(error), "clearing the immutable flag of " + path +
                                         ": " + errno_text(error));
    }
    return flag;
  }

  // Sets the flag again on the file now at the path, when it was set.
  void restore() const {
    if (!was_set_) return;
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // removed: nothing to protect
    int flags = 0;
    int rc = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    if (rc == 0) {
      flags |= FS_IMMUTABLE_FL;
      rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    if (rc != 0) {
      log::warn("efivars", "restoring the immutable flag of " + path_ + ": " +
                               errno_text(errno));
    }
    close(fd);
  }

 private:
  explicit ImmutableFlag(std::string path) : path_(std::move(path)) {}

  static bool unsupported(int error) {
    return error == ENOTTY || error == EOPNOTSUPP || error == EINVAL;
  }

  std::string path_;
  bool was_set_ = false;
};

bool is_efivarfs(const std::string& dir) {
  struct statfs info {};
  return statfs(dir.c_str(), &info) == 0 &&
         static_cast<unsigned long>(info.f_type) == EFIVARFS_MAGIC;
}

class LinuxEfiVariables final : public EfiVariables {
 public:
  LinuxEfiVariables(const LibEfivar* lib, std::string dir)
      : lib_(lib), dir_(std::move(dir)), efivarfs_(is_efivarfs(dir_)) {}

  Result<std::optional<EfiVariable>> get(std::string_view guid,
                                         std::string_view name) override;
  Result<void> set(std::string_view guid, std::string_view name,
                   std::string_view data, std::uint32_t attributes) override;
  Result<void> remove(std::string_view guid, std::string_view name) override;

 private:
  Result<efi_guid_t> parse_guid(std::string_view guid) const;
  std::string path_of(std::string_view guid, std::string_view name) const {
    return dir_ + efivarfs_file_name(guid, name);
  }

  const LibEfivar* lib_;
  std::string dir_;
  bool efivarfs_;
};

Result<efi_guid_t> LinuxEfiVariables::parse_guid(std::string_view guid) const {
  efi_guid_t id{};
  if (lib_->str_to_guid(std::string(guid).c_str(), &id) < 0) {
    return fail(ExitCode::invalid_args,
                "parsing GUID '" + std::string(guid) + "': not a GUID");
  }
  return id;
}

Result<std::optional<EfiVariable>> LinuxEfiVariables::get(
    std::string_view guid, std::string_view name) {
  auto id = parse_guid(guid);
  if (!id) return std::unexpected(id.error());

  // As a user other than root, libefivar waits 10 ms around each read:
  // the kernel rate-limits unprivileged efivarfs reads to 100 a second.
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::uint32_t attributes = 0;
  errno = 0;
  int rc = lib_->get(*id, std::string(name).c_str(), &data, &size, &attributes);
  int error = errno;
  if (rc < 0 && error == ENOENT) return std::nullopt;
  if (rc < 0) {
    return fail(errno_code(error),
                "reading " + path_of(guid, name) + ": " + errno_text(error));
  }
  EfiVariable variable{attributes,
                       std::string(reinterpret_cast<char*>(data), size)};
  std::free(data);
  return variable;
}

Result<void> LinuxEfiVariables::set(std::string_view guid,
                                    std::string_view name,
                                    std::string_view data,
                                    std::uint32_t attributes) {
  auto id = parse_guid(guid);
  if (!id) return std::unexpected(id.error());
  auto path = path_of(guid, name);
  auto flag = ImmutableFlag::clear(path);
  if (!flag) return std::unexpected(flag.error());

  // A write to efivarfs replaces the whole variable; libefivar 37 writes
  // into an existing plain file without truncating it, so a shorter
  // value would keep the old tail. Outside efivarfs, delete first.
  if (!efivarfs_ && access(path.c_str(), F_OK) == 0 &&
      lib_->del(*id, std::string(name).c_str()) < 0) {
    int error = errno;
    flag->restore();
    return fail(errno_code(error),
                "replacing " + path + ": " + errno_text(error));
  }

  std::vector<std::uint8_t> bytes(data.begin(), data.end());
  errno = 0;
  int rc = lib_->set(*id, std::string(name).c_str(), bytes.data(), bytes.size(),
                     attributes, 0644);
  int error = errno;
  flag->restore();
  if (rc < 0) {
    return fail(errno_code(error),
                "writing " + path + ": " + errno_text(error));
  }
  return {};
}

Result<void> LinuxEfiVariables::remove(std::string_view guid,
                                       std::string_view name) {
  auto id = parse_guid(guid);
  if (!id) return std::unexpected(id.error());
  auto path = path_of(guid, name);
  if (access(path.c_str(), F_OK) != 0) return {};
  auto flag = ImmutableFlag::clear(path);
  if (!flag) return std::unexpected(flag.error());

  errno = 0;
  if (lib_->del(*id, std::string(name).c_str()) < 0 && errno != ENOENT) {
    int error = errno;
    flag->restore();
    return fail(errno_code(error),
                "deleting " + path + ": " + errno_text(error));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<EfiVariables>> open_efi_variables(
    const std::filesystem::path& sysroot) {
  auto dir = efivarfs_dir_for(sysroot, std::getenv("EFIVARFS_PATH"));
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ExitCode::not_found,
                "opening UEFI variables: " + dir + " does not exist");
  }
  // Below a sysroot, the folder and the variable file must really be inside
  // it: libefivar follows symlinks, and a controller runs as root.
  if (sysroot != "/") {
    auto root = std::filesystem::canonical(sysroot, ec).string() + "/";
    auto real = std::filesystem::canonical(dir, ec).string() + "/";
    bool linked = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      linked = linked || entry.is_symlink();
    }
    if (ec || !real.starts_with(root) || linked) {
      return fail(ExitCode::permission,
                  "opening UEFI variables: " + dir +
                      " leads out of --sysroot through a symbolic link");
    }
  }
  auto lib = library_for(dir);
  if (!lib) return std::unexpected(lib.error());
  if ((*lib)->supported() == 0) {
    return fail(ExitCode::not_found,
                "opening UEFI variables: libefivar finds no variable store "
                "at " +
                    dir);
  }
  return std::make_unique<LinuxEfiVariables>(*lib, dir);
}

}  // namespace sf::rt
