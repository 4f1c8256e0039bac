#pragma once
// Words for the way an engine process ended: its exit status as wb/engine.h defines it, or
// the signal that killed it. The numbers come from wb/engine.h only (STYLE.md rule 11).

#include <QString>

namespace wb::app {

// "SIGKILL", "SIGSEGV", ...; "signal N" for a number without a name here.
QString signalName(int signal);

// One phrase for an engine's end, e.g. "the engine exited with status 4
// (kEngineExitDeviceLost: a CUDA error poisoned the GPU context)" or "the engine was killed
// by SIGKILL (signal 9)". `crashed` is QProcess::CrashExit, where `code` is the signal's
// number; a normal exit with a status above 128 (a shell or ssh passing on a signal's death)
// is told as that signal too.
QString describeEngineExit(int code, bool crashed);

} // namespace wb::app
