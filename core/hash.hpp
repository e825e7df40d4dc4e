// SPDX-License-Identifier: Apache-2.0
// SHA-256 and SHA-512 through OpenSSL's EVP interface.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sf {

// Lowercase hex digests and the byte count of one input.
struct Digests {
  std::string sha256;
  std::string sha512;
  std::uint64_t size = 0;
};

enum class WithSha512 { no, yes };

// Hashes a file in one streaming pass. sha512 stays empty unless asked.
// Fails with not_found or general when the file cannot be read.
[[nodiscard]] Result<Digests> hash_file(const std::filesystem::path& path,
                                        WithSha512 sha512 = WithSha512::no);

// Hashes bytes held in memory.
[[nodiscard]] Digests hash_bytes(std::string_view data,
                                 WithSha512 sha512 = WithSha512::no);

// SHA-256 of bytes in memory, lowercase hex.
[[nodiscard]] std::string sha256_hex(std::string_view data);

}  // namespace sf
