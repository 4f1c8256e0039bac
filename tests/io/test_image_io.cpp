// Image files through OpenCV imgcodecs: PNG round trips at 8 and 16 bits in gray, RGB and
// RGBA, JPEG loading, the RGB channel order, the load modes, and missing or corrupt files
// refused with an Io error naming the file. Skipped, with the reason, in builds without
// imgcodecs.

#include "temp_dir.h"

#include <wb/error.h>
#include <wb/io.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

namespace {

using namespace wb;
using test::TempDir;

#define SKIP_WITHOUT_IMGCODECS()                                                                                       \
    if (!imageFilesAvailable())                                                                                        \
    GTEST_SKIP() << "this build has no OpenCV imgcodecs (image files are unavailable)"

// A smooth gradient with a different pattern per channel: survives JPEG well enough to
// compare, and tells the channels apart.
template <typename T> Array gradient(std::int64_t h, std::int64_t w, int channels, int maxValue)
{
    Array image = channels == 1 ? Array::emptyHost({h, w}, sizeof(T) == 1 ? DType::U8 : DType::U16)
                                : Array::emptyHost({h, w, channels}, sizeof(T) == 1 ? DType::U8 : DType::U16);
    T* pixels = image.data<T>();
    for (std::int64_t y = 0; y < h; ++y) {
        for (std::int64_t x = 0; x < w; ++x) {
            for (int c = 0; c < channels; ++c) {
                const double t = c == 0   ? double(x) / double(w)
                                 : c == 1 ? double(y) / double(h)
                                          : double(x + y) / double(w + h);
                pixels[(y * w + x) * channels + c] = static_cast<T>(std::lround(t * maxValue * (c == 3 ? 0.5 : 1.0)));
            }
        }
    }
    return image;
}

bool sameBytes(const Array& x, const Array& y)
{
    return x.dtype() == y.dtype() && x.shape() == y.shape() && std::memcmp(x.data(), y.data(), x.nbytes()) == 0;
}

void expectError(ErrorCode code, const std::function<void()>& call, const std::string& phrase)
{
    try {
        call();
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), code) << e.what();
        EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos)
            << "expected '" << phrase << "' in: " << e.what();
    }
}

TEST(ImageIo, Png8BitRoundTripsGrayRgbAndRgba)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    for (int channels : {1, 3, 4}) {
        SCOPED_TRACE(std::to_string(channels) + " channels");
        const Array image = gradient<std::uint8_t>(37, 53, channels, 255);
        saveImage(dir.file("a.png"), image);
        EXPECT_TRUE(sameBytes(loadImage(dir.file("a.png")), image));
    }
}

TEST(ImageIo, Png16BitRoundTripsAsU16)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    for (int channels : {1, 3, 4}) {
        SCOPED_TRACE(std::to_string(channels) + " channels");
        const Array image = gradient<std::uint16_t>(19, 23, channels, 65535);
        saveImage(dir.file("b.png"), image);
        const Array loaded = loadImage(dir.file("b.png"));
        EXPECT_EQ(loaded.dtype(), DType::U16);
        EXPECT_TRUE(sameBytes(loaded, image));
    }
}

TEST(ImageIo, TiffRoundTripsEightAndSixteenBit)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    for (int channels : {1, 3}) {
        SCOPED_TRACE(std::to_string(channels) + " channels");
        const Array narrow = gradient<std::uint8_t>(21, 17, channels, 255);
        saveImage(dir.file("n.tif"), narrow);
        EXPECT_TRUE(sameBytes(loadImage(dir.file("n.tif")), narrow));
        const Array wide = gradient<std::uint16_t>(21, 17, channels, 65535);
        saveImage(dir.file("w.tiff"), wide);
        const Array loaded = loadImage(dir.file("w.tiff"));
        EXPECT_EQ(loaded.dtype(), DType::U16);
        EXPECT_TRUE(sameBytes(loaded, wide));
    }
}

TEST(ImageIo, ChannelsAreRgbOnDisk)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    // One pure red pixel and one pure blue: their gray values tell the channel order apart
    // (BT.601: red 0.299 -> 76, blue 0.114 -> 29).
    Array image = Array::emptyHost({1, 2, 3}, DType::U8);
    const std::uint8_t pixels[] = {255, 0, 0, 0, 0, 255};
    std::memcpy(image.data(), pixels, sizeof pixels);
    saveImage(dir.file("rb.png"), image);
    const Array gray = loadImage(dir.file("rb.png"), ImageMode::Gray);
    ASSERT_EQ(gray.shape(), (Shape{1, 2}));
    EXPECT_EQ(gray.data<std::uint8_t>()[0], 76);
    EXPECT_EQ(gray.data<std::uint8_t>()[1], 29);
}

