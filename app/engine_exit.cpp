#include "engine_exit.h"

#include <wb/engine.h>

#include <csignal>

namespace wb::app {

namespace {

struct SignalText {
    int number;
    const char* name;
    const char* meaning;
};

// The signals an engine dies of in practice; others are told by number.
constexpr SignalText kSignals[] = {
    {SIGHUP, "SIGHUP", "hang-up: its terminal or connection closed"},
    {SIGINT, "SIGINT", "interrupted"},
    {SIGQUIT, "SIGQUIT", "quit"},
    {SIGILL, "SIGILL", "illegal instruction"},
    {SIGTRAP, "SIGTRAP", "trace or breakpoint trap"},
    {SIGABRT, "SIGABRT", "aborted, often by a failed assertion or an uncaught exception"},
    {SIGBUS, "SIGBUS", "bus error"},
    {SIGFPE, "SIGFPE", "arithmetic exception"},
    {SIGKILL, "SIGKILL", "killed"},
    {SIGSEGV, "SIGSEGV", "segmentation fault"},
    {SIGPIPE, "SIGPIPE", "wrote to a closed pipe"},
    {SIGTERM, "SIGTERM", "asked to terminate"},
    {SIGXCPU, "SIGXCPU", "CPU time limit exceeded"},
};

const SignalText* findSignal(int signal)
{
    for (const SignalText& text : kSignals) {
        if (text.number == signal) {
            return &text;
        }
    }
    return nullptr;
}

QString signalPhrase(int signal)
{
    const SignalText* text = findSignal(signal);
    if (text == nullptr) {
        return QStringLiteral("signal %1").arg(signal);
    }
    return QStringLiteral("%1 (signal %2: %3)")
        .arg(QLatin1String(text->name))
        .arg(signal)
        .arg(QLatin1String(text->meaning));
}

} // namespace

QString signalName(int signal)
{
    const SignalText* text = findSignal(signal);
    return text != nullptr ? QLatin1String(text->name) : QStringLiteral("signal %1").arg(signal);
}

QString describeEngineExit(int code, bool crashed)
{
    if (crashed) {
        return QStringLiteral("the engine was killed by %1").arg(signalPhrase(code));
    }
    const QString head = QStringLiteral("the engine exited with status %1").arg(code);
    switch (code) {
    case engine::kEngineExitOk:
        return head + QStringLiteral(" (kEngineExitOk) without being asked to: it does so when its standard input "
                                     "closes");
    case engine::kEngineExitUsage:
        return head + QStringLiteral(" (kEngineExitUsage: it did not accept its command line; check the engine "
                                     "command setting)");
    case engine::kEngineExitProtocolMismatch:
        return head + QStringLiteral(" (kEngineExitProtocolMismatch: it speaks another protocol version)");
    case engine::kEngineExitDeviceLost:
        return head + QStringLiteral(" (kEngineExitDeviceLost: a CUDA error such as an illegal address or a launch "
                                     "failure poisoned the GPU context)");
    case engine::kEngineExitInternal:
        return head + QStringLiteral(" (kEngineExitInternal: a bug in the engine, an exception escaped its session)");
    default: break;
    }
    // Shells and ssh pass a signal's death on as 128 + its number; ssh itself uses 255.
    if (code > 128 && code < 128 + 65) {
        return head + QStringLiteral(": killed by %1").arg(signalPhrase(code - 128));
    }
    if (code == 255) {
        return head + QStringLiteral(" (ssh exits so when the connection fails)");
    }
    return head;
}

} // namespace wb::app
