// NumPy .npy files (format versions 1.0, 2.0 and 3.0; numpy/lib/format.py describes
// them): a magic string, a version, a header length, a Python dict literal naming dtype,
// order and shape, then the raw elements in C order.

#include "file_access.h"

#include "core/half.h"

#include <wb/error.h>
#include <wb/io.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace wb {

static_assert(std::endian::native == std::endian::little, ".npy files are read and written little-endian");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlignment = 64; // NumPy pads the header so that data starts 64-byte aligned
constexpr std::size_t kGrowthAxisDigits = 21;
// NumPy itself refuses headers beyond 10000 bytes unless told otherwise; a corrupt length
// must not make us allocate gigabytes before noticing.
constexpr std::size_t kMaxHeaderSize = 1 << 20;

struct NpyType {
    DType dtype;
    std::string_view descr; // the type code after the byte-order character
};

constexpr NpyType kTypes[] = {
    {DType::U8, "u1"},  {DType::U16, "u2"}, {DType::I32, "i4"}, {DType::F16, "f2"},
    {DType::F32, "f4"}, {DType::F64, "f8"}, {DType::C64, "c8"}, {DType::C128, "c16"},
};

constexpr std::string_view kSupported = "|u1 <u2 <i4 <f2 <f4 <f8 <c8 <c16";

std::string descrFor(DType dtype)
{
    if (dtype == DType::BF16)
        return "<f4";
    for (const NpyType& type : kTypes) {
        if (type.dtype == dtype)
            return (dtype == DType::U8 ? "|" : "<") + std::string(type.descr);
    }
    fail(ErrorCode::Internal, "no .npy type for " + std::string(name(dtype)));
}

struct NpyHeader {
    std::optional<std::string> descr;
    std::optional<bool> fortranOrder;
    std::optional<std::vector<std::int64_t>> shape;
};

// Parses the header's Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Only the subset NumPy writes is accepted: string keys, a string, a bool and a tuple of
// non-negative integers (with Python 2's "L" suffix, which old files carry).
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& path)
        : m_text(text)
        , m_path(path)
    {
    }

    NpyHeader parse()
    {
        NpyHeader header;
        expect('{');
        while (!peekIs('}')) {
            const std::string key = parseString();
            expect(':');
            if (key == "descr")
                header.descr = parseString();
            else if (key == "fortran_order")
                header.fortranOrder = parseBool();
            else if (key == "shape")
                header.shape = parseShape();
            else
                bad("unexpected key '" + key + "'");
            if (!peekIs('}'))
                expect(',');
        }
        expect('}');
        skipSpace();
        if (m_pos != m_text.size())
            bad("text after the closing brace");
        if (!header.descr || !header.fortranOrder || !header.shape)
            bad("'descr', 'fortran_order' and 'shape' must all be present");
        return header;
    }

private:
    [[noreturn]] void bad(const std::string& what) const
    {
        detail::failCorrupt(m_path, "corrupt .npy header (" + what + " at offset " + std::to_string(m_pos) + ")");
    }

    void skipSpace()
    {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
            ++m_pos;
    }

    bool peekIs(char c)
    {
        skipSpace();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }

    void expect(char c)
    {
        if (!peekIs(c))
            bad(std::string("expected '") + c + "'");
        ++m_pos;
    }

    std::string parseString()
    {
        skipSpace();
        if (m_pos >= m_text.size() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"'))
            bad("expected a quoted string");
        const char quote = m_text[m_pos++];
        const std::size_t end = m_text.find(quote, m_pos);
        if (end == std::string_view::npos)
            bad("unterminated string");
        std::string value(m_text.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return value;
    }

    bool parseBool()
    {
        skipSpace();
        for (const std::string_view word : {"True", "False"}) {
            if (m_text.substr(m_pos, word.size()) == word) {
                m_pos += word.size();
                return word == "True";
            }
        }
        bad("expected True or False");
    }

    std::int64_t parseInt()
    {
        skipSpace();
        const std::size_t start = m_pos;
        std::int64_t value = 0;
        while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
            const int digit = m_text[m_pos++] - '0';
            if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
                bad("dimension too large");
            value = value * 10 + digit;
        }
        if (m_pos == start)
            bad("expected a non-negative integer");
        if (m_pos < m_text.size() && m_text[m_pos] == 'L')
            ++m_pos;
        return value;
    }

    std::vector<std::int64_t> parseShape()
    {
        std::vector<std::int64_t> dims;
        expect('(');
        while (!peekIs(')')) {
            dims.push_back(parseInt());
            if (!peekIs(')'))
                expect(',');
        }
        expect(')');
        return dims;
    }

    std::string_view m_text;
    const std::string& m_path;
    std::size_t m_pos = 0;
};