TEST(ImageIo, ModesConvertOnLoad)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    saveImage(dir.file("g.png"), gradient<std::uint8_t>(8, 9, 1, 255));
    saveImage(dir.file("c.png"), gradient<std::uint8_t>(8, 9, 4, 255));
    saveImage(dir.file("w.png"), gradient<std::uint16_t>(8, 9, 3, 65535));
    EXPECT_EQ(loadImage(dir.file("g.png"), ImageMode::Color).shape(), (Shape{8, 9, 3}));
    EXPECT_EQ(loadImage(dir.file("c.png"), ImageMode::Color).shape(), (Shape{8, 9, 3}));
    EXPECT_EQ(loadImage(dir.file("c.png"), ImageMode::Gray).shape(), (Shape{8, 9}));
    const Array wideGray = loadImage(dir.file("w.png"), ImageMode::Gray);
    EXPECT_EQ(wideGray.shape(), (Shape{8, 9}));
    EXPECT_EQ(wideGray.dtype(), DType::U16);
}

TEST(ImageIo, JpegLoads)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    const Array image = gradient<std::uint8_t>(64, 48, 3, 255);
    saveImage(dir.file("photo.jpg"), image);
    const Array loaded = loadImage(dir.file("photo.jpg"));
    ASSERT_EQ(loaded.dtype(), DType::U8);
    ASSERT_EQ(loaded.shape(), image.shape());
    double difference = 0;
    for (std::int64_t i = 0; i < image.numel(); ++i)
        difference += std::abs(int(loaded.data<std::uint8_t>()[i]) - int(image.data<std::uint8_t>()[i]));
    EXPECT_LT(difference / static_cast<double>(image.numel()), 4.0); // lossy, but close on a smooth gradient
    EXPECT_EQ(loadImage(dir.file("photo.jpg"), ImageMode::Gray).shape(), (Shape{64, 48}));
}

TEST(ImageIo, MissingAndCorruptFilesAreIoErrorsNamingTheFile)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    const std::string missing = dir.file("missing.png");
    expectError(
        ErrorCode::Io, [&] { loadImage(missing); }, missing + ": no such file");
    const std::string text = dir.write("text.png", "this is not a picture\n");
    expectError(
        ErrorCode::Io, [&] { loadImage(text); }, text + ": not a readable image");
    const std::string empty = dir.write("empty.png", "");
    expectError(
        ErrorCode::Io, [&] { loadImage(empty); }, empty + ": the file is empty");
    expectError(
        ErrorCode::Io, [&] { loadImage(dir.path().string()); }, "folder");

    saveImage(dir.file("whole.png"), gradient<std::uint8_t>(64, 64, 3, 255));
    std::ifstream in(dir.file("whole.png"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string cut = dir.write("cut.png", bytes.substr(0, 40));
    expectError(
        ErrorCode::Io, [&] { loadImage(cut); }, cut);
}

TEST(ImageIo, SaveRefusesWhatImagesCannotHold)
{
    SKIP_WITHOUT_IMGCODECS();
    TempDir dir;
    expectError(
        ErrorCode::DTypeMismatch,
        [&] {
            saveImage(dir.file("f.png"), Array::emptyHost({4, 4}, DType::F32));
        },
        "u8 or u16");
    expectError(
        ErrorCode::ShapeMismatch,
        [&] {
            saveImage(dir.file("s.png"), Array::emptyHost({4, 4, 2}, DType::U8));
        },
        "(H, W, 3)");
    expectError(
        ErrorCode::Io, [&] { saveImage(dir.file("x.unknownformat"), gradient<std::uint8_t>(4, 4, 1, 255)); },
        "x.unknownformat");
    const std::string nowhere = dir.file("no/folder/x.png");
    expectError(
        ErrorCode::Io, [&] { saveImage(nowhere, gradient<std::uint8_t>(4, 4, 1, 255)); }, "does not exist");
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.unknownformat")));
}

TEST(ImageIo, WithoutImgcodecsLoadAndSaveSayWhy)
{
    if (imageFilesAvailable())
        GTEST_SKIP() << "this build has imgcodecs; the unavailable path cannot run here";
    expectError(
        ErrorCode::Unavailable, [] { loadImage("any.png"); }, "imgcodecs");
    expectError(
        ErrorCode::Unavailable,
        [] {
            saveImage("any.png", Array::emptyHost({2, 2}, DType::U8));
        },
        "imgcodecs");
}

} // namespace
