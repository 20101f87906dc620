// Image decoding by magic bytes (see image_decode.h). stb_image is compiled here, static, with only
// its PNG and BMP decoders: its other decoders have known memory bugs on hostile files (a 16-bit
// PGM reads past its buffer), so they are not even linked. JPEG goes to libjpeg-turbo, the decoder
// torchvision and Pillow use (fuzzed continuously, SIMD); its error_exit longjmps back to one small
// function that holds no C++ objects, and the caller turns the message into an IoError.
#include "data/image_decode.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>

#include <jpeglib.h>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

#include "core/check.h"

namespace ct {
namespace {

// stb_image takes an int length; image_folder reads files below 1 GB, this guards other callers.
int stb_length(const std::string& path, const std::vector<uint8_t>& bytes) {
    CT_CHECK_AS(IoError, bytes.size() < (size_t(1) << 30),
                "image: " << path << ": file of " << bytes.size() << " bytes is too large for an image");
    return int(bytes.size());
}

void check_sides(const std::string& path, int w, int h, int64_t max_side) {
    CT_CHECK_AS(IoError, w > 0 && h > 0 && w <= max_side && h <= max_side,
                "image_folder: " << path << ": image of " << w << "x" << h << " is outside the allowed 1.."
                                 << max_side << " per side");
}

// ---- JPEG (libjpeg-turbo)

// libjpeg hands its error manager back to these callbacks; the struct starts with it.
struct JpegError {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_fail(j_common_ptr c) {
    JpegError* e = reinterpret_cast<JpegError*>(c->err);
    (*c->err->format_message)(c, e->message);
    std::longjmp(e->jump, 1);
}

// Level -1 is a warning: corrupt data libjpeg would paper over (a truncated file ends in grey
// rows, a bad Huffman code in smeared blocks). We refuse the file instead. Trace levels are quiet.
void jpeg_message(j_common_ptr c, int level) {
    if (level < 0) jpeg_fail(c);
}

// A progressive JPEG may hold thousands of tiny scans, each a full pass over the image: a few KB
// of file then costs minutes of CPU. libjpeg-turbo's own advice is to stop at some sane number.
constexpr int kMaxScans = 500;
void jpeg_progress(j_common_ptr c) {
    const auto* d = reinterpret_cast<j_decompress_ptr>(c);
    if (d->is_decompressor && d->input_scan_number > kMaxScans) {
        JpegError* e = reinterpret_cast<JpegError*>(c->err);
        std::snprintf(e->message, sizeof e->message, "more than %d progressive scans", kMaxScans);
        std::longjmp(e->jump, 1);
    }
}

// stb_image's CMYK -> RGB: x * k / 255 with its rounding (Adobe JPEGs store inverted CMYK).
inline uint8_t blinn_8x8(unsigned x, unsigned k) {
    const unsigned t = x * k + 128;
    return uint8_t((t + (t >> 8)) >> 8);
}

enum class JpegResult { Ok, Failed, TooLarge };

// Every libjpeg call lives here, after the setjmp that jpeg_fail jumps back to. This function
// holds no object with a destructor (a longjmp would skip it); `out` and `cinfo` belong to the
// caller, which destroys cinfo on every path.
JpegResult run_jpeg(jpeg_decompress_struct& cinfo, JpegError& err, jpeg_progress_mgr& progress,
                    const std::vector<uint8_t>& bytes, int channels, int64_t max_side, bool header_only,
                    DecodedImage& out) {
    if (setjmp(err.jump)) return JpegResult::Failed;
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&cinfo, TRUE);
    out.width = int(cinfo.image_width);
    out.height = int(cinfo.image_height);
    if (out.width <= 0 || out.height <= 0 || out.width > max_side || out.height > max_side)
        return JpegResult::TooLarge;
    if (header_only) return JpegResult::Ok;
    const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const size_t W = size_t(out.width), image_bytes = W * size_t(out.height) * size_t(channels);
    out.channels = channels;
    // CMYK rows are read into scratch space after the image (a local buffer would need a destructor).
    out.hwc.resize(image_bytes + (cmyk ? 4 * W : 0));   // bad_alloc: the caller destroys cinfo
    JSAMPLE* row_cmyk = out.hwc.data() + image_bytes;
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t* dst = out.hwc.data() + size_t(cinfo.output_scanline) * W * size_t(channels);
        JSAMPROW row = cmyk ? row_cmyk : dst;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (!cmyk) continue;
        for (size_t x = 0; x < W; ++x) {
            const unsigned k = row_cmyk[4 * x + 3];
            const uint8_t r = blinn_8x8(row_cmyk[4 * x], k), g = blinn_8x8(row_cmyk[4 * x + 1], k),
                          b = blinn_8x8(row_cmyk[4 * x + 2], k);
            if (channels == 3) {
                dst[3 * x] = r, dst[3 * x + 1] = g, dst[3 * x + 2] = b;
            } else {
                dst[x] = uint8_t((r * 77 + g * 150 + b * 29) >> 8);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    out.hwc.resize(image_bytes);
    return JpegResult::Ok;
}

DecodedImage jpeg_decode(const std::string& path, const std::vector<uint8_t>& bytes, int channels,
                         int64_t max_side, bool header_only) {
    jpeg_decompress_struct cinfo{};
    JpegError err{};
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    err.mgr.emit_message = jpeg_message;
    jpeg_progress_mgr progress{};
    progress.progress_monitor = jpeg_progress;
    DecodedImage out;
    JpegResult r;
    try {
        r = run_jpeg(cinfo, err, progress, bytes, channels, max_side, header_only, out);
    } catch (...) {
        jpeg_destroy_decompress(&cinfo);
        throw;
    }
    jpeg_destroy_decompress(&cinfo);
    CT_CHECK_AS(IoError, r != JpegResult::Failed,
                "image_folder: " << path << ": not a decodable JPEG (libjpeg: " << err.message << ")");
    if (r == JpegResult::TooLarge) check_sides(path, out.width, out.height, max_side);
    return out;
}

// ---- PNG and BMP (stb_image)

ImageHeader stb_header(const std::string& path, const std::vector<uint8_t>& bytes, int64_t max_side) {
    ImageHeader hd;
    int comp = 0;
    CT_CHECK_AS(IoError, stbi_info_from_memory(bytes.data(), stb_length(path, bytes), &hd.width, &hd.height, &comp),
                "image_folder: " << path << ": not a decodable image (" << stbi_failure_reason() << ")");
    check_sides(path, hd.width, hd.height, max_side);
    return hd;
}

// A PNG's chunks with every zero-length IDAT left out. They carry no data, but stb_image copies a
// first empty IDAT with memcpy(NULL, p, 0) into the buffer it has not allocated yet: undefined
// behaviour (UBSan reports it; found by fuzz/ on a 64-byte PNG). A chunk before IEND that runs
// past the end of the file is refused here: stb would first grow its buffer to the declared
// length (up to 2 GiB for a 100-byte file, found by fuzz/) and only then find the data missing.
// So is a chunk cut off inside its 12 bytes of header and CRC: stb reads such a header too (an
// empty IDAT there reached the same memcpy, found by fuzz/ on a 42-byte PNG).
std::vector<uint8_t> png_without_empty_idat(const std::string& path, const std::vector<uint8_t>& png) {
    std::vector<uint8_t> out(png.begin(), png.begin() + std::min<size_t>(8, png.size()));
    size_t at = 8;
    bool ended = false;
    while (!ended && at < png.size()) {
        CT_CHECK_AS(IoError, at + 12 <= png.size(),
                    "image_folder: " << path << ": PNG chunk at byte " << at << " is cut off after "
                                     << png.size() - at << " of its at least 12 bytes (truncated file)");
        const uint32_t length = uint32_t(png[at]) << 24 | uint32_t(png[at + 1]) << 16 | uint32_t(png[at + 2]) << 8 | png[at + 3];
        CT_CHECK_AS(IoError, length <= png.size() - at - 12,
                    "image_folder: " << path << ": PNG chunk at byte " << at << " declares " << length
                                     << " bytes, past the end of the " << png.size() << "-byte file (truncated or corrupt)");
        const bool empty_idat = length == 0 && std::memcmp(&png[at + 4], "IDAT", 4) == 0;
        ended = std::memcmp(&png[at + 4], "IEND", 4) == 0;   // what follows IEND is not read by anyone
        if (!empty_idat) out.insert(out.end(), png.begin() + long(at), png.begin() + long(at + 12 + length));
        at += 12 + size_t(length);
    }
    out.insert(out.end(), png.begin() + long(at), png.end());
    return out;
}

DecodedImage stb_decode(const std::string& path, ImageFormat format, const std::vector<uint8_t>& file_bytes,
                        int channels, int64_t max_side) {
    std::vector<uint8_t> png;   // BMP is decoded from the caller's bytes, no copy
    if (format == ImageFormat::Png) png = png_without_empty_idat(path, file_bytes);
    const std::vector<uint8_t>& bytes = format == ImageFormat::Png ? png : file_bytes;
    stb_header(path, bytes, max_side);
    DecodedImage out;
    int comp = 0;
    uint8_t* hwc = stbi_load_from_memory(bytes.data(), stb_length(path, bytes), &out.width, &out.height,
                                         &comp, channels);
    CT_CHECK_AS(IoError, hwc != nullptr,
                "image_folder: " << path << ": cannot decode (" << stbi_failure_reason() << ")");
    out.channels = channels;
    out.hwc.assign(hwc, hwc + size_t(out.width) * size_t(out.height) * size_t(channels));
    stbi_image_free(hwc);
    return out;
}

}  // namespace

ImageFormat image_format(const std::string& path, const std::vector<uint8_t>& bytes) {
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    static const uint8_t jpeg[3] = {0xff, 0xd8, 0xff};
    auto starts = [&](const uint8_t* magic, size_t n) {
        return bytes.size() >= n && std::memcmp(bytes.data(), magic, n) == 0;
    };
    if (starts(png, 8)) return ImageFormat::Png;
    if (starts(jpeg, 3)) return ImageFormat::Jpeg;
    if (starts(reinterpret_cast<const uint8_t*>("BM"), 2)) return ImageFormat::Bmp;
    CT_CHECK_AS(IoError, !bytes.empty(), "image_folder: " << path << ": not a decodable image (empty file)");
    std::ostringstream first;
    for (size_t i = 0; i < bytes.size() && i < 4; ++i) {
        static const char hex[] = "0123456789abcdef";
        first << (i ? " " : "") << hex[bytes[i] >> 4] << hex[bytes[i] & 15];
    }
    CT_THROW(IoError, "image_folder: " << path << ": not a decodable image: its first bytes (" << first.str()
                                       << ") are not PNG, JPEG or BMP, the formats read here");
}

ImageHeader read_image_header(const std::string& path, const std::vector<uint8_t>& bytes, int64_t max_side) {
    if (image_format(path, bytes) != ImageFormat::Jpeg) return stb_header(path, bytes, max_side);
    const DecodedImage d = jpeg_decode(path, bytes, 3, max_side, true);
    return ImageHeader{d.width, d.height};
}

DecodedImage decode_image(const std::string& path, const std::vector<uint8_t>& bytes, int channels,
                          int64_t max_side) {
    CT_CHECK_AS(ValueError, channels == 1 || channels == 3, "decode_image: channels must be 1 or 3, got " << channels);
    const ImageFormat format = image_format(path, bytes);
    if (format != ImageFormat::Jpeg) return stb_decode(path, format, bytes, channels, max_side);
    return jpeg_decode(path, bytes, channels, max_side, false);
}

}  // namespace ct
