#pragma once
// `warpbench --startup-probe`: the moment the window has been painted for the first time,
// for warpbench-startup (app/bench), which starts the program and subtracts its own clock
// reading from the one printed. Both are the steady clock (CLOCK_MONOTONIC), the same in
// every process of the machine.

class QWidget;

namespace wb::app {

// Prints "startup-probe shown_us=<steady clock, µs>" on stdout once `window` and its
// children have finished their first paint, then quits the application.
void reportFirstPaint(QWidget& window);

} // namespace wb::app
