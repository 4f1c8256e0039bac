#pragma once
// The client side of the engine protocol for the tests: frames over pipes with a time limit
// on every read, and an engine to talk to, either a Session served on a thread of this
// process or the real `warpbench-cli engine --stdio`. A read that passes its limit throws,
// which fails the test with the reason instead of hanging the suite.

#include "engine/frame.h"
#include "engine/session.h"

#include <wb/engine.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace wb::test {

using json = nlohmann::ordered_json;

// A pipe's read end whose reads give up after a time limit (std::runtime_error).
class TimedFdSource final : public engine::ByteSource {
public:
    TimedFdSource(int fd, std::chrono::milliseconds limit)
        : m_fd(fd)
        , m_limit(limit)
    {
    }

    std::size_t read(void* buffer, std::size_t size) override
    {
        pollfd entry{m_fd, POLLIN, 0};
        const int ready = ::poll(&entry, 1, static_cast<int>(m_limit.count()));
        if (ready == 0)
            throw std::runtime_error("nothing from the engine within " + std::to_string(m_limit.count()) + " ms");
        const ssize_t got = ::read(m_fd, buffer, size);
        return got > 0 ? static_cast<std::size_t>(got) : 0;
    }
    void interrupt() override {}
    bool interrupted() const override { return false; }

private:
    int m_fd;
    std::chrono::milliseconds m_limit;
};

// Frames to and from an engine over two pipe ends, which it owns.
class EngineClient {
public:
    static constexpr std::chrono::milliseconds kDefaultLimit{30000};

    EngineClient(int toEngine, int fromEngine, std::chrono::milliseconds limit = kDefaultLimit)
        : m_toEngine(toEngine)
        , m_fromEngine(fromEngine)
        , m_source(fromEngine, limit)
        , m_sink(toEngine)
        , m_writer(m_sink)
        , m_reader(m_source)
    {
        // A test that writes to an engine that has gone gets EPIPE, not a dead test process.
        ::signal(SIGPIPE, SIG_IGN);
    }
    ~EngineClient()
    {
        closeInput();
        closeOutput();
    }
    EngineClient(const EngineClient&) = delete;
    EngineClient& operator=(const EngineClient&) = delete;

    bool send(const json& message) { return m_writer.write(engine::kJsonFrame, message.dump()); }
    bool sendRaw(const std::string& bytes) { return m_sink.write(bytes.data(), bytes.size()); }

    engine::ReadResult nextFrame() { return m_reader.next(); }

    // The next frame, which must be JSON.
    json next()
    {
        engine::ReadResult frame = nextFrame();
        if (frame.status != engine::ReadStatus::Frame)
            throw std::runtime_error("the engine's output ended (status " +
                                     std::to_string(static_cast<int>(frame.status)) + ")");
        if (frame.kind != engine::kJsonFrame)
            throw std::runtime_error("a binary frame where JSON was expected");
        return json::parse(frame.payload);
    }

    // Every JSON frame up to and including the reply to `id`.
    std::vector<json> until(std::int64_t id)
    {
        std::vector<json> frames;
        for (;;) {
            frames.push_back(next());
            const json& frame = frames.back();
            if (frame.value("type", "") == "reply" && frame["id"] == id)
                return frames;
        }
    }

    // Sends a request and returns its reply, dropping events on the way.
    json request(const json& message)
    {
        send(message);
        return until(message.at("id").get<std::int64_t>()).back();
    }

    // Reads the greeting, says hello, and returns the hello reply.
    json hello()
    {
        const json greeting = next();
        if (greeting.value("magic", "") != engine::kGreetingMagic)
            throw std::runtime_error("not a greeting: " + greeting.dump());
        return request({{"type", "hello"}, {"id", 0}, {"protocol", engine::kProtocolVersion}, {"client", "test"}});
    }

    // Reads until the engine's output ends; the JSON frames read on the way.
    std::vector<json> drain()
    {
        std::vector<json> frames;
        for (;;) {
            engine::ReadResult frame = nextFrame();
            if (frame.status != engine::ReadStatus::Frame)
                return frames;
            if (frame.kind == engine::kJsonFrame)
                frames.push_back(json::parse(frame.payload));
        }
    }

    void closeInput()
    {
        if (m_toEngine >= 0)
            ::close(m_toEngine);
        m_toEngine = -1;
    }
    void closeOutput()
    {
        if (m_fromEngine >= 0)
            ::close(m_fromEngine);
        m_fromEngine = -1;
    }

private:
    int m_toEngine;
    int m_fromEngine;
    TimedFdSource m_source;
    engine::FdSink m_sink;
    engine::FrameWriter m_writer;
    engine::FrameReader m_reader;
};

