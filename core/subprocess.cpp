// SPDX-License-Identifier: Apache-2.0
// Runs external commands with a timeout and a cap on captured output.
#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/interrupt.hpp"

extern char** environ;

namespace sf {
namespace {

using Clock = std::chrono::steady_clock;

// A pipe whose ends close themselves.
struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read = fds[0];
      write = fds[1];
    }
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

std::vector<std::string> build_environment(
    const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string item(*entry);
    auto name = item.substr(0, item.find('='));
    if (!extra.contains(name)) {
      env.push_back(std::move(item));
    }
  }
  for (const auto& [name, value] : extra) {
    env.push_back(name + "=" + value);
  }
  return env;
}

std::vector<char*> as_c_array(std::vector<std::string>& words) {
  std::vector<char*> pointers;
  for (auto& word : words) {
    pointers.push_back(word.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

// Appends what fits under the cap and remembers that the rest was dropped.
void append_capped(std::string& to, bool& truncated, const char* data,
                   std::size_t size, std::size_t cap) {
  std::size_t room = to.size() < cap ? cap - to.size() : 0;
  to.append(data, std::min(room, size));
  if (size > room) {
    truncated = true;
  }
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGTERM);
  ::usleep(200 * 1000);
  ::kill(-pid, SIGKILL);
}

// The program's path: argv0 itself when it holds a '/', else the first
// executable of that name in PATH (the one the child will see). Checked
// before spawning because a failed exec is not reported by posix_spawn
// everywhere (under qemu-user it becomes exit status 127).
std::optional<std::string> find_program(const std::string& argv0,
                                        const std::vector<std::string>& env) {
  if (argv0.find('/') != std::string::npos) {
    return ::access(argv0.c_str(), X_OK) == 0 ? std::optional(argv0)
                                              : std::nullopt;
  }
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  for (std::size_t start = 0; start <= path.size();) {
    auto end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    auto dir = path.substr(start, end - start);
    auto candidate = (dir.empty() ? "." : dir) + "/" + argv0;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::string quote_command(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) {
    if (!text.empty()) text += ' ';
    bool plain = !word.empty() &&
                 word.find_first_of(" \t\n'\"\\$`*?;&|<>()") == word.npos;
    text += plain ? word : "'" + word + "'";
  }
  return text;
}

Result<RunResult> run(const RunOptions& options) {
  if (options.argv.empty()) {
    return fail(ExitCode::invalid_args, "running a command: empty argv");
  }
  Pipe in, out, err;
  if (in.read < 0 || out.read < 0 || err.read < 0) {
    return fail("running " + options.argv[0] +
                ": pipe: " + std::strerror(errno));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own, so a timeout kills grandchildren too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  auto args = options.argv;
  auto env = build_environment(options.env);
  auto program = find_program(args[0], env);
  if (!program) {
    return fail(ExitCode::not_found,
                "running " + args[0] + ": " + std::strerror(ENOENT));
  }
  auto c_args = as_c_array(args);
  auto c_env = as_c_array(env);
  pid_t pid = -1;
  auto start = Clock::now();
  int rc = ::posix_spawn(&pid, program->c_str(), &actions, &attr, c_args.data(),
                         c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    auto code = rc == ENOENT ? ExitCode::not_found : ExitCode::general;
    return fail(code, "running " + options.argv[0] + ": " + std::strerror(rc));
  }
  in.close_read();
  out.close_write();
  err.close_write();

  RunResult result;
  std::string input = options.stdin_data.value_or("");
  std::size_t written = 0;
  if (input.empty()) {
    in.close_write();
  } else {
    ::fcntl(in.write, F_SETFL, O_NONBLOCK);
  }
  auto deadline = start + options.timeout;
  bool timed_out = false;
  bool stopped = false;
  std::array<char, 65536> buffer;
  while (out.read >= 0 || err.read >= 0) {
    if (interrupted()) {
      stopped = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{
        {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}, {in.write, POLLOUT, 0}}};
    int ready = ::poll(fds.data(), fds.size(),
                       static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
      ssize_t n =
          ::write(in.write, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 || written == input.size()) in.close_write();
    }
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Pipe& pipe = i == 0 ? out : err;
      ssize_t n = ::read(pipe.read, buffer.data(), buffer.size());
      if (n <= 0) {
        pipe.close_read();
        continue;
      }
      auto& text = i == 0 ? result.out : result.err;
      auto& cut = i == 0 ? result.out_truncated : result.err_truncated;
      append_capped(text, cut, buffer.data(), static_cast<std::size_t>(n),
                    options.output_cap);
    }
  }
  if (timed_out || stopped) {
    kill_group(pid);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      Clock::now() - start);
  if (stopped) {
    return fail(ExitCode::interrupted,
                "running " + options.argv[0] + ": interrupted");
  }
  if (timed_out) {
    return fail(ExitCode::timeout,
                "running " + options.argv[0] + ": timed out after " +
                    std::to_string(options.timeout.count()) + " ms");
  }
  result.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

Result<RunResult> run_checked(const RunOptions& options) {
  auto result = run(options);
  if (!result) {
    return result;
  }
  if (result->exit_code == 0) {
    return result;
  }
  std::string last = result->err;
  while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) {
    last.pop_back();
  }
  if (auto nl = last.rfind('\n'); nl != last.npos) {
    last = last.substr(nl + 1);
  }
  return fail("running " + options.argv[0] + ": exited with status " +
              std::to_string(result->exit_code) +
              (last.empty() ? "" : " (" + last + ")"));
}

}  // namespace sf
