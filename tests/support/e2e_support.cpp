// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the end-to-end tests: the built binaries, the example
// inputs, a private apt, and servers on 127.0.0.1.
#include "tests/support/e2e_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "core/atomic_file.hpp"

extern char** environ;

namespace sf::test {

namespace fs = std::filesystem;

fs::path sparkforge_binary() { return fs::path(SF_BIN_DIR) / "sparkforge"; }

fs::path example_cache() {
  const char* cache = std::getenv("SPARKFORGE_CACHE");
  if (cache != nullptr && *cache != '\0') return fs::path(cache) / "example";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/root") / ".cache/sparkforge/example";
}

Result<RunResult> run_tool(std::vector<std::string> argv,
                           std::map<std::string, std::string> env) {
  return run({.argv = std::move(argv),
              .timeout = std::chrono::minutes(5),
              .env = std::move(env)});
}

std::map<std::string, std::string> blkid(const fs::path& image,
                                         std::uint64_t offset) {
  std::vector<std::string> argv = {"blkid", "-p", "-o", "export"};
  if (offset != 0) {
    argv.insert(argv.end(), {"-O", std::to_string(offset)});
  }
  argv.push_back(image.string());
  std::map<std::string, std::string> values;
  auto ran = run_tool(argv);
  if (!ran) return values;
  std::istringstream lines(ran->out);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != line.npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

PrivateApt::PrivateApt(const fs::path& root) : root_(root) {
  for (const char* dir :
       {"state/lists/partial", "cache/archives/partial", "etc/sources.list.d",
        "etc/apt.conf.d", "etc/preferences.d", "etc/trusted.gpg.d", "log"}) {
    fs::create_directories(root_ / dir);
  }
  fs::copy_file(fs::path(SF_SOURCE_DIR) / "tests/fixtures/arm64-base-status",
                root_ / "status", fs::copy_options::overwrite_existing);
  auto r = root_.string();
  std::string conf = "Dir::State \"" + r +
                     "/state/\";\n"
                     "Dir::State::status \"" +
                     r +
                     "/status\";\n"
                     "Dir::Cache \"" +
                     r +
                     "/cache/\";\n"
                     "Dir::Etc \"" +
                     r +
                     "/etc/\";\n"
                     "Dir::Etc::sourcelist \"" +
                     r +
                     "/etc/sources.list\";\n"
                     "Dir::Etc::sourceparts \"" +
                     r +
                     "/etc/sources.list.d\";\n"
                     "Dir::Etc::parts \"" +
                     r +
                     "/etc/apt.conf.d\";\n"
                     "Dir::Etc::preferencesparts \"" +
                     r +
                     "/etc/preferences.d\";\n"
                     "Dir::Etc::trustedparts \"" +
                     r +
                     "/etc/trusted.gpg.d\";\n"
                     "Dir::Log \"" +
                     r +
                     "/log\";\n"
                     "APT::Architecture \"arm64\";\n"
                     "APT::Architectures { \"arm64\"; };\n"
                     "APT::Sandbox::User \"root\";\n"
                     "Acquire::Languages \"none\";\n"
                     "Debug::NoLocking \"true\";\n";
  (void)write_file_atomic(root_ / "apt.conf", conf);
}

void PrivateApt::set_source(const std::string& uri, const std::string& suite,
                            const fs::path& key) {
  (void)write_file_atomic(
      root_ / "etc/sources.list",
      "deb [signed-by=" + key.string() + "] " + uri + " " + suite + " main\n");
}

Result<RunResult> PrivateApt::apt_get(std::vector<std::string> args) const {
  args.insert(args.begin(), "apt-get");
  return run_tool(std::move(args),
                  {{"APT_CONFIG", (root_ / "apt.conf").string()}});
}

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

HttpServer::HttpServer(const fs::path& folder) {
  int port = free_port();
  std::vector<std::string> args = {
      "python3",   "-m",          "http.server",   "--bind",
      "127.0.0.1", "--directory", folder.string(), std::to_string(port)};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  int rc =
      ::posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return;
  for (int i = 0; i < 100; ++i) {
    if (accepts(port)) {
      url_ = "http://127.0.0.1:" + std::to_string(port);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

HttpServer::~HttpServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

}  // namespace sf::test
