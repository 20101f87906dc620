// Image decoding by magic bytes (data/image_decode.h): hostile and broken files are refused with
// the file's name, JPEG (libjpeg-turbo) agrees with stb_image's own JPEG decoder, PNG/BMP are exact.
// Every fixture is made here: stb_image_write for PNG/BMP/JPEG, libjpeg for a CMYK JPEG.
#include <doctest/doctest.h>
#include <stb/stb_image.h>   // the system libstb: an independent JPEG decoder to compare against
#include <stb/stb_image_write.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "core/check.h"
#include "data/image_decode.h"

namespace {

using Bytes = std::vector<uint8_t>;

void append(void* ctx, void* data, int size) {
    auto* out = static_cast<Bytes*>(ctx);
    out->insert(out->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
}

// A w x h RGB image with smooth gradients and some texture: pixel (y, x) has
// R = 8 x, G = 8 y, B = (x * y * 37) % 256.
std::vector<uint8_t> pattern(int w, int h) {
    std::vector<uint8_t> px;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) px.insert(px.end(), {uint8_t(8 * x), uint8_t(8 * y), uint8_t((x * y * 37) % 256)});
    return px;
}

Bytes png_of(const std::vector<uint8_t>& rgb, int w, int h) {
    Bytes out;
    stbi_write_png_to_func(append, &out, w, h, 3, rgb.data(), w * 3);
    return out;
}

Bytes bmp_of(const std::vector<uint8_t>& rgb, int w, int h) {
    Bytes out;
    stbi_write_bmp_to_func(append, &out, w, h, 3, rgb.data());
    return out;
}

Bytes jpg_of(const std::vector<uint8_t>& rgb, int w, int h, int quality) {
    Bytes out;
    stbi_write_jpg_to_func(append, &out, w, h, 3, rgb.data(), quality);
    return out;
}

// A flat w x h Adobe CMYK JPEG written with libjpeg (stb_image_write has no CMYK).
Bytes cmyk_jpg(int w, int h, const uint8_t cmyk[4]) {
    jpeg_compress_struct c{};
    jpeg_error_mgr err{};
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* mem = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = JDIMENSION(w);
    c.image_height = JDIMENSION(h);
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    jpeg_start_compress(&c, TRUE);
    std::vector<uint8_t> row;
    for (int x = 0; x < w; ++x) row.insert(row.end(), cmyk, cmyk + 4);
    while (c.next_scanline < c.image_height) {
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    Bytes out(mem, mem + size);
    std::free(mem);
    return out;
}

// stb_image's decode of the same bytes (the Debian library, not our stb: it knows JPEG).
std::vector<uint8_t> stb_reference(const Bytes& b, int channels) {
    int w = 0, h = 0, comp = 0;
    uint8_t* p = stbi_load_from_memory(b.data(), int(b.size()), &w, &h, &comp, channels);
    REQUIRE(p != nullptr);
    std::vector<uint8_t> out(p, p + size_t(w) * h * channels);
    stbi_image_free(p);
    return out;
}

double mean_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, int* max_diff) {
    REQUIRE(a.size() == b.size());
    double sum = 0;
    *max_diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const int d = std::abs(int(a[i]) - int(b[i]));
        sum += d;
        *max_diff = std::max(*max_diff, d);
    }
    return sum / double(a.size());
}

}  // namespace

TEST_CASE("image decode: the format comes from the magic bytes, not the name") {
    const auto rgb = pattern(5, 4);
    CHECK(ct::image_format("a.jpg", png_of(rgb, 5, 4)) == ct::ImageFormat::Png);
    CHECK(ct::image_format("a.png", jpg_of(rgb, 5, 4, 90)) == ct::ImageFormat::Jpeg);
    CHECK(ct::image_format("a.png", bmp_of(rgb, 5, 4)) == ct::ImageFormat::Bmp);
    // A PNG named .jpg decodes exactly (PNG is lossless).
    const ct::DecodedImage d = ct::decode_image("x.jpg", png_of(rgb, 5, 4), 3, 8192);
    CHECK(d.width == 5);
    CHECK(d.height == 4);
    CHECK(d.hwc == rgb);
    CHECK(ct::decode_image("x.png", bmp_of(rgb, 5, 4), 3, 8192).hwc == rgb);
}

