// SPDX-License-Identifier: Apache-2.0
// SHA-256 and SHA-512 through OpenSSL's EVP interface.
#include "core/hash.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/interrupt.hpp"

namespace sf {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// One running digest; the context is reused for every chunk.
class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(ctx_.get(), md, nullptr);
  }
  void update(const void* data, std::size_t size) {
    EVP_DigestUpdate(ctx_.get(), data, size);
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), out.data(), &size);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
      text.push_back(kHex[out[i] >> 4]);
      text.push_back(kHex[out[i] & 0xf]);
    }
    return text;
  }

 private:
  MdCtx ctx_;
};

}  // namespace

Result<Digests> hash_file(const std::filesystem::path& path,
                          WithSha512 sha512) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    auto code = errno == ENOENT ? ExitCode::not_found : ExitCode::general;
    return fail(code, "hashing " + path.string() + ": " + std::strerror(errno));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  Digest d256(EVP_sha256());
  Digest d512(EVP_sha512());
  Digests result;
  std::vector<char> buffer(1 << 20);
  while (true) {
    ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      int saved = errno;
      ::close(fd);
      return fail("hashing " + path.string() + ": " + std::strerror(saved));
    }
    if (got == 0) {
      break;
    }
    if (interrupted()) {
      ::close(fd);
      return fail(ExitCode::interrupted,
                  "hashing " + path.string() + ": interrupted");
    }
    d256.update(buffer.data(), static_cast<std::size_t>(got));
    if (sha512 == WithSha512::yes) {
      d512.update(buffer.data(), static_cast<std::size_t>(got));
    }
    result.size += static_cast<std::uint64_t>(got);
  }
  ::close(fd);

  result.sha256 = d256.hex();
  if (sha512 == WithSha512::yes) {
    result.sha512 = d512.hex();
  }
  return result;
}

Digests hash_bytes(std::string_view data, WithSha512 sha512) {
  Digests result;
  Digest d256(EVP_sha256());
  d256.update(data.data(), data.size());
  result.sha256 = d256.hex();
  if (sha512 == WithSha512::yes) {
    Digest d512(EVP_sha512());
    d512.update(data.data(), data.size());
    result.sha512 = d512.hex();
  }
  result.size = data.size();
  return result;
}

std::string sha256_hex(std::string_view data) {
  return hash_bytes(data).sha256;
}

}  // namespace sf
