#include "image_panel.h"

#include "image_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace wb::app {

ImagePanel::ImagePanel(QWidget* parent)
    : QWidget(parent)
    , m_caption(new QLabel)
    , m_compare(new QComboBox)
    , m_colormap(new QComboBox)
    , m_log(new QCheckBox(tr("Log")))
    , m_part(new QComboBox)
    , m_stack(new QStackedWidget)
    , m_message(new QLabel)
    , m_view(new widgets::ImageView)
    , m_pixel(new QLabel)
{
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption->setMinimumWidth(40);
    m_compare->setToolTip(tr("Show a second value beside this one, split by a divider you can drag"));
    m_compare->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_colormap->addItem(tr("Viridis"), static_cast<int>(widgets::Colormap::Viridis));
    m_colormap->addItem(tr("Magma"), static_cast<int>(widgets::Colormap::Magma));
    m_colormap->addItem(tr("Gray"), static_cast<int>(widgets::Colormap::Gray));
    m_colormap->addItem(tr("Heat"), static_cast<int>(widgets::Colormap::Heat));
    m_colormap->setToolTip(tr("Colormap for float, integer and complex data (8-bit pictures show as they are)"));
    m_log->setToolTip(tr("Map log(1 + value): for spectra and other data that span decades"));
    m_part->addItem(tr("Magnitude"), static_cast<int>(widgets::ImageData::Part::Magnitude));
    m_part->addItem(tr("Phase"), static_cast<int>(widgets::ImageData::Part::Phase));
    m_part->addItem(tr("Real"), static_cast<int>(widgets::ImageData::Part::Real));
    m_part->addItem(tr("Imaginary"), static_cast<int>(widgets::ImageData::Part::Imag));
    m_part->setToolTip(tr("Which part of complex data is drawn"));

    auto* fit = new QToolButton;
    fit->setText(tr("Fit"));
    fit->setToolTip(tr("Fit the image to the view (0)"));
    auto* actual = new QToolButton;
    actual->setText(tr("1:1"));
    actual->setToolTip(tr("One image pixel per screen pixel (1)"));
    connect(fit, &QToolButton::clicked, m_view, &widgets::ImageView::fitToWindow);
    connect(actual, &QToolButton::clicked, m_view, &widgets::ImageView::actualSize);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 4, 0);
    bar->addWidget(new QLabel(tr("Compare with")));
    bar->addWidget(m_compare);
    bar->addWidget(m_colormap);
    bar->addWidget(m_part);
    bar->addWidget(m_log);
    bar->addWidget(fit);
    bar->addWidget(actual);
    bar->addStretch(1);
    m_caption->setContentsMargins(4, 0, 4, 2);

    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(12);
    m_message->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(m_message);
    m_stack->addWidget(m_view);
    m_view->setMinimumSize(120, 90);

    m_pixel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_pixel->setContentsMargins(4, 0, 4, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_caption);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_pixel);

    connect(m_view, &widgets::ImageView::pixelHovered, m_pixel, &QLabel::setText);
    connect(m_colormap, &QComboBox::currentIndexChanged, this, &ImagePanel::applyOptions);
    connect(m_part, &QComboBox::currentIndexChanged, this, &ImagePanel::applyOptions);
    connect(m_log, &QCheckBox::toggled, this, &ImagePanel::applyOptions);
    connect(m_compare, &QComboBox::currentIndexChanged, this, &ImagePanel::compareChanged);

    setCompareChoices({{tr("nothing"), {}, {}}});
    showMessage(tr("Select a step in the Steps dock to see its output."));
}

void ImagePanel::showMessage(const QString& text)
{
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
    m_caption->clear();
    m_pixel->clear();
    m_image = {};
}

QString ImagePanel::message() const { return m_stack->currentWidget() == m_message ? m_message->text() : QString(); }

void ImagePanel::showImages(const widgets::ImageData& image, const std::optional<widgets::ImageData>& compare,
                            const QString& caption)
{
    // A check's difference |x - ref| comes in Heat with its colour scale, so that the worst
    // places stand out and read as numbers; the colormap chosen before comes back after it.
    const bool difference = isDifference(image.name);
    if (difference != m_showsDifference) {
        const QSignalBlocker block(m_colormap);
        if (difference) {
            m_colormapBeforeDifference = m_colormap->currentIndex();
            m_colormap->setCurrentIndex(m_colormap->findData(static_cast<int>(widgets::Colormap::Heat)));
        } else {
            m_colormap->setCurrentIndex(m_colormapBeforeDifference);
        }
        m_showsDifference = difference;
    }
    m_image = image;
    const bool complex = isComplex(image.dtype) || (compare && isComplex(compare->dtype));
    m_part->setEnabled(complex);
    m_view->setImage(image);
    m_view->setCompareImage(compare);
    applyOptions();
    m_caption->setText(caption);
    m_stack->setCurrentWidget(m_view);
    m_view->fitToWindow();
}

bool ImagePanel::isDifference(const QString& name)
{
    return name.size() > 2 && name.startsWith(QLatin1Char('|')) && name.endsWith(QLatin1Char('|'));
}

bool ImagePanel::showsImage() const { return m_stack->currentWidget() == m_view; }

QString ImagePanel::caption() const { return m_caption->text(); }

void ImagePanel::applyOptions()
{
    widgets::RenderOptions options = m_view->renderOptions();
    options.colormap = static_cast<widgets::Colormap>(m_colormap->currentData().toInt());
    options.logScale = m_log->isChecked();
    options.complexPart = static_cast<widgets::ImageData::Part>(m_part->currentData().toInt());
    options.colorScale = m_showsDifference;
    m_view->setRenderOptions(options);
}

void ImagePanel::setCompareChoices(const QList<CompareChoice>& choices, int preferred, bool carryOver)
{
    const QString previous = m_compare->currentText();
    int current = preferred;
    {
        const QSignalBlocker block(m_compare);
        m_compare->clear();
        for (int i = 0; i < choices.size(); ++i) {
            m_compare->addItem(choices[i].label);
        }
        m_choices = choices;
        // A user's choice of another value carries over to the next step selected.
        for (int i = 1; carryOver && i < choices.size(); ++i) {
            if (choices[i].label == previous && choices[i].backend.isEmpty()) {
                current = i;
            }
        }
        m_compare->setCurrentIndex(choices.isEmpty() ? -1 : std::clamp(current, 0, int(choices.size()) - 1));
    }
}

CompareChoice ImagePanel::currentCompare() const
{
    const int index = m_compare->currentIndex();
    return index >= 0 && index < m_choices.size() ? m_choices[index] : CompareChoice{};
}

void ImagePanel::setCurrentCompare(int index) { m_compare->setCurrentIndex(index); }

int ImagePanel::compareCount() const { return m_compare->count(); }

} // namespace wb::app