TEST_CASE("image decode: hostile and broken files are refused, naming the file") {
    const auto rgb = pattern(16, 16);
    SUBCASE("a 16-bit PGM named .png never reaches stb (it read past its buffer)") {
        const Bytes pgm = {0x50, 0x35, 0x0a, 0x32, 0x20, 0x32, 0x0a, 0x32, 0x35, 0x36, 0x0a, 0xfe, 0xff, 0xff, 0xff};
        CHECK_THROWS_WITH_AS(ct::decode_image("d/x.png", pgm, 3, 8192),
                             doctest::Contains("d/x.png: not a decodable image: its first bytes (50 35 0a 32) "
                                               "are not PNG, JPEG or BMP"),
                             ct::IoError);
        CHECK_THROWS_AS(ct::read_image_header("d/x.png", pgm, 8192), ct::IoError);
    }
    SUBCASE("GIF and HDR are refused too") {
        const std::string gif = "GIF89a\x01\x00\x01\x00\x00\x00\x00;", hdr = "#?RADIANCE\n";
        CHECK_THROWS_WITH_AS(ct::decode_image("g.png", Bytes(gif.begin(), gif.end()), 3, 8192),
                             doctest::Contains("g.png: not a decodable image"), ct::IoError);
        CHECK_THROWS_WITH_AS(ct::decode_image("h.png", Bytes(hdr.begin(), hdr.end()), 3, 8192),
                             doctest::Contains("h.png: not a decodable image"), ct::IoError);
    }
    SUBCASE("a zero-byte file") {
        CHECK_THROWS_WITH_AS(ct::decode_image("e.jpg", Bytes{}, 3, 8192),
                             doctest::Contains("e.jpg: not a decodable image (empty file)"), ct::IoError);
    }
    SUBCASE("a truncated PNG") {
        Bytes png = png_of(rgb, 16, 16);
        png.resize(png.size() / 2);
        CHECK_THROWS_WITH_AS(ct::decode_image("t.png", png, 3, 8192), doctest::Contains("t.png: "), ct::IoError);
    }
    SUBCASE("a PNG chunk declaring more bytes than the file has (stb would allocate them first)") {
        Bytes png = png_of(rgb, 16, 16);
        // the first chunk is IHDR at byte 8; set its length field to 2^31 - 1
        png[8] = 0x7f, png[9] = 0xff, png[10] = 0xff, png[11] = 0xff;
        CHECK_THROWS_WITH_AS(ct::decode_image("l.png", png, 3, 8192),
                             doctest::Contains("l.png: PNG chunk at byte 8 declares 2147483647 bytes, past the end of the"),
                             ct::IoError);
    }
    SUBCASE("a PNG cut off inside a chunk's header (stb would read it: an empty IDAT there is undefined behaviour)") {
        Bytes png = png_of(rgb, 16, 16);
        // after the signature (8) and IHDR (12 + 13): an empty IDAT's length and type, and one byte
        png.resize(33);
        const uint8_t empty_idat_cut[] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 'x'};
        png.insert(png.end(), std::begin(empty_idat_cut), std::end(empty_idat_cut));
        CHECK_THROWS_WITH_AS(ct::decode_image("c.png", png, 3, 8192),
                             doctest::Contains("c.png: PNG chunk at byte 33 is cut off after 9 of its at least 12 bytes"),
                             ct::IoError);
    }
    SUBCASE("a truncated JPEG (libjpeg would fill the rest with grey)") {
        Bytes jpg = jpg_of(rgb, 16, 16, 90);
        jpg.resize(jpg.size() / 2);
        CHECK_THROWS_WITH_AS(ct::decode_image("t.jpg", jpg, 3, 8192),
                             doctest::Contains("t.jpg: not a decodable JPEG (libjpeg: "), ct::IoError);
        jpg.resize(3);   // the magic alone
        CHECK_THROWS_WITH_AS(ct::decode_image("t.jpg", jpg, 1, 8192), doctest::Contains("t.jpg: not a decodable JPEG"),
                             ct::IoError);
    }
    SUBCASE("a JPEG with garbage Huffman tables") {
        Bytes jpg = jpg_of(rgb, 16, 16, 90);
        size_t dht = 0;   // the first DHT marker, FF C4: length (2 bytes), class/id (1), then 16 code counts
        for (size_t i = 2; i + 1 < jpg.size() && !dht; ++i)
            if (jpg[i] == 0xff && jpg[i + 1] == 0xc4) dht = i;
        REQUIRE(dht > 0);
        for (size_t i = dht + 5; i < dht + 5 + 16; ++i) jpg[i] = 0xff;   // 16 x 255 codes: more than fit
        CHECK_THROWS_WITH_AS(ct::decode_image("h.jpg", jpg, 3, 8192),
                             doctest::Contains("h.jpg: not a decodable JPEG (libjpeg: "), ct::IoError);
    }
    SUBCASE("JPEG sides are bounded before decoding") {
        const Bytes jpg = jpg_of(rgb, 16, 16, 90);
        CHECK_THROWS_WITH_AS(ct::decode_image("b.jpg", jpg, 3, 15),
                             doctest::Contains("b.jpg: image of 16x16 is outside the allowed 1..15 per side"),
                             ct::IoError);
        CHECK(ct::read_image_header("b.jpg", jpg, 16).width == 16);
    }
}

