// .npy files: round trips for every dtype, the exact header NumPy writes, the variants
// NumPy and older writers produce, and corrupt, truncated or missing files refused with an
// Io error that names the file and the reason.

#include "temp_dir.h"

#include "core/half.h"

#include <wb/error.h>
#include <wb/io.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

namespace {

using namespace wb;
using test::TempDir;

// Fills every byte with a position-dependent pattern: round trips must keep all bits.
Array patterned(const Shape& shape, DType dtype)
{
    Array array = Array::emptyHost(shape, dtype);
    auto* bytes = static_cast<unsigned char*>(array.data());
    for (std::size_t i = 0; i < array.nbytes(); ++i)
        bytes[i] = static_cast<unsigned char>((i * 37 + 11) & 0xff);
    return array;
}

bool sameBytes(const Array& x, const Array& y)
{
    return x.nbytes() == y.nbytes() && std::memcmp(x.data(), y.data(), x.nbytes()) == 0;
}

// A .npy file from its parts, for headers written the way other writers write them.
std::string npyBytes(const std::string& header, const std::string& data = {}, int major = 1)
{
    std::string bytes("\x93NUMPY", 6);
    bytes += static_cast<char>(major);
    bytes += '\0';
    const int lengthBytes = major == 1 ? 2 : 4;
    for (int i = 0; i < lengthBytes; ++i)
        bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return bytes + header + data;
}

std::string floatBytes(std::initializer_list<float> values)
{
    std::string bytes;
    for (float v : values)
        bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
    return bytes;
}

void expectIoError(const std::function<void()>& call, const std::string& path, const std::string& phrase)
{
    try {
        call();
        ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Io) << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos)
            << "expected '" << phrase << "' in: " << e.what();
    }
}

TEST(Npy, RoundTripsEveryDTypeAndRank)
{
    TempDir dir;
    const Shape shapes[] = {Shape{}, Shape{7}, Shape{3, 5}, Shape{2, 3, 1, 4}, Shape{0, 3}};
    for (DType dtype : kAllDTypes) {
        if (dtype == DType::BF16)
            continue; // stored as f32, checked below
        for (const Shape& shape : shapes) {
            SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString());
            const std::string path = dir.file("a.npy");
            const Array original = patterned(shape, dtype);
            saveNpy(path, original);
            const Array loaded = loadNpy(path);
            EXPECT_EQ(loaded.dtype(), dtype);
            EXPECT_EQ(loaded.shape(), shape);
            EXPECT_TRUE(loaded.place().isHost());
            EXPECT_TRUE(sameBytes(loaded, original));
        }
    }
}

TEST(Npy, Bf16IsSavedAsFloat32)
{
    TempDir dir;
    Array values = Array::emptyHost({4}, DType::BF16);
    const float expected[] = {1.0f, -2.5f, 3.140625f, 65280.0f};
    for (int i = 0; i < 4; ++i)
        values.data<std::uint16_t>()[i] = detail::floatToBf16(expected[i]);
    saveNpy(dir.file("b.npy"), values);
    const Array loaded = loadNpy(dir.file("b.npy"));
    ASSERT_EQ(loaded.dtype(), DType::F32);
    ASSERT_EQ(loaded.shape(), Shape{4});
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(loaded.data<float>()[i], expected[i]);
}

