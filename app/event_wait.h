#pragma once
// Waiting for something while the Qt event loop keeps running, for code that drives the
// window or an EngineClient step by step (the screenshot session, the app's tests).

#include <functional>

namespace wb::app {

// Runs the event loop until `done()` or `timeoutMs`, checking every `pollMs`; done()'s
// last answer. Not QTest::qWaitFor: that sleeps 10 ms between rounds of events, which
// would slow every read from the engine (a 16 MiB frame takes seconds) and add its sleeps
// to the times the tests measure.
bool waitFor(const std::function<bool()>& done, int timeoutMs, int pollMs = 1);

} // namespace wb::app
