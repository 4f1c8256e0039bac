// warpbench: the Qt workbench (issue 5). The window comes first; the engine starts behind
// it. Files named on the command line are opened; after a start that followed a crash, the
// autosaved copies of unsaved editors are offered.

#include "command_line.h"
#include "main_window.h"
#include "screenshot_session.h"
#include "startup_probe.h"

#include <wb/version.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
    QApplication application(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Warpbench"));
    QApplication::setApplicationName(QStringLiteral("warpbench"));
    QApplication::setApplicationDisplayName(QStringLiteral("Warpbench"));
    QApplication::setApplicationVersion(QString::fromLatin1(wb::kVersionString));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Warpbench: a workbench for GPU computing"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Pipelines, kernels or run records to open"),
                                 QStringLiteral("[files...]"));
    const QCommandLineOption engineOption(
        QStringLiteral("engine"),
        QStringLiteral("The engine command line for this start (default: warpbench-cli next "
                       "to this program, or WB_ENGINE_COMMAND)"),
        QStringLiteral("command"));
    const QCommandLineOption freshOption(QStringLiteral("fresh"),
                                         QStringLiteral("Do not reopen the last session's files and layout"));
    const QCommandLineOption screenshotsOption(
        QStringLiteral("screenshots"),
        QStringLiteral("Open the first file, run it, take the documentation's pictures into DIR and quit"),
        QStringLiteral("DIR"));
    const QCommandLineOption recordOption(QStringLiteral("record"),
                                          QStringLiteral("With --screenshots: a run record to picture as well"),
                                          QStringLiteral("FILE"));
    const QCommandLineOption startupProbeOption(
        QStringLiteral("startup-probe"),
        QStringLiteral("Print the steady clock in microseconds once the window is first painted, "
                       "then quit (warpbench-startup measures the time to the first window with it)"));
    parser.addOption(engineOption);
    parser.addOption(freshOption);
    parser.addOption(startupProbeOption);
    parser.addOption(screenshotsOption);
    parser.addOption(recordOption);
    parser.process(application);

    wb::app::MainWindowOptions options;
    const bool screenshots = parser.isSet(screenshotsOption);
    options.restoreSession = !parser.isSet(freshOption) && !screenshots;
    if (parser.isSet(engineOption)) {
        QString error;
        const std::optional<QStringList> words = wb::app::splitCommandLine(parser.value(engineOption), &error);
        if (!words || words->isEmpty()) {
            std::fprintf(stderr, "warpbench: --engine: %s\n",
                         qPrintable(words ? QStringLiteral("empty command line") : error));
            return 2;
        }
        options.engines = {*words};
    }

    wb::app::MainWindow window(options);
    if (screenshots) {
        window.resize(1600, 1000);
    }
    window.show();

    const QStringList files = parser.positionalArguments();
    if (screenshots) {
        if (files.isEmpty()) {
            std::fprintf(stderr, "warpbench: --screenshots needs a pipeline to open\n");
            return 2;
        }
        int status = 0;
        QTimer::singleShot(0, &window, [&] {
            wb::app::ScreenshotSession session(window, parser.value(screenshotsOption), files.first(),
                                               parser.value(recordOption));
            QString error;
            if (session.run(&error)) {
                for (const QString& path : session.written()) {
                    std::printf("wrote %s\n", qPrintable(QDir::toNativeSeparators(path)));
                }
            } else {
                std::fprintf(stderr, "warpbench: screenshots: %s\n", qPrintable(error));
                status = 1;
            }
            window.close();
            QApplication::exit(status);
        });
        QApplication::exec();
        return status;
    }

    for (const QString& path : files) {
        QString error;
        if (window.openFile(path, &error) == nullptr && !error.isEmpty()) {
            std::fprintf(stderr, "warpbench: %s\n", qPrintable(error));
        }
    }
    if (parser.isSet(startupProbeOption)) {
        wb::app::reportFirstPaint(window);
        return QApplication::exec();
    }
    // After the first paint, so that the dialog has its window to sit on.
    QTimer::singleShot(0, &window, [&window] { window.offerRecovery(); });
    return QApplication::exec();
}
