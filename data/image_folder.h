// A folder of class sub-folders, root/<class>/*.{png,jpg,jpeg,bmp}, like torchvision's
// ImageFolder: classes sorted by name, files sorted by name, decoded with stb_image on worker
// threads. The CIFAR-10 JPEG release of ../shared/data is read this way.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ct {

struct ImageFolderOptions {
    int channels = 3;          // 1 (gray) or 3 (RGB): every image is converted to this many
    int64_t size = 0;          // 0: all images must share the first one's size; > 0: resize to size x size
    int threads = 0;           // decoding threads; 0 = std::thread::hardware_concurrency()
    int64_t max_side = 8192;   // larger images are refused before decoding (checked with stbi_info)
    int64_t limit = 0;         // > 0: only this many images, evenly spaced over the sorted list (the
                               // choice of Dataset::evenly_spaced), and only those are decoded
};

Dataset load_image_folder(const std::string& root, const ImageFolderOptions& options = {});

// One encoded image (the bytes of a .png/.jpg/.jpeg/.bmp file) -> (channels, H, W) uint8, its
// size checked against max_side before decoding. `path` names it in errors (ct::IoError).
// load_image_folder decodes every file with it; the fuzz harness (fuzz/) calls it directly.
struct DecodedImage {
    int64_t height = 0, width = 0;
    std::vector<uint8_t> pixels;   // (channels, height, width)
};
DecodedImage decode_image(const std::vector<uint8_t>& bytes, int channels, const std::string& path,
                          int64_t max_side = 8192);

}  // namespace ct
