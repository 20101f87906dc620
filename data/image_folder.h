// A folder of class sub-folders, root/<class>/*.{png,jpg,jpeg,bmp}, like torchvision's
// ImageFolder: classes sorted by name, files sorted by name, decoded on worker threads (PNG/BMP
// with stb_image, JPEG with libjpeg-turbo, chosen by the magic bytes: data/image_decode.h). The
// CIFAR-10 JPEG release of ../shared/data is read this way.
#pragma once
#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace ct {

struct ImageFolderOptions {
    int channels = 3;          // 1 (gray) or 3 (RGB): every image is converted to this many
    int64_t size = 0;          // 0: all images must share the first one's size; > 0: resize to size x size
    int threads = 0;           // decoding threads; 0 = std::thread::hardware_concurrency()
    int64_t max_side = 8192;   // larger images are refused before decoding (read from the header)
    int64_t limit = 0;         // > 0: only this many images, evenly spaced over the sorted list (the
                               // choice of Dataset::evenly_spaced), and only those are decoded
};

Dataset load_image_folder(const std::string& root, const ImageFolderOptions& options = {});

}  // namespace ct
