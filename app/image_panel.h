#pragma once
// The Images dock: a step's output in an ImageView, with what the view can be asked (compare
// with another value or the other backend, colormap, log scale, the part of complex data,
// fit and 1:1) and the value under the cursor. The main window fetches the arrays from the
// engine and hands them here; when there is nothing to show the panel says why.

#include "image_data.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QStackedWidget;

namespace wb::widgets {
class ImageView;
}

namespace wb::app {

// What "Compare with" can name: nothing (empty step), another value of the run, or the same
// step on another backend.
struct CompareChoice {
    QString label;
    QString step;
    QString backend;
};

class ImagePanel : public QWidget {
    Q_OBJECT

public:
    explicit ImagePanel(QWidget* parent = nullptr);

    widgets::ImageView* view() const { return m_view; }

    // Shows `text` where the image would be (nothing selected, fetching, why it cannot show).
    void showMessage(const QString& text);
    QString message() const;
    // Shows `image`, and `compare` to the right of the divider when given.
    void showImages(const widgets::ImageData& image, const std::optional<widgets::ImageData>& compare,
                    const QString& caption);
    bool showsImage() const;
    // A check's difference array, "|x - ref|" or "|x gpu - cpu|" (wb::pipeline::CheckDifference):
    // shown in the Heat colormap with a colour scale.
    static bool isDifference(const QString& name);
    const widgets::ImageData& image() const { return m_image; }
    QString caption() const;

    // The "Compare with" list; the first entry should be "nothing". Keeps the entry of the
    // same label selected when it is still offered and `carryOver`, else selects `preferred`.
    void setCompareChoices(const QList<CompareChoice>& choices, int preferred = 0, bool carryOver = true);
    CompareChoice currentCompare() const;
    void setCurrentCompare(int index);
    int compareCount() const;

signals:
    void compareChanged();

private:
    void applyOptions();

    QLabel* m_caption;
    QComboBox* m_compare;
    QComboBox* m_colormap;
    QCheckBox* m_log;
    QComboBox* m_part;
    QStackedWidget* m_stack;
    QLabel* m_message;
    widgets::ImageView* m_view;
    QLabel* m_pixel;
    QList<CompareChoice> m_choices;
    widgets::ImageData m_image;
    bool m_showsDifference = false;
    int m_colormapBeforeDifference = 0;
};

} // namespace wb::app