TEST_CASE("image decode: JPEG agrees with stb_image's decoder") {
    // libjpeg's IDCT and chroma upsampling differ from stb's by a level here and there; quality 75
    // subsamples chroma 2x2 in stb_image_write, so upsampling is exercised.
    const int w = 32, h = 24;
    for (int quality : {75, 100}) {
        CAPTURE(quality);
        const Bytes jpg = jpg_of(pattern(w, h), w, h, quality);
        for (int channels : {1, 3}) {
            CAPTURE(channels);
            const ct::DecodedImage d = ct::decode_image("p.jpg", jpg, channels, 8192);
            CHECK(d.width == w);
            CHECK(d.height == h);
            CHECK(d.channels == channels);
            int max_diff = 0;
            const double mad = mean_abs_diff(d.hwc, stb_reference(jpg, channels), &max_diff);
            INFO("mean |libjpeg - stb| = " << mad << " levels, max " << max_diff);
            CHECK(mad < 2.0);       // seen: 0.005 to 0.12
            CHECK(max_diff <= 4);   // seen: 1 to 2
        }
    }
}

TEST_CASE("image decode: a flat-colour JPEG decodes to its colour") {
    // RGB (200, 100, 50), Y = 0.299*200 + 0.587*100 + 0.114*50 = 124.2. The encoder rounds to
    // YCbCr and back, so a level or two of error is allowed.
    const int w = 16, h = 16;
    std::vector<uint8_t> rgb;
    for (int i = 0; i < w * h; ++i) rgb.insert(rgb.end(), {200, 100, 50});
    const Bytes jpg = jpg_of(rgb, w, h, 100);
    const ct::DecodedImage c = ct::decode_image("f.jpg", jpg, 3, 8192);
    for (int i = 0; i < w * h; ++i) {
        CHECK(std::abs(c.hwc[3 * i] - 200) <= 2);
        CHECK(std::abs(c.hwc[3 * i + 1] - 100) <= 2);
        CHECK(std::abs(c.hwc[3 * i + 2] - 50) <= 2);
    }
    const ct::DecodedImage g = ct::decode_image("f.jpg", jpg, 1, 8192);
    for (int i = 0; i < w * h; ++i) CHECK(std::abs(g.hwc[i] - 124) <= 2);
}

TEST_CASE("image decode: a CMYK JPEG converts as stb_image does, R = C K / 255") {
    // Adobe JPEGs store inverted CMYK, so the stored values are multiplied: stored (255, 128, 0, 200)
    // gives R = 255*200/255 = 200, G = 128*200/255 = 100.4 -> 100, B = 0. Gray: (77*200 + 150*100) >> 8 = 119.
    const uint8_t cmyk[4] = {255, 128, 0, 200};
    const Bytes jpg = cmyk_jpg(8, 8, cmyk);
    const ct::DecodedImage c = ct::decode_image("k.jpg", jpg, 3, 8192);
    REQUIRE(c.hwc.size() == 8 * 8 * 3);
    for (int i = 0; i < 64; ++i) {
        CHECK(std::abs(c.hwc[3 * i] - 200) <= 2);
        CHECK(std::abs(c.hwc[3 * i + 1] - 100) <= 2);
        CHECK(c.hwc[3 * i + 2] <= 2);
    }
    const ct::DecodedImage g = ct::decode_image("k.jpg", jpg, 1, 8192);
    for (int i = 0; i < 64; ++i) CHECK(std::abs(g.hwc[i] - 119) <= 2);
}

TEST_CASE("image decode: a PNG with empty IDAT chunks decodes as without them") {
    // stb_image copied a first empty IDAT with memcpy(NULL, p, 0), undefined behaviour that the
    // fuzz harness found; the decoder leaves such chunks out. The chunk goes right after IHDR
    // (8-byte signature + 25-byte IHDR chunk); stb does not check chunk CRCs, so 0 stands in.
    const auto rgb = pattern(6, 5);
    Bytes png = png_of(rgb, 6, 5);
    const uint8_t empty_idat[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0};
    png.insert(png.begin() + 33, empty_idat, empty_idat + 12);
    png.insert(png.end() - 12, empty_idat, empty_idat + 12);   // and one before IEND
    const ct::DecodedImage d = ct::decode_image("e.png", png, 3, 8192);
    CHECK(d.hwc == rgb);
    // A chunk whose length runs past the end is still refused, naming the file.
    Bytes cut = png_of(rgb, 6, 5);
    cut[33 + 3] = 0xff;   // the first IDAT now claims 255+ bytes more than the file holds
    CHECK_THROWS_WITH_AS(ct::decode_image("c.png", cut, 3, 8192), doctest::Contains("c.png: "), ct::IoError);
}
