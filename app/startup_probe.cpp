#include "startup_probe.h"

#include <QApplication>
#include <QEvent>
#include <QTimer>
#include <QWidget>

#include <chrono>
#include <cstdio>

namespace wb::app {

namespace {

class FirstPaint : public QObject {
public:
    explicit FirstPaint(QWidget& window)
        : QObject(&window)
        , m_window(window)
    {
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        auto* widget = qobject_cast<QWidget*>(watched);
        if (!m_seen && event->type() == QEvent::Paint && widget != nullptr && widget->window() == &m_window) {
            m_seen = true;
            // The paint events of one backing-store sync are delivered together; the next
            // turn of the event loop comes after all of them and the flush to the screen.
            QTimer::singleShot(0, this, [] {
                const auto now = std::chrono::steady_clock::now().time_since_epoch();
                std::printf("startup-probe shown_us=%lld\n",
                            static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()));
                std::fflush(stdout);
                QApplication::exit(0);
            });
        }
        return false;
    }

private:
    QWidget& m_window;
    bool m_seen = false;
};

} // namespace

void reportFirstPaint(QWidget& window) { qApp->installEventFilter(new FirstPaint(window)); }

} // namespace wb::app
