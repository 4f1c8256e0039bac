#include "event_wait.h"

#include <QEventLoop>
#include <QTimer>

namespace wb::app {

bool waitFor(const std::function<bool()>& done, int timeoutMs, int pollMs)
{
    if (done()) {
        return true;
    }
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(pollMs);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done()) {
            loop.quit();
        }
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    poll.start();
    loop.exec();
    return done();
}

} // namespace wb::app