DType dtypeFromDescr(const std::string& descr, const std::string& path)
{
    const std::string_view code = descr.empty() ? std::string_view() : std::string_view(descr).substr(1);
    const char order = descr.empty() ? '\0' : descr[0];
    for (const NpyType& type : kTypes) {
        if (type.descr != code)
            continue;
        if (sizeOf(type.dtype) == 1 && (order == '|' || order == '<' || order == '>' || order == '='))
            return type.dtype;
        if (order == '<' || order == '=')
            return type.dtype;
        if (order == '>')
            detail::failCorrupt(path, "big-endian data ('" + descr +
                                          "') is not supported; save it little-endian, e.g. a.astype('<" +
                                          std::string(code) + "')");
    }
    detail::failCorrupt(path, "dtype '" + descr + "' is not supported (supported: " + std::string(kSupported) + ")");
}

std::uint32_t readLittleEndian(const unsigned char* bytes, int count)
{
    std::uint32_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = (value << 8) | bytes[i];
    return value;
}

std::string shapeLiteral(const Shape& shape)
{
    std::string text = "(";
    for (int i = 0; i < shape.ndim(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.ndim() == 1)
        text += ',';
    return text + ")";
}

void writeBf16AsFloat(std::ostream& out, const Array& array)
{
    constexpr std::size_t kChunk = 1 << 16;
    const auto* source = array.data<std::uint16_t>();
    const auto total = static_cast<std::size_t>(array.numel());
    std::vector<float> chunk(std::min(kChunk, total));
    for (std::size_t done = 0; done < total; done += kChunk) {
        const std::size_t count = std::min(kChunk, total - done);
        std::transform(source + done, source + done + count, chunk.begin(), detail::bf16ToFloat);
        out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(count * sizeof(float)));
    }
}

} // namespace

