// The pipeline and kernel editors, offscreen: the op list as the engine sends it (from the
// real `warpbench-cli ops --json`), the pipeline language's styles (also after edits in
// the middle of a file), completion and call tips, diagnostics as squiggles, margin markers
// and tooltips, going to a line and column, the debounced check signal, the unsaved-changes
// state, font and zoom, CUDA's keywords and folding, colours readable on white, and what
// the editors look like with a diagnostic shown (WB_EDITOR_PICTURES=DIR keeps the pictures).

#include "code_editor.h"
#include "cuda_lexer.h"
#include "kernel_editor.h"
#include "op_catalog.h"
#include "op_palette.h"
#include "pipeline_editor.h"
#include "wbp_lexer.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
#include <QTreeWidget>

#include <cmath>
#include <cstdlib>

using namespace wb::widgets;
using Sci = QsciScintillaBase;

namespace {

const QString kGaussianSignature = QStringLiteral("gaussian(x, sigma, ksize=0, border=reflect101)");
const QString kGaussianDoc = QStringLiteral("Gaussian blur with OpenCV's kernel sizes and weights");

// Styles whatever Scintilla has not styled yet, from where styling stopped: an edit
// restyles from the edit on, not from the start.
void styleRest(QsciScintilla& editor)
{
    editor.SendScintilla(Sci::SCI_COLOURISE, static_cast<unsigned long>(editor.SendScintilla(Sci::SCI_GETENDSTYLED)),
                         -1L);
}

QList<int> stylesOf(QsciScintilla& editor, int from, int count)
{
    QList<int> styles;
    for (int i = 0; i < count; ++i)
        styles.append(static_cast<int>(editor.SendScintilla(Sci::SCI_GETSTYLEAT, from + i)));
    return styles;
}

QList<int> allStyles(QsciScintilla& editor) { return stylesOf(editor, 0, editor.length()); }

// Byte position of the `occurrence`-th `needle` in the editor's text, -1 when missing.
int find(QsciScintilla& editor, const QByteArray& needle, int occurrence = 0)
{
    const QByteArray text = editor.text().toUtf8();
    qsizetype at = -1;
    for (int i = 0; i <= occurrence; ++i) {
        at = text.indexOf(needle, at + 1);
        if (at < 0)
            return -1;
    }
    return static_cast<int>(at);
}

// The style of every byte of the needle, for QCOMPARE against QList<int>(size, style).
QList<int> stylesOfNeedle(QsciScintilla& editor, const QByteArray& needle, int occurrence = 0)
{
    const int at = find(editor, needle, occurrence);
    return at < 0 ? QList<int>() : stylesOf(editor, at, static_cast<int>(needle.size()));
}

QList<int> all(const QByteArray& needle, int style) { return QList<int>(needle.size(), style); }

void moveToEnd(QsciScintilla& editor) { editor.SendScintilla(Sci::SCI_DOCUMENTEND); }

double luminance(const QColor& color)
{
    auto channel = [](double c) { return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF());
}

// WCAG's contrast ratio; 4.5 is the minimum it asks of text.
double contrast(const QColor& a, const QColor& b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

bool isErrorRed(QRgb pixel) { return qRed(pixel) > 150 && qGreen(pixel) < 110 && qBlue(pixel) < 110; }

// Whether any pixel of `rect` in `image` is the diagnostics' red.
bool anyErrorRed(const QImage& image, const QRect& rect)
{
    const QRect clipped = rect.intersected(image.rect());
    for (int y = clipped.top(); y <= clipped.bottom(); ++y) {
        for (int x = clipped.left(); x <= clipped.right(); ++x) {
            if (isErrorRed(image.pixel(x, y)))
                return true;
        }
    }
    return false;
}

// The viewport rectangle of a line's text from byte `from` to byte `to`.
QRect textRect(QsciScintilla& editor, int from, int to)
{
    const int x0 = static_cast<int>(editor.SendScintilla(Sci::SCI_POINTXFROMPOSITION, 0UL, static_cast<long>(from)));
    const int x1 = static_cast<int>(editor.SendScintilla(Sci::SCI_POINTXFROMPOSITION, 0UL, static_cast<long>(to)));
    const int y = static_cast<int>(editor.SendScintilla(Sci::SCI_POINTYFROMPOSITION, 0UL, static_cast<long>(from)));
    const int height = static_cast<int>(editor.SendScintilla(Sci::SCI_TEXTHEIGHT, 0L));
    return QRect(x0, y, x1 - x0, height);
}

void keepPicture(const QImage& image, const QString& name)
{
    const QString directory = qEnvironmentVariable("WB_EDITOR_PICTURES");
    if (!directory.isEmpty()) {
        QDir().mkpath(directory);
        QVERIFY(image.save(QDir(directory).filePath(name)));
    }
}

// The editor's popups (call tip, completion list) are windows of their own, outside grab().
void keepPopups(const QWidget* owner, const QString& name)
{
    int index = 0;
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (widget != owner && widget->isVisible())
            keepPicture(widget->grab().toImage(), QStringLiteral("%1_%2.png").arg(name).arg(index++));
    }
}

// QScintilla raises its popups, which the offscreen platform cannot do; it says so every
// time. Every other message goes on to QtTest's handler.
QtMessageHandler g_testHandler = nullptr;
void dropRaiseWarnings(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message == QLatin1String("This plugin does not support raise()"))
        return;
    g_testHandler(type, context, message);
}

QJsonObject diagnosticJson(int line, int column, int length, const char* severity, const QString& message)
{
    return QJsonObject{{"line", line},         {"column", column},   {"length", length},
                       {"severity", severity}, {"message", message}, {"text", "f.wbp: " + message}};
}

} // namespace

