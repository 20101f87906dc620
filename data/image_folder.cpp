// Decoding runs on plain std::threads (not OpenMP) so it can also run beside a training loop.
// Each file is read into memory and handed to data/image_decode.h, which picks the decoder by the
// magic bytes and bounds the dimensions before decoding; the first failure in file order is
// reported, naming the file.
#include "data/image_folder.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "data/image_decode.h"
#include "data/read_file.h"
#include "data/transforms.h"

namespace ct {
namespace fs = std::filesystem;
namespace {

bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<uint8_t> read_plain(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    CT_CHECK_AS(IoError, in.good(), "image_folder: cannot open " << path);
    in.seekg(0, std::ios::end);
    const std::streamoff bytes = in.tellg();
    in.seekg(0);
    // stb_image takes an int length; no sane image file comes near this.
    CT_CHECK_AS(IoError, bytes >= 0 && bytes < (std::streamoff(1) << 30),
                "image_folder: " << path << ": file of " << bytes << " bytes is too large for an image");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Decodes one file into out (C,H,W) uint8, resizing when size > 0.
void decode_into(const std::string& path, const ImageFolderOptions& o, int64_t H, int64_t W,
                 uint8_t* out) {
    const DecodedImage d = decode_image(path, read_plain(path), o.channels, o.max_side);
    const int h = d.height, w = d.width;
    if (o.size == 0)
        CT_CHECK_AS(IoError, h == H && w == W,
                    "image_folder: " << path << ": image is " << w << "x" << h << " but the "
                                     << "folder's images are " << W << "x" << H
                                     << "; pass a resize size (ImageFolderOptions::size)");
    const uint8_t* hwc = d.hwc.data();
    const int64_t C = o.channels;
    if (h == H && w == W) {   // HWC -> CHW
        for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < H * W; ++i) out[c * H * W + i] = hwc[i * C + c];
        return;
    }
    Tensor img = Tensor::empty({C, int64_t(h), int64_t(w)});
    float* p = img.data();
    for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < int64_t(h) * w; ++i) p[c * h * w + i] = float(hwc[i * C + c]);
    const Tensor r = transforms::resize(img, H, W);
    const float* q = r.data();
    for (int64_t i = 0; i < C * H * W; ++i)
        out[i] = uint8_t(std::min(255.f, std::max(0.f, q[i] + 0.5f)));
}

}  // namespace

Dataset load_image_folder(const std::string& root, const ImageFolderOptions& o) {
    CT_CHECK_AS(ValueError, o.channels == 1 || o.channels == 3,
                "image_folder: channels must be 1 or 3, got " << o.channels);
    CT_CHECK_AS(IoError, dir_exists(root), "image_folder: " << root << " is not a folder; run "
                                               << "'make data' or pass --data-dir");
    Dataset ds;
    ds.name = root;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory()) ds.classes.push_back(e.path().filename().string());
    std::sort(ds.classes.begin(), ds.classes.end());
    CT_CHECK_AS(IoError, !ds.classes.empty(), "image_folder: " << root << " has no class folders "
                                                  << "(expected root/<class>/<image>.png|jpg|jpeg|bmp)");
    for (size_t k = 0; k < ds.classes.size(); ++k) {
        std::vector<std::string> in_class;
        for (const auto& e : fs::directory_iterator(fs::path(root) / ds.classes[k]))
            if (e.is_regular_file() && is_image_file(e.path())) in_class.push_back(e.path().string());
        CT_CHECK_AS(IoError, !in_class.empty(), "image_folder: class folder " << root << "/"
                    << ds.classes[k] << " holds no .png/.jpg/.jpeg/.bmp images");
        std::sort(in_class.begin(), in_class.end());
        files.insert(files.end(), in_class.begin(), in_class.end());
        ds.labels.insert(ds.labels.end(), in_class.size(), int64_t(k));
    }
    if (o.limit > 0 && o.limit < int64_t(files.size())) {   // the pick of Dataset::evenly_spaced
        std::vector<std::string> picked_files;
        std::vector<int64_t> picked_labels;
        for (int64_t i = 0, total = int64_t(files.size()); i < o.limit; ++i) {
            picked_files.push_back(files[size_t(i * total / o.limit)]);
            picked_labels.push_back(ds.labels[size_t(i * total / o.limit)]);
        }
        files.swap(picked_files);
        ds.labels.swap(picked_labels);
    }
    ds.channels = o.channels;
    if (o.size > 0) {
        ds.height = ds.width = o.size;
    } else {
        const ImageHeader first = read_image_header(files[0], read_plain(files[0]), o.max_side);
        ds.height = first.height;
        ds.width = first.width;
    }
    const int64_t n = int64_t(files.size()), per_image = ds.image_numel();
    ds.pixels.resize(size_t(n * per_image));

    std::vector<std::exception_ptr> errors(files.size());
    std::atomic<int64_t> next{0};
    auto work = [&] {
        for (int64_t i; (i = next.fetch_add(1)) < n;) {
            try {
                decode_into(files[size_t(i)], o, ds.height, ds.width, ds.pixels.data() + i * per_image);
            } catch (...) {
                errors[size_t(i)] = std::current_exception();
            }
        }
    };
    const int threads = std::max(1, o.threads > 0 ? o.threads : int(std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    return ds;
}

}  // namespace ct