TEST(Npy, WritesTheHeaderNumPyWrites)
{
    TempDir dir;
    const auto headerOf = [&](const Array& array) {
        saveNpy(dir.file("h.npy"), array);
        EXPECT_EQ(std::filesystem::file_size(dir.file("h.npy")), 128 + array.nbytes());
        std::ifstream in(dir.file("h.npy"), std::ios::binary);
        std::string head(128, '\0');
        in.read(head.data(), 128);
        return head;
    };
    // Byte for byte what np.save(np.zeros(3, '<f4')) writes: version 1.0, a 118-byte
    // header with room for the first axis to grow, data at offset 128.
    const std::string f4 = headerOf(Array::emptyHost({3}, DType::F32));
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    EXPECT_EQ(f4.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    EXPECT_EQ(static_cast<unsigned char>(f4[8]) + 256 * static_cast<unsigned char>(f4[9]), 118);
    EXPECT_EQ(f4.substr(10, dict.size()), dict);
    EXPECT_EQ(f4.substr(10 + dict.size(), 128 - 11 - dict.size()), std::string(128 - 11 - dict.size(), ' '));
    EXPECT_EQ(f4.back(), '\n');

    const auto startsWith = [](const std::string& head, const std::string& text) {
        return head.substr(10, text.size()) == text;
    };
    EXPECT_TRUE(startsWith(headerOf(Array::emptyHost({2, 3}, DType::U8)),
                           "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), } "));
    EXPECT_TRUE(startsWith(headerOf(Array::emptyHost({}, DType::C128)),
                           "{'descr': '<c16', 'fortran_order': False, 'shape': (), }"));
}

TEST(Npy, ReadsHeaderVariantsOfOtherWriters)
{
    TempDir dir;
    const std::string data = floatBytes({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f});
    struct Variant {
        const char* what;
        std::string bytes;
    };
    const Variant variants[] = {
        {"version 2.0", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", data, 2)},
        {"version 3.0", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", data, 3)},
        {"double quotes, other key order, no trailing comma",
         npyBytes("{\"shape\": (2,3), \"fortran_order\": False, \"descr\": \"<f4\"}\n", data)},
        {"Python 2 long integers", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }\n", data)},
        {"native byte order", npyBytes("{'descr': '=f4', 'fortran_order': False, 'shape': (2, 3)}", data)},
    };
    for (const Variant& variant : variants) {
        SCOPED_TRACE(variant.what);
        const Array loaded = loadNpy(dir.write("v.npy", variant.bytes));
        ASSERT_EQ(loaded.dtype(), DType::F32);
        ASSERT_EQ(loaded.shape(), (Shape{2, 3}));
        EXPECT_EQ(loaded.data<float>()[5], 6.0f);
    }
    const Array scalar = loadNpy(
        dir.write("s.npy", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", std::string(8, '\0'))));
    EXPECT_EQ(scalar.ndim(), 0);
    EXPECT_EQ(scalar.numel(), 1);
    const Array bytes =
        loadNpy(dir.write("u.npy", npyBytes("{'descr': '<u1', 'fortran_order': False, 'shape': (2,)}", "ab")));
    EXPECT_EQ(bytes.dtype(), DType::U8);
}

TEST(Npy, CorruptFilesAreIoErrorsNamingTheFile)
{
    TempDir dir;
    const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
    const std::string data = floatBytes({1, 2, 3, 4, 5, 6});
    struct Case {
        const char* what;
        std::string bytes;
        const char* phrase;
    };
    const Case cases[] = {
        {"empty file", "", "not a .npy file"},
        {"text file", "hello, this is not an array\n", "does not start with"},
        {"ends in the magic", std::string("\x93NUM", 4), "not a .npy file"},
        {"ends in the length", std::string("\x93NUMPY\x01\x00\x40", 9), "truncated"},
        {"ends in the header", npyBytes(good).substr(0, 30), "truncated"},
        {"huge header length", std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12) + good, "header length"},
        {"unknown version", npyBytes(good, data, 9), "version 9.0"},
        {"data cut short", npyBytes(good, data.substr(0, 20)), "truncated"},
        {"not a dict", npyBytes("['descr', '<f4']\n", data), "corrupt .npy header"},
        {"unterminated string", npyBytes("{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", data),
         "corrupt .npy header"},
        {"missing shape", npyBytes("{'descr': '<f4', 'fortran_order': False}", data), "must all be present"},
        {"unknown key", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", data),
         "unexpected key"},
        {"negative dimension", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3)}", data),
         "non-negative integer"},
        {"dimension overflow",
         npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", data), "too large"},
        {"shape beyond memory",
         npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", data), "too large"},
        {"text after the dict", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", data),
         "after the closing brace"},
        {"bad bool", npyBytes("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", data), "True or False"},
        {"unsupported dtype", npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,)}", data),
         "dtype '<i8' is not supported"},
        {"object dtype", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", data), "not supported"},
        {"big-endian", npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (6,)}", data), "big-endian"},
        {"Fortran order", npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", data), "Fortran order"},
        {"five dimensions", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 3)}", data),
         "at most 4"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        const std::string path = dir.write("bad.npy", c.bytes);
        expectIoError([&] { loadNpy(path); }, path, c.phrase);
    }
}

TEST(Npy, MissingFilesAndFoldersAreIoErrors)
{
    TempDir dir;
    const std::string missing = dir.file("missing.npy");
    expectIoError([&] { loadNpy(missing); }, missing, "no such file");
    expectIoError([&] { loadNpy(dir.path().string()); }, dir.path().string(), "folder");
    expectIoError([&] { loadNpy("/dev/null"); }, "/dev/null", "not a regular file");
    const std::string nowhere = dir.file("no/such/folder/x.npy");
    expectIoError([&] { saveNpy(nowhere, Array::emptyHost({2}, DType::F32)); }, nowhere, "does not exist");
}

TEST(Npy, UnreadableFileIsAnIoError)
{
    if (::geteuid() == 0)
        GTEST_SKIP() << "running as root, which may read any file";
    TempDir dir;
    saveNpy(dir.file("locked.npy"), Array::emptyHost({2}, DType::F32));
    std::filesystem::permissions(dir.file("locked.npy"), std::filesystem::perms::none);
    expectIoError([&] { loadNpy(dir.file("locked.npy")); }, dir.file("locked.npy"), "Permission denied");
}

TEST(Npy, SavingReplacesTheFileWholeAndLeavesNothingElse)
{
    TempDir dir;
    const std::string path = dir.file("r.npy");
    saveNpy(path, patterned({100}, DType::F64));
    saveNpy(path, patterned({3}, DType::I32));
    EXPECT_EQ(loadNpy(path).shape(), Shape{3});
    int files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
        ++files;
    EXPECT_EQ(files, 1);
}

TEST(Npy, SaveRefusesEmptyArrays)
{
    TempDir dir;
    try {
        saveNpy(dir.file("e.npy"), Array());
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
}

} // namespace