class TestEditors : public QObject {
    Q_OBJECT

private:
    OpCatalog m_ops;

private slots:
    void initTestCase()
    {
        g_testHandler = qInstallMessageHandler(dropRaiseWarnings);
        QProcess cli;
        cli.start(QStringLiteral(WARPBENCH_CLI_PATH), {QStringLiteral("ops"), QStringLiteral("--json")});
        QVERIFY2(cli.waitForFinished(60000), qPrintable(cli.errorString()));
        QCOMPARE(cli.exitCode(), 0);
        QString problem;
        m_ops = OpCatalog::fromJson(cli.readAllStandardOutput(), &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(!m_ops.isEmpty());
    }

    void cleanupTestCase() { qInstallMessageHandler(g_testHandler); }

    void catalogReadsTheEnginesOpList()
    {
        QVERIFY(m_ops.size() > 40);
        const OpEntry* gaussian = m_ops.find(u"gaussian");
        QVERIFY(gaussian);
        QCOMPARE(gaussian->signature, kGaussianSignature);
        QCOMPARE(gaussian->doc, kGaussianDoc);
        QCOMPARE(gaussian->category, QStringLiteral("image"));
        QCOMPARE(gaussian->params.size(), 4);
        QCOMPARE(gaussian->params[1].name, QStringLiteral("sigma"));
        QVERIFY(gaussian->params[1].required);
        QCOMPARE(gaussian->params[2].defaultText, QStringLiteral("0"));
        QVERIFY(gaussian->params[2].maximum.has_value());
        QCOMPARE(*gaussian->params[2].maximum, 129.0);
        QCOMPARE(gaussian->params[3].choices,
                 QStringList({QStringLiteral("reflect101"), QStringLiteral("replicate"), QStringLiteral("constant")}));
        QVERIFY(m_ops.find(u"show")->sink);
        QVERIFY(m_ops.find(u"rand")->variadic);
        QVERIFY(!m_ops.find(u"Gaussian")); // names are case-sensitive

        QCOMPARE(m_ops.completions(u"ff"),
                 QStringList({QStringLiteral("fft"), QStringLiteral("fft2"), QStringLiteral("fftshift")}));
        QCOMPARE(m_ops.completions(u"i"),
                 QStringList({QStringLiteral("ifft"), QStringLiteral("ifft2"), QStringLiteral("ifftshift"),
                              QStringLiteral("imag"), QStringLiteral("irfft"), QStringLiteral("irfft2")}));
        QVERIFY(m_ops.completions(u"Ff").isEmpty());
        QCOMPARE(m_ops.completions(u"").size(), m_ops.size());
        QCOMPARE(m_ops.callTip(u"gaussian"), kGaussianSignature + '\n' + kGaussianDoc);
        QVERIFY(m_ops.callTip(u"gausian").isEmpty());
    }

    void catalogRefusesMalformedLists()
    {
        QString problem;
        QVERIFY(OpCatalog::fromJson(QByteArray(R"({"ops": []})"), &problem).isEmpty());
        QVERIFY2(problem.contains(QLatin1String("not a JSON array")), qPrintable(problem));
        QVERIFY(OpCatalog::fromJson(QByteArray("[{"), &problem).isEmpty());
        QVERIFY2(problem.contains(QLatin1String("not JSON")), qPrintable(problem));

        const OpCatalog partial = OpCatalog::fromJson(
            QByteArray(R"([{"name": "f", "variadic": false, "params": [{"name": "x", "type": "array"},
                            {"name": "n", "type": "int", "required": false, "default": "3"}]},
                          {"doc": "no name"}, 7, {"name": "f"}])"),
            &problem);
        QCOMPARE(partial.size(), 1);
        QVERIFY2(problem.contains(QLatin1String("1, 2, 3 ('f' again)")), qPrintable(problem));
        // Without a signature the entry gets the registry's layout; without `returns` and
        // `sink` it is a sink, as the registry's OpInfo::isSink() decides.
        QCOMPARE(partial.find(u"f")->signature, QStringLiteral("f(x, n=3)"));
        QVERIFY(partial.find(u"f")->sink);
    }

    void lexerStylesASampleLine()
    {
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.setDocumentText(QStringLiteral("@repeat 5 # five runs\n"
                                              "blur = gaussian(img, sigma=2.5, border=\"constant\") + "
                                              "gausian(img) * -2 ** .5\n"));
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "@repeat"), all("@repeat", WbpLexer::Directive));
        QCOMPARE(stylesOfNeedle(editor, "5 "), QList<int>({WbpLexer::Number, WbpLexer::Default}));
        QCOMPARE(stylesOfNeedle(editor, "# five runs"), all("# five runs", WbpLexer::Comment));
        QCOMPARE(stylesOfNeedle(editor, "\n"), all("\n", WbpLexer::Default));
        QCOMPARE(stylesOfNeedle(editor, "blur"), all("blur", WbpLexer::Identifier));
        QCOMPARE(stylesOfNeedle(editor, "="), all("=", WbpLexer::Operator));
        QCOMPARE(stylesOfNeedle(editor, "gaussian"), all("gaussian", WbpLexer::OpName));
        QCOMPARE(stylesOfNeedle(editor, "("), all("(", WbpLexer::Operator));
        QCOMPARE(stylesOfNeedle(editor, "img"), all("img", WbpLexer::Identifier));
        QCOMPARE(stylesOfNeedle(editor, "sigma"), all("sigma", WbpLexer::KeywordArgument));
        QCOMPARE(stylesOfNeedle(editor, "2.5"), all("2.5", WbpLexer::Number));
        QCOMPARE(stylesOfNeedle(editor, "border"), all("border", WbpLexer::KeywordArgument));
        QCOMPARE(stylesOfNeedle(editor, "\"constant\""), all("\"constant\"", WbpLexer::String));
        QCOMPARE(stylesOfNeedle(editor, "gausian"), all("gausian", WbpLexer::UnknownName));
        QCOMPARE(stylesOfNeedle(editor, "img", 1), all("img", WbpLexer::Identifier));
        QCOMPARE(stylesOfNeedle(editor, "* -2 ** .5"),
                 QList<int>({WbpLexer::Operator, WbpLexer::Default, WbpLexer::Operator, WbpLexer::Number,
                             WbpLexer::Default, WbpLexer::Operator, WbpLexer::Operator, WbpLexer::Default,
                             WbpLexer::Number, WbpLexer::Number}));
    }

    void lexerMarksWhatTheEngineRejects()
    {
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.setDocumentText(QString::fromUtf8("@repat 2\n"
                                                 "x = 3x + 1e + 1.2.3 + 2. + 1e-3 $ ! != \xc3\xa9\n"
                                                 "y = a @b\n"
                                                 "s = \"open \\\" still\n"
                                                 "t = f32(1, 2)\n"
                                                 "z = abs(a,\n"
                                                 "@seed)\n"));
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "@repat"), all("@repat", WbpLexer::UnknownName));
        QCOMPARE(stylesOfNeedle(editor, "3x"), all("3x", WbpLexer::Invalid));
        QCOMPARE(stylesOfNeedle(editor, "1e "), QList<int>({WbpLexer::Invalid, WbpLexer::Invalid, WbpLexer::Default}));
        QCOMPARE(stylesOfNeedle(editor, "1.2.3"), all("1.2.3", WbpLexer::Invalid));
        QCOMPARE(stylesOfNeedle(editor, "2. "), QList<int>({WbpLexer::Number, WbpLexer::Number, WbpLexer::Default}));
        QCOMPARE(stylesOfNeedle(editor, "1e-3"), all("1e-3", WbpLexer::Number));
        QCOMPARE(stylesOfNeedle(editor, "$"), all("$", WbpLexer::Invalid));
        QCOMPARE(stylesOfNeedle(editor, "! "), QList<int>({WbpLexer::Invalid, WbpLexer::Default}));
        QCOMPARE(stylesOfNeedle(editor, "!="), all("!=", WbpLexer::Operator));
        QCOMPARE(stylesOfNeedle(editor, "\xc3\xa9"), all("\xc3\xa9", WbpLexer::Invalid));
        // `@` inside a statement multiplies; `b` after it is a name.
        QCOMPARE(stylesOfNeedle(editor, "@b"), QList<int>({WbpLexer::Operator, WbpLexer::Identifier}));
        // An unterminated string runs to the end of its line, escapes included.
        QCOMPARE(stylesOfNeedle(editor, "\"open \\\" still"), all("\"open \\\" still", WbpLexer::Invalid));
        QCOMPARE(stylesOfNeedle(editor, "t = "),
                 QList<int>({WbpLexer::Identifier, WbpLexer::Default, WbpLexer::Operator, WbpLexer::Default}));
        // A called name the op list lacks.
        QCOMPARE(stylesOfNeedle(editor, "f32"), all("f32", WbpLexer::UnknownName));
        // Inside open parentheses `@` does not start a directive.
        QCOMPARE(stylesOfNeedle(editor, "@seed"),
                 QList<int>({WbpLexer::Operator, WbpLexer::Identifier, WbpLexer::Identifier, WbpLexer::Identifier,
                             WbpLexer::Identifier}));
    }

    void lexerWithoutAnOpListCallsNothingUnknown()
    {
        PipelineEditor editor;
        editor.setDocumentText(QStringLiteral("y = gausian(x)\n"));
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "gausian"), all("gausian", WbpLexer::OpName));
        // The op list arriving restyles the text.
        editor.setOpCatalog(m_ops);
        QCOMPARE(stylesOfNeedle(editor, "gausian"), all("gausian", WbpLexer::UnknownName));
    }

    void lexerRestylesEditsInTheMiddle()
    {
        const QString original = QStringLiteral("img = load(\"a.png\", gray)\n"
                                                "blur = gaussian(img,\n"
                                                "    sigma=3)\n"
                                                "out = abs(blur)  # magnitude\n");
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.setDocumentText(original);
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "sigma"), all("sigma", WbpLexer::KeywordArgument));
        QCOMPARE(stylesOfNeedle(editor, "abs"), all("abs", WbpLexer::OpName));

        auto sameAsFresh = [&](const char* what) {
            PipelineEditor fresh;
            fresh.setOpCatalog(m_ops);
            fresh.setDocumentText(editor.text());
            styleRest(fresh);
            if (allStyles(editor) != allStyles(fresh))
                qWarning("styles differ from a fresh editor's after: %s", what);
            return allStyles(editor) == allStyles(fresh);
        };

        // An edit inside the continuation line: styling restarts there, at the depth that
        // line 2 left open.
        const int digit = find(editor, "=3") + 2;
        editor.SendScintilla(Sci::SCI_INSERTTEXT, static_cast<unsigned long>(digit), "0");
        QVERIFY(editor.SendScintilla(Sci::SCI_GETENDSTYLED) >= editor.positionAt(3, 1));
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "sigma"), all("sigma", WbpLexer::KeywordArgument));
        QVERIFY(sameAsFresh("editing a continuation line"));
        editor.undo();
        styleRest(editor);

        // Closing the call on line 2 ends the continuation: `sigma=` becomes an assignment.
        const int at = find(editor, "img,") + 4;
        editor.SendScintilla(Sci::SCI_INSERTTEXT, static_cast<unsigned long>(at), ")");
        const long restart = editor.SendScintilla(Sci::SCI_GETENDSTYLED);
        QVERIFY2(restart > 0 && restart <= at, "styling restarts at the edit, not at the start");
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "sigma"), all("sigma", WbpLexer::Identifier));
        QVERIFY(sameAsFresh("closing a call"));

        // A quote opened mid-line turns the rest of that line, and only that line, invalid.
        const int quote = find(editor, "abs");
        editor.SendScintilla(Sci::SCI_INSERTTEXT, static_cast<unsigned long>(quote), "\"");
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "\"abs(blur)  # magnitude"),
                 all("\"abs(blur)  # magnitude", WbpLexer::Invalid));
        QVERIFY(sameAsFresh("opening a string"));

        // Undoing both gives the first styles back.
        editor.undo();
        editor.undo();
        styleRest(editor);
        QCOMPARE(editor.text(), original);
        QCOMPARE(stylesOfNeedle(editor, "sigma"), all("sigma", WbpLexer::KeywordArgument));
        QVERIFY(sameAsFresh("undoing"));

        // Opening a call on the first line makes every later line a continuation.
        editor.SendScintilla(Sci::SCI_INSERTTEXT, 0UL, "x = abs(\n");
        styleRest(editor);
        QCOMPARE(stylesOfNeedle(editor, "img"), all("img", WbpLexer::KeywordArgument));
        QVERIFY(sameAsFresh("opening a call at the top"));
    }

    // The Ops dock: every op of the engine's list under its category; the filter matches
    // names and docs; activating an op asks for its call with the required parameters.
    void paletteListsFiltersAndInsertsOps()
    {
        OpPalette palette;
        palette.setCatalog(m_ops);
        QCOMPARE(palette.visibleOps(), m_ops.names());
        QSet<QString> categories;
        for (const OpEntry& op : m_ops.ops())
            categories.insert(op.category);
        QCOMPARE(palette.tree()->topLevelItemCount(), categories.size());

        palette.filterEdit()->setText(QStringLiteral("MEDIAN"));
        const QStringList shown = palette.visibleOps();
        QVERIFY(shown.contains(QStringLiteral("median")));
        QVERIFY(shown.size() < m_ops.size());
        for (const QString& name : shown) {
            const OpEntry* op = m_ops.find(name);
            QVERIFY(op->name.contains(QLatin1String("median")) ||
                    op->doc.contains(QLatin1String("median"), Qt::CaseInsensitive));
        }
        palette.setFilter(QStringLiteral("no op says this"));
        QVERIFY(palette.visibleOps().isEmpty());
        QCOMPARE(palette.tree()->topLevelItemCount(), 0);
        palette.setFilter({});
        QCOMPARE(palette.visibleOps().size(), m_ops.size());

        QCOMPARE(OpPalette::callTemplate(*m_ops.find(u"gaussian")), QStringLiteral("gaussian(x, sigma)"));
        QCOMPARE(OpPalette::callTemplate(*m_ops.find(u"median")), QStringLiteral("median(x)"));
        QCOMPARE(OpPalette::callTemplate(*m_ops.find(u"show")), QStringLiteral("show(x...)"));

        QSignalSpy inserted(&palette, &OpPalette::insertRequested);
        palette.setFilter(QStringLiteral("median"));
        QTreeWidgetItem* category = nullptr;
        QTreeWidgetItem* median = nullptr;
        for (int c = 0; c < palette.tree()->topLevelItemCount(); ++c) {
            QTreeWidgetItem* group = palette.tree()->topLevelItem(c);
            for (int i = 0; i < group->childCount(); ++i) {
                if (group->child(i)->text(0) == QLatin1String("median")) {
                    category = group;
                    median = group->child(i);
                }
            }
        }
        QVERIFY(median);
        QVERIFY(median->toolTip(0).startsWith(QLatin1String("median(x, ksize=3")));
        emit palette.tree()->itemActivated(category, 0); // a category inserts nothing
        emit palette.tree()->itemActivated(median, 0);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.at(0).at(0).toString(), QStringLiteral("median(x)"));
    }

    void completionForAPrefix()
    {
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.resize(600, 300);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));

        QTest::keyClicks(&editor, "y = f");
        QVERIFY(!editor.isListActive()); // below the threshold of two characters
        QTest::keyClicks(&editor, "f");
        QVERIFY(editor.isListActive());
        QCOMPARE(editor.shownCompletions(),
                 QStringList({QStringLiteral("fft"), QStringLiteral("fft2"), QStringLiteral("fftshift")}));
        QTest::keyClicks(&editor, "ts");
        QCOMPARE(editor.shownCompletions(), QStringList({QStringLiteral("fftshift")}));
        QTest::keyClick(&editor, Qt::Key_Return);
        QVERIFY(!editor.isListActive());
        QCOMPARE(editor.text(), QStringLiteral("y = fftshift"));

        editor.setDocumentText(QStringLiteral("b = gaussian(img, s)\n# ff\nx = \"ff\n@re\nz = 3f\n  @re\nq = sqrt"));
        auto endOf = [&](const QByteArray& needle) { return find(editor, needle) + static_cast<int>(needle.size()); };
        // Inside a call, its parameters join the op names (the image filters among them).
        QCOMPARE(editor.completionsAt(endOf("img, s")),
                 QStringList({QStringLiteral("save"), QStringLiteral("scharr"), QStringLiteral("scharr_magnitude"),
                              QStringLiteral("show"), QStringLiteral("sigma="), QStringLiteral("sin"),
                              QStringLiteral("sobel"), QStringLiteral("sobel_magnitude"), QStringLiteral("sqrt"),
                              QStringLiteral("sum")}));
        QVERIFY(editor.completionsAt(endOf("# ff")).isEmpty());
        QVERIFY(editor.completionsAt(endOf("\"ff")).isEmpty());
        QCOMPARE(editor.completionsAt(endOf("@re")), QStringList({QStringLiteral("repeat")}));
        QVERIFY(editor.completionsAt(endOf("3f")).isEmpty());
        QCOMPARE(editor.completionsAt(endOf("q = sqrt")), QStringList({QStringLiteral("sqrt")}));
        // Typing a whole name that nothing longer starts with opens no list.
        moveToEnd(editor);
        QTest::keyClick(&editor, Qt::Key_Backspace);
        QTest::keyClicks(&editor, "t");
        QVERIFY(!editor.isListActive());
        // Ctrl+Space asks anyway.
        QTest::keyClick(&editor, Qt::Key_Space, Qt::ControlModifier);
        QVERIFY(editor.isListActive());
        QCOMPARE(editor.shownCompletions(), QStringList({QStringLiteral("sqrt")}));
    }

    void callTipForGaussian()
    {
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.resize(700, 300);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));

        QTest::keyClicks(&editor, "y = gaussian(");
        QVERIFY(editor.isCallTipActive());
        QCOMPARE(editor.callTipText(), kGaussianSignature + '\n' + kGaussianDoc +
                                           QStringLiteral("\nx: image (H, W) or (H, W, C), C in 1..4, u8 or f32"));
        QCOMPARE(editor.callTipParameter(), QStringLiteral("x"));
        QTest::keyClicks(&editor, "img, ");
        QCOMPARE(editor.callTipParameter(), QStringLiteral("sigma"));
        QTest::keyClicks(&editor, "3, border=");
        QTRY_COMPARE(editor.callTipParameter(), QStringLiteral("border"));
        QVERIFY(editor.callTipText().endsWith(
            QStringLiteral("border: how pixels beyond the edge are read (reflect101, replicate, constant)")));
        QTest::keyClicks(&editor, "replicate)");
        QTRY_VERIFY(!editor.isCallTipActive());
        QVERIFY(editor.callTipText().isEmpty());

        // The sizes of `shape...`, then the dtype.
        editor.setDocumentText(QString());
        QTest::keyClicks(&editor, "a = rand(64, 64, ");
        QCOMPARE(editor.callTipParameter(), QStringLiteral("shape"));
        QTest::keyClicks(&editor, "f32");
        QTRY_COMPARE(editor.callTipParameter(), QStringLiteral("dtype"));

        // Ctrl+Shift+Space inside a call that spans lines, past a string with ',' and '('.
        editor.setDocumentText(QStringLiteral("b = gaussian(\"a,(b\",\n    sigma=2"));
        moveToEnd(editor);
        editor.callTip();
        QCOMPARE(editor.callTipParameter(), QStringLiteral("sigma"));
        // Inside a grouping, the call around it; the grouping is one argument.
        editor.setDocumentText(QStringLiteral("y = minimum((a + b), (c"));
        moveToEnd(editor);
        editor.callTip();
        QCOMPARE(editor.callTipParameter(), QStringLiteral("b"));
        // Outside any call, no tip.
        editor.setDocumentText(QStringLiteral("y = minimum(a, b) + 1"));
        moveToEnd(editor);
        editor.callTip();
        QVERIFY(!editor.isCallTipActive());
    }

    void diagnosticsShowAsSquigglesMarkersAndToolTips()
    {
        PipelineEditor editor;
        editor.setOpCatalog(m_ops);
        editor.resize(700, 300);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        editor.setDocumentText(
            QStringLiteral("img = load(\"a.png\", gray)\nblur = gausian(img, 2)\ngaussian(img, 1)\n"));
        const QString unknown = QStringLiteral("unknown function 'gausian' (did you mean 'gaussian'?)");
        const QString unused = QStringLiteral("the result is not used; assign it to a name or pass it to show()");
        const QString atEnd = QStringLiteral("expected an expression after ')' <here>");
        const QList<EditorDiagnostic> diagnostics = diagnosticsFromJson(
            QJsonArray{diagnosticJson(2, 8, 7, "error", unknown), diagnosticJson(3, 1, 16, "warning", unused),
                       diagnosticJson(1, 26, 1, "error", atEnd)});
        QCOMPARE(diagnostics.size(), 3);
        QCOMPARE(diagnostics[0].line, 2);
        QCOMPARE(diagnostics[0].column, 8);
        QCOMPARE(diagnostics[0].length, 7);
        QCOMPARE(diagnostics[1].severity, EditorDiagnostic::Severity::Warning);
        QCOMPARE(diagnostics[2].message, atEnd);
        editor.setDiagnostics(diagnostics);

        // The squiggle covers exactly columns 8 to 14 of line 2.
        auto errorAt = [&](int line, int column) {
            return editor.SendScintilla(Sci::SCI_INDICATORVALUEAT, editor.errorIndicator(),
                                        editor.positionAt(line, column)) != 0;
        };
        auto warningAt = [&](int line, int column) {
            return editor.SendScintilla(Sci::SCI_INDICATORVALUEAT, editor.warningIndicator(),
                                        editor.positionAt(line, column)) != 0;
        };
        for (int column = 1; column <= 22; ++column)
            QVERIFY2(errorAt(2, column) == (column >= 8 && column < 15), qPrintable(QString::number(column)));
        QVERIFY(warningAt(3, 1) && warningAt(3, 16) && !warningAt(3, 17) && !errorAt(3, 1));
        // Past the end of line 1 (25 bytes): its last character.
        QVERIFY(errorAt(1, 25) && !errorAt(1, 24));

        auto markers = [&](int line) { return editor.SendScintilla(Sci::SCI_MARKERGET, line - 1); };
        const long errorBit = 1L << editor.errorMarker();
        const long warningBit = 1L << editor.warningMarker();
        QCOMPARE(markers(1), errorBit);
        QCOMPARE(markers(2), errorBit);
        QCOMPARE(markers(3), warningBit);
        QCOMPARE(markers(4), 0L);

        QCOMPARE(editor.diagnosticTextAt(editor.positionAt(2, 10)), "error: " + unknown);
        QVERIFY(editor.diagnosticTextAt(editor.positionAt(2, 1)).isEmpty());
        QCOMPARE(editor.diagnosticTextForLine(2), "error: " + unknown);
        QCOMPARE(editor.diagnosticTextForLine(3), "warning: " + unused);
        QVERIFY(editor.diagnosticTextForLine(4).isEmpty());

        // Hovering: the range's tooltip over the text, the line's over the margin.
        const int position = editor.positionAt(2, 10);
        const int x =
            static_cast<int>(editor.SendScintilla(Sci::SCI_POINTXFROMPOSITION, 0UL, static_cast<long>(position)));
        const int y =
            static_cast<int>(editor.SendScintilla(Sci::SCI_POINTYFROMPOSITION, 0UL, static_cast<long>(position)));
        emit editor.SCN_DWELLSTART(position, x, y + 2);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(QLatin1String("error: unknown function")), qPrintable(QToolTip::text()));
        QToolTip::hideText();
        const int y3 = static_cast<int>(
            editor.SendScintilla(Sci::SCI_POINTYFROMPOSITION, 0UL, static_cast<long>(editor.positionAt(3, 1))));
        emit editor.SCN_DWELLSTART(-1, editor.marginWidth(CodeEditor::LineNumberMargin) + 2, y3 + 2);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().contains(QLatin1String("warning: the result is not used")),
                 qPrintable(QToolTip::text()));
        emit editor.SCN_DWELLSTART(-1, 3, y + 2); // over line 2's number
        QTRY_VERIFY(QToolTip::text().contains(QLatin1String("error: unknown function")));
        // A message with '<' shows as written.
        emit editor.SCN_DWELLSTART(-1, 3, 2);
        QTRY_VERIFY(QToolTip::text().contains(QLatin1String("&lt;here&gt;")));
        QToolTip::hideText();

        // Squiggles, markers and tooltips follow the text until the next check.
        editor.SendScintilla(Sci::SCI_INSERTTEXT, 0UL, "# top\n");
        QCOMPARE(editor.diagnosticTextForLine(3), "error: " + unknown);
        QCOMPARE(editor.diagnosticTextAt(editor.positionAt(3, 9)), "error: " + unknown);
        QVERIFY(errorAt(3, 8) && !errorAt(2, 8));

        editor.clearDiagnostics();
        QVERIFY(editor.diagnostics().isEmpty());
        QCOMPARE(editor.SendScintilla(Sci::SCI_MARKERNEXT, 0L, errorBit | warningBit), -1L);
        for (int column = 1; column <= 22; ++column)
            QVERIFY(!errorAt(3, column));
        QVERIFY(editor.diagnosticTextForLine(3).isEmpty());
    }

    void goToMovesTheCursor()
    {
        PipelineEditor editor;
        editor.setDocumentText(QString::fromUtf8("a = 1\n# \xc3\xa9\nb = rand(2, 2)\n"));
        editor.goTo(3, 5);
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(3, 5));
        QCOMPARE(editor.SendScintilla(Sci::SCI_GETCHARAT, editor.SendScintilla(Sci::SCI_GETCURRENTPOS)), long('r'));
        // Columns count bytes: 'é' takes columns 3 and 4.
        QCOMPARE(editor.positionAt(2, 5) - editor.positionAt(2, 3), 2);
        editor.goTo(2, 5);
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(2, 5));
        // Clamped to the line and to the document.
        editor.goTo(2, 99);
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(2, 5));
        editor.goTo(99, 1);
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(4, 1));
        editor.goTo(0, 0);
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(1, 1));
    }

    void checkSignalIsDebounced()
    {
        PipelineEditor editor;
        QCOMPARE(editor.checkDelay(), 300);
        editor.setCheckDelay(80);
        QSignalSpy spy(&editor, &CodeEditor::textEditedForCheck);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        QTest::keyClicks(&editor, "a = 1");
        QCOMPARE(spy.count(), 0);
        QTRY_COMPARE(spy.count(), 1);
        QTest::qWait(200);
        QCOMPARE(spy.count(), 1); // one for the burst
        editor.undo();
        QTRY_COMPARE(spy.count(), 2);
        editor.setDocumentText(QStringLiteral("b = 2\n"));
        QTRY_COMPARE(spy.count(), 3);
    }

    void modificationState()
    {
        PipelineEditor editor;
        editor.setDocumentText(QStringLiteral("a = 1\n"));
        QVERIFY(!editor.isModified());
        QVERIFY(!editor.isUndoAvailable());
        QSignalSpy spy(&editor, &QsciScintilla::modificationChanged);
        auto states = [&] {
            QList<bool> list;
            for (const QList<QVariant>& arguments : std::as_const(spy))
                list.append(arguments.at(0).toBool());
            return list;
        };
        moveToEnd(editor);
        editor.insert(QStringLiteral("b = 2\n"));
        QVERIFY(editor.isModified());
        editor.undo();
        QVERIFY(!editor.isModified());
        editor.redo();
        QVERIFY(editor.isModified());
        editor.markSaved();
        QVERIFY(!editor.isModified());
        editor.undo(); // back past the save point
        QVERIFY(editor.isModified());
        QCOMPARE(states(), QList<bool>({true, false, true, false, true}));
        // Loading a file is not a modification.
        editor.setDocumentText(QStringLiteral("c = 3\n"));
        QVERIFY(!editor.isModified());
        QVERIFY(!editor.isUndoAvailable());
    }

    void fontAndZoom()
    {
        PipelineEditor editor;
        editor.setDocumentText(QStringLiteral("@seed 1 # c\n"));
        QFont font(QStringLiteral("DejaVu Sans Mono"));
        font.setPointSize(13);
        editor.setEditorFont(font);
        QCOMPARE(editor.editorFont(), font);
        for (int style = 0; style < WbpLexer::StyleCount; ++style) {
            QCOMPARE(editor.SendScintilla(Sci::SCI_STYLEGETSIZE, style), 13L);
            char family[128] = {};
            editor.SendScintilla(Sci::SCI_STYLEGETFONT, static_cast<unsigned long>(style), family);
            QCOMPARE(QByteArray(family), QByteArray("DejaVu Sans Mono"));
        }
        QCOMPARE(editor.SendScintilla(Sci::SCI_STYLEGETSIZE, static_cast<int>(Sci::STYLE_LINENUMBER)), 13L);
        QVERIFY(editor.SendScintilla(Sci::SCI_STYLEGETITALIC, static_cast<int>(WbpLexer::Comment)));
        QVERIFY(!editor.SendScintilla(Sci::SCI_STYLEGETITALIC, static_cast<int>(WbpLexer::Number)));
        // QScintilla hands Scintilla Qt's weight negated (its "back door"), so ask for the weight.
        auto weight = [](QsciScintilla& e, int style) {
            return std::abs(e.SendScintilla(Sci::SCI_STYLEGETWEIGHT, style));
        };
        QCOMPARE(weight(editor, WbpLexer::Directive), long(QFont::Bold));
        QCOMPARE(weight(editor, WbpLexer::Number), long(QFont::Normal));

        QSignalSpy zoomSpy(&editor, &CodeEditor::zoomChanged);
        const int numbers = editor.marginWidth(CodeEditor::LineNumberMargin);
        const int markers = editor.marginWidth(CodeEditor::DiagnosticMargin);
        editor.zoomIn();
        QCOMPARE(editor.zoom(), 1);
        QCOMPARE(zoomSpy.count(), 1);
        QCOMPARE(zoomSpy.last().at(0).toInt(), 1);
        editor.zoomTo(10);
        QCOMPARE(editor.zoom(), 10);
        QVERIFY(editor.marginWidth(CodeEditor::LineNumberMargin) > numbers);
        QVERIFY(editor.marginWidth(CodeEditor::DiagnosticMargin) > markers);
        editor.zoomTo(0);
        QCOMPARE(editor.marginWidth(CodeEditor::LineNumberMargin), numbers);
        QCOMPARE(editor.marginWidth(CodeEditor::DiagnosticMargin), markers);
        // More digits, a wider margin.
        editor.setDocumentText(QString(1200, '\n'));
        QVERIFY(editor.marginWidth(CodeEditor::LineNumberMargin) > numbers);

        KernelEditor kernel;
        kernel.setEditorFont(font);
        QCOMPARE(kernel.SendScintilla(Sci::SCI_STYLEGETSIZE, static_cast<int>(QsciLexerCPP::GlobalClass)), 13L);
        QCOMPARE(weight(kernel, QsciLexerCPP::Keyword), long(QFont::Bold));
        QVERIFY(kernel.SendScintilla(Sci::SCI_STYLEGETITALIC, static_cast<int>(QsciLexerCPP::CommentLine)));
    }

    void kernelEditorStylesCuda()
    {
        KernelEditor editor;
        editor.setDocumentText(QStringLiteral("// scale in place\n"
                                              "__global__ void scale(float4* p, half h)\n"
                                              "{\n"
                                              "    __shared__ float s[32];\n"
                                              "    int i = threadIdx.x + blockIdx.x * blockDim.x;\n"
                                              "    __syncthreads();\n"
                                              "    atomicAdd(&s[0], 1.0f);\n"
                                              "}\n"));
        editor.recolor();
        QCOMPARE(stylesOfNeedle(editor, "// scale in place"), all("// scale in place", QsciLexerCPP::CommentLine));
        for (const char* keyword : {"__global__", "void", "__shared__", "int"})
            QCOMPARE(stylesOfNeedle(editor, keyword), all(keyword, QsciLexerCPP::Keyword));
        for (const char* builtin : {"threadIdx", "blockIdx", "blockDim", "__syncthreads", "atomicAdd"})
            QCOMPARE(stylesOfNeedle(editor, builtin), all(builtin, QsciLexerCPP::KeywordSet2));
        for (const char* type : {"float4", "half"})
            QCOMPARE(stylesOfNeedle(editor, type), all(type, QsciLexerCPP::GlobalClass));
        QCOMPARE(stylesOfNeedle(editor, "scale", 1), all("scale", QsciLexerCPP::Identifier));
        QCOMPARE(stylesOfNeedle(editor, "1.0f"), all("1.0f", QsciLexerCPP::Number));
        QVERIFY(editor.marginLineNumbers(CodeEditor::LineNumberMargin));
        QVERIFY(editor.marginWidth(CodeEditor::LineNumberMargin) > 0);
        QVERIFY(editor.marginWidth(CodeEditor::FoldMargin) > 0);

        // The kernel's body folds, and going to a line inside unfolds it.
        QVERIFY(editor.SendScintilla(Sci::SCI_GETFOLDLEVEL, 2) & Sci::SC_FOLDLEVELHEADERFLAG);
        editor.foldLine(2);
        QVERIFY(!editor.SendScintilla(Sci::SCI_GETLINEVISIBLE, 4));
        editor.goTo(5, 13);
        QVERIFY(editor.SendScintilla(Sci::SCI_GETLINEVISIBLE, 4));
        QCOMPARE(editor.cursorLineColumn(), std::make_pair(5, 13));
    }

    void everyStyleIsReadableOnWhite()
    {
        QStringList faint;
        auto check = [&](const QsciLexer& lexer, int style) {
            const double ratio = contrast(lexer.defaultColor(style), lexer.defaultPaper(style));
            if (ratio < 4.5)
                faint.append(
                    QStringLiteral("%1 %2: %3").arg(lexer.language()).arg(lexer.description(style)).arg(ratio));
        };
        WbpLexer pipeline;
        for (int style = 0; style < WbpLexer::StyleCount; ++style)
            check(pipeline, style);
        CudaLexer cuda;
        for (int style = 0; style < 64; ++style) { // the inactive (preprocessed-out) styles are faint on purpose
            if (!cuda.description(style).isEmpty())
                check(cuda, style);
        }
        QVERIFY2(faint.isEmpty(), qPrintable(faint.join(QLatin1String("; "))));
    }

    void renderedEditorsShowTheDiagnostic()
    {
        PipelineEditor pipeline;
        pipeline.setOpCatalog(m_ops);
        pipeline.resize(760, 250);
        pipeline.setDocumentText(QStringLiteral("@backends cpu, gpu   # both, compared\n"
                                                "@repeat 5\n"
                                                "img  = load(\"samples/street.png\", gray)\n"
                                                "blur = gausian(img, sigma=3)\n"
                                                "spec = log1p(abs(fftshift(fft2(astype(img, c64)))))\n"
                                                "y    = 2 * blur + sin(blur) ** 2\n"
                                                "gaussian(img, 1.5, border=replicate)\n"
                                                "show(blur, spec)\n"));
        pipeline.setDiagnostics(
            {{4, 8, 7, EditorDiagnostic::Severity::Error, QStringLiteral("unknown function 'gausian'")},
             {7, 1, 36, EditorDiagnostic::Severity::Warning, QStringLiteral("the result is not used")}});
        pipeline.show();
        QVERIFY(QTest::qWaitForWindowExposed(&pipeline));
        pipeline.goTo(4, 8);
        keepPicture(pipeline.grab().toImage(), QStringLiteral("pipeline_editor.png"));
        pipeline.goTo(7, 20);
        pipeline.callTip();
        QVERIFY(pipeline.isCallTipActive());
        keepPopups(&pipeline, QStringLiteral("pipeline_calltip"));
        pipeline.goTo(6, 20);
        pipeline.autoCompleteFromAll();
        QVERIFY(pipeline.isListActive());
        keepPopups(&pipeline, QStringLiteral("pipeline_completion"));
        pipeline.cancelList();
        const QImage view = pipeline.viewport()->grab().toImage();
        const int start = pipeline.positionAt(4, 8);
        const QRect error = textRect(pipeline, start, start + 7);
        // The squiggle: red in the lower part of the line, under the range only.
        QVERIFY(anyErrorRed(view, error.adjusted(0, error.height() / 2, 0, 0)));
        QVERIFY(!anyErrorRed(view, textRect(pipeline, pipeline.positionAt(5, 1), pipeline.positionAt(5, 30))));
        // The marker: red in the marker margin on line 4, nowhere on line 5.
        const int left = pipeline.marginWidth(CodeEditor::LineNumberMargin);
        const QRect margin(left, error.top(), pipeline.marginWidth(CodeEditor::DiagnosticMargin), error.height());
        QVERIFY(anyErrorRed(view, margin));
        QVERIFY(!anyErrorRed(view, margin.translated(0, error.height())));
        // Zoomed in, the margins and the marker grow with the text.
        pipeline.zoomTo(6);
        keepPicture(pipeline.grab().toImage(), QStringLiteral("pipeline_editor_zoomed.png"));
        const QImage zoomed = pipeline.viewport()->grab().toImage();
        const QRect zoomedError = textRect(pipeline, start, start + 7);
        QVERIFY(zoomedError.height() > error.height());
        QVERIFY(anyErrorRed(zoomed, zoomedError.adjusted(0, zoomedError.height() / 2, 0, 0)));
        QVERIFY(anyErrorRed(zoomed, QRect(pipeline.marginWidth(CodeEditor::LineNumberMargin), zoomedError.top(),
                                          pipeline.marginWidth(CodeEditor::DiagnosticMargin), zoomedError.height())));

        KernelEditor kernel;
        kernel.resize(760, 250);
        kernel.setDocumentText(QStringLiteral("#include <cuda_fp16.h>\n"
                                              "\n"
                                              "// y = a * x + y, one thread an element\n"
                                              "__global__ void axpy(int n, float a, const float* __restrict__ x, "
                                              "float* y)\n"
                                              "{\n"
                                              "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                                              "    if (i < n)\n"
                                              "        y[i] = a * x[i] + y[j];\n"
                                              "    __syncthreads();\n"
                                              "}\n"));
        kernel.setDiagnostics(
            {{8, 29, 1, EditorDiagnostic::Severity::Error, QStringLiteral("identifier \"j\" is undefined")}});
        kernel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&kernel));
        keepPicture(kernel.grab().toImage(), QStringLiteral("kernel_editor.png"));
        const QImage kernelView = kernel.viewport()->grab().toImage();
        const int j = kernel.positionAt(8, 29);
        const QRect undefined = textRect(kernel, j, j + 1);
        QVERIFY(anyErrorRed(kernelView, undefined.adjusted(-1, undefined.height() / 2, 1, 0)));
        QVERIFY(anyErrorRed(kernelView, QRect(kernel.marginWidth(CodeEditor::LineNumberMargin), undefined.top(),
                                              kernel.marginWidth(CodeEditor::DiagnosticMargin), undefined.height())));
    }
};

QTEST_MAIN(TestEditors)
#include "test_editors.moc"
