// Decoding one image file held in memory, for the image-folder reader (data/image_folder.h). The
// format is chosen by the file's magic bytes, never by its name: PNG and BMP go to stb_image
// (compiled in image_decode.cpp with only those two decoders), JPEG to libjpeg-turbo. Any other
// bytes (PGM, GIF, PSD, HDR, ...) are refused before a decoder sees them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ct {

enum class ImageFormat { Png, Jpeg, Bmp };

// The format the first bytes announce; throws IoError naming `path` for anything else.
ImageFormat image_format(const std::string& path, const std::vector<uint8_t>& bytes);

struct ImageHeader { int width = 0, height = 0; };

// Width and height from the header alone; throws IoError naming `path` when the header cannot be
// read or a side is outside 1..max_side.
ImageHeader read_image_header(const std::string& path, const std::vector<uint8_t>& bytes, int64_t max_side);

struct DecodedImage {
    int width = 0, height = 0, channels = 0;
    std::vector<uint8_t> hwc;   // (H, W, channels) uint8
};

// Decodes to `channels` (1 gray, 3 RGB) channels. The sides are bounded by max_side before any
// pixel buffer is allocated. Gray from colour: stb's (77 R + 150 G + 29 B) >> 8 for PNG/BMP, the
// stored luma for JPEG (as stb_image and Pillow give). A corrupt or truncated file is an IoError
// naming the file; libjpeg's "corrupt data" warnings count as errors (it would fill grey rows).
DecodedImage decode_image(const std::string& path, const std::vector<uint8_t>& bytes, int channels,
                          int64_t max_side);

}  // namespace ct