inline void makePipe(int ends[2])
{
    if (::pipe2(ends, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
}

// A Session served on a thread of this process over pipes.
class InProcessEngine {
public:
    explicit InProcessEngine(engine::SessionOptions options = {})
    {
        int toEngine[2], fromEngine[2];
        makePipe(toEngine);
        makePipe(fromEngine);
        m_engineInput = toEngine[0];
        m_engineOutput = fromEngine[1];
        m_source = std::make_unique<engine::FdSource>(m_engineInput);
        m_sink = std::make_unique<engine::FdSink>(m_engineOutput);
        m_client = std::make_unique<EngineClient>(toEngine[1], fromEngine[0]);
        m_session = std::make_unique<engine::Session>(*m_source, *m_sink, std::move(options));
        // As when the engine process exits: its ends of the pipes close once it has served,
        // unless a run it left still writes.
        m_thread = std::thread([this] {
            m_status = m_session->serve();
            if (!m_session->runInProgress()) {
                closeEnd(m_engineInput);
                closeEnd(m_engineOutput);
            }
        });
    }
    ~InProcessEngine()
    {
        m_client->closeInput();
        m_client->closeOutput();
        join();
        m_session.reset();
        closeEnd(m_engineInput);
        closeEnd(m_engineOutput);
    }

    EngineClient& client() { return *m_client; }
    // Waits for serve() to return (close the input first, or ask for shutdown).
    int status()
    {
        join();
        return m_status;
    }
    bool runInProgress() const { return m_session->runInProgress(); }

private:
    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    static void closeEnd(int& fd)
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }

    int m_engineInput = -1;
    int m_engineOutput = -1;
    std::unique_ptr<engine::FdSource> m_source;
    std::unique_ptr<engine::FdSink> m_sink;
    std::unique_ptr<EngineClient> m_client;
    std::unique_ptr<engine::Session> m_session;
    std::thread m_thread;
    int m_status = -1;
};

// `warpbench-cli engine --stdio` with its standard input and output on pipes and its
// standard error in a file.
class EngineProcess {
public:
    // `arguments` after "engine"; `environment`: NAME=value entries added to this process's.
    EngineProcess(const std::string& binary, const std::vector<std::string>& arguments, const std::string& stderrPath,
                  const std::vector<std::string>& environment = {})
        : m_stderrPath(stderrPath)
    {
        int toEngine[2], fromEngine[2];
        makePipe(toEngine);
        makePipe(fromEngine);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, toEngine[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, fromEngine[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        std::vector<std::string> words{binary, "engine"};
        words.insert(words.end(), arguments.begin(), arguments.end());
        std::vector<char*> argv;
        for (std::string& word : words)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        std::vector<std::string> variables = environment;
        for (char** entry = environ; *entry; ++entry)
            variables.emplace_back(*entry);
        std::vector<char*> envp;
        for (std::string& variable : variables)
            envp.push_back(variable.data());
        envp.push_back(nullptr);
        const int failed = posix_spawn(&m_pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(toEngine[0]);
        ::close(fromEngine[1]);
        if (failed != 0)
            throw std::runtime_error("cannot start " + binary + ": " + std::strerror(failed));
        m_client = std::make_unique<EngineClient>(toEngine[1], fromEngine[0]);
    }
    ~EngineProcess()
    {
        if (m_pid > 0 && !m_waited) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
    }

    EngineClient& client() { return *m_client; }
    pid_t pid() const { return m_pid; }

    // The raw wait status, once the process has ended (within `limit`, else it is killed
    // and the test fails).
    int wait(std::chrono::milliseconds limit = std::chrono::milliseconds(30000))
    {
        if (m_waited)
            return m_status;
        const auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            const pid_t done = ::waitpid(m_pid, &m_status, WNOHANG);
            if (done == m_pid)
                break;
            if (std::chrono::steady_clock::now() > end) {
                ADD_FAILURE() << "the engine did not end within " << limit.count() << " ms; killing it";
                ::kill(m_pid, SIGKILL);
                ::waitpid(m_pid, &m_status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        m_waited = true;
        return m_status;
    }

    // The exit status, or -1 when a signal ended it.
    int exitCode(std::chrono::milliseconds limit = std::chrono::milliseconds(30000))
    {
        const int status = wait(limit);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    std::string standardError() const
    {
        std::ifstream in(m_stderrPath);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

private:
    std::string m_stderrPath;
    pid_t m_pid = -1;
    int m_status = 0;
    bool m_waited = false;
    std::unique_ptr<EngineClient> m_client;
};

// The frames of a reply's events in order, by their event names.
inline std::vector<std::string> eventNames(const std::vector<json>& frames)
{
    std::vector<std::string> names;
    for (const json& frame : frames)
        if (frame.value("type", "") == "event")
            names.push_back(frame.value("event", ""));
    return names;
}

} // namespace wb::test
