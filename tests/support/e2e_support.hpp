// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the end-to-end tests: the built binaries, the example
// inputs, a private apt, and servers on 127.0.0.1.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/subprocess.hpp"

namespace sf::test {

// The sparkforge binary of this build.
std::filesystem::path sparkforge_binary();

// The folder scripts/install-deps fills with the example's inputs
// ($SPARKFORGE_CACHE/example, by default ~/.cache/sparkforge/example).
std::filesystem::path example_cache();

// Runs a command with a generous timeout and returns its result; a failure
// to start at all is a test failure reported by the caller.
Result<RunResult> run_tool(std::vector<std::string> argv,
                           std::map<std::string, std::string> env = {});

// `blkid -p -o export` of an image (at a byte offset), as key=value pairs.
std::map<std::string, std::string> blkid(const std::filesystem::path& image,
                                         std::uint64_t offset = 0);

// A private apt for architecture arm64: its own state, cache and sources,
// and a dpkg status that lists the base system of a stock DGX OS install.
class PrivateApt {
 public:
  explicit PrivateApt(const std::filesystem::path& root);
  // Replaces the sources with one `deb [signed-by=key] uri suite main` line.
  void set_source(const std::string& uri, const std::string& suite,
                  const std::filesystem::path& key);
  Result<RunResult> apt_get(std::vector<std::string> args) const;
  std::filesystem::path archives() const { return root_ / "cache/archives"; }

 private:
  std::filesystem::path root_;
};

// `python3 -m http.server` serving a folder on 127.0.0.1 at a free port,
// stopped by process id when this goes out of scope.
class HttpServer {
 public:
  explicit HttpServer(const std::filesystem::path& folder);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // "http://127.0.0.1:PORT", or empty when the server did not start.
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace sf::test