Array loadNpy(const std::string& path)
{
    std::ifstream in = detail::openForReading(path);
    const std::uint64_t fileSize = detail::fileSize(path);

    unsigned char prefix[kMagicSize + 2 + 4] = {};
    if (fileSize < kMagicSize + 2 || !in.read(reinterpret_cast<char*>(prefix), kMagicSize + 2))
        detail::failCorrupt(path, "not a .npy file (only " + std::to_string(fileSize) + " bytes)");
    if (std::memcmp(prefix, kMagic, kMagicSize) != 0)
        detail::failCorrupt(path, "not a .npy file (it does not start with \\x93NUMPY)");
    const int major = prefix[kMagicSize], minor = prefix[kMagicSize + 1];
    if (major < 1 || major > 3)
        detail::failCorrupt(path, "unsupported .npy format version " + std::to_string(major) + "." +
                                      std::to_string(minor) + " (1.0 to 3.0 are read)");
    const int lengthBytes = major == 1 ? 2 : 4;
    if (!in.read(reinterpret_cast<char*>(prefix + kMagicSize + 2), lengthBytes))
        detail::failCorrupt(path, "truncated .npy file (ends inside the header length)");
    const std::uint64_t headerSize = readLittleEndian(prefix + kMagicSize + 2, lengthBytes);
    const std::uint64_t dataOffset = kMagicSize + 2 + lengthBytes + headerSize;
    if (headerSize > kMaxHeaderSize)
        detail::failCorrupt(path, "corrupt .npy header length " + std::to_string(headerSize));
    if (dataOffset > fileSize)
        detail::failCorrupt(path, "truncated .npy file (header of " + std::to_string(headerSize) + " bytes, file has " +
                                      std::to_string(fileSize) + " bytes in all)");
    std::string headerText(headerSize, '\0');
    if (!in.read(headerText.data(), static_cast<std::streamsize>(headerSize)))
        detail::failCorrupt(path, "truncated .npy file (ends inside the header)");

    const NpyHeader header = HeaderParser(headerText, path).parse();
    const DType dtype = dtypeFromDescr(*header.descr, path);
    if (*header.fortranOrder)
        detail::failCorrupt(path, "the array is stored in Fortran order, which is not supported; save it in C order "
                                  "(np.save(path, np.ascontiguousarray(a)))");
    const std::vector<std::int64_t>& dims = *header.shape;
    if (dims.size() > static_cast<std::size_t>(kMaxDims))
        detail::failCorrupt(path, "the array has " + std::to_string(dims.size()) +
                                      " dimensions; Warpbench arrays have at most " + std::to_string(kMaxDims));
    Shape shape;
    std::uint64_t dataBytes = sizeOf(dtype);
    for (std::int64_t d : dims) {
        shape.append(d);
        if (d != 0 && dataBytes > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
            detail::failCorrupt(path, "shape " + shape.toString() + " is too large");
        dataBytes *= static_cast<std::uint64_t>(d);
    }
    if (fileSize - dataOffset < dataBytes)
        detail::failCorrupt(path, "truncated .npy file (" + std::string(name(dtype)) + " " + shape.toString() +
                                      " needs " + std::to_string(dataBytes) + " bytes of data, the file has " +
                                      std::to_string(fileSize - dataOffset) + ")");

    Array array = Array::emptyHost(shape, dtype);
    if (!in.read(static_cast<char*>(array.data()), static_cast<std::streamsize>(dataBytes)))
        detail::failCorrupt(path, "read failed inside the array data");
    return array;
}

void saveNpy(const std::string& path, const Array& array)
{
    if (!array.valid())
        fail(ErrorCode::InvalidArgument, "saveNpy of an empty array (" + path + ")");
    if (!array.place().isHost())
        fail(ErrorCode::InvalidArgument,
             "saveNpy takes host arrays, got " + array.describe() + " (copy it with toHost first)");
    if (!array.isContiguous())
        fail(ErrorCode::Unsupported, "saveNpy of a non-contiguous array (" + path + ")");

    std::string header = "{'descr': '" + descrFor(array.dtype()) +
                         "', 'fortran_order': False, 'shape': " + shapeLiteral(array.shape()) + ", }";
    // NumPy leaves room for the first axis to grow to 21 digits so that appending tools can
    // rewrite the header in place; doing the same keeps our files byte-identical to np.save.
    if (array.ndim() > 0)
        header.append(kGrowthAxisDigits - std::to_string(array.shape()[0]).size(), ' ');
    // Version 1.0 holds headers up to 65535 bytes; ours stay under 256 with at most 4 dimensions.
    const std::size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
    header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
    header += '\n';
    const auto headerSize = static_cast<std::uint16_t>(header.size());

    detail::writeFileReplacing(path, [&](std::ostream& out) {
        out.write(kMagic, kMagicSize);
        const char version[2] = {1, 0};
        out.write(version, 2);
        const char length[2] = {static_cast<char>(headerSize & 0xff), static_cast<char>(headerSize >> 8)};
        out.write(length, 2);
        out.write(header.data(), static_cast<std::streamsize>(header.size()));
        if (array.dtype() == DType::BF16)
            writeBf16AsFloat(out, array);
        else
            out.write(static_cast<const char*>(array.data()), static_cast<std::streamsize>(array.nbytes()));
    });
}

} // namespace wb
