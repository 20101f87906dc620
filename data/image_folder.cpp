// Decoding runs on plain std::threads (not OpenMP) so it can also run beside a training loop.
// Each file is read into memory, its header checked with stbi_info_from_memory (dimensions bounded
// before stb_image allocates or decodes anything: it has a history of bugs on hostile files), then
// decoded; the first failure in file order is reported, naming the file.
#include "data/image_folder.h"

#include <stb/stb_image.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

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

struct Header { int w = 0, h = 0; };

Header image_header(const std::string& path, const std::vector<uint8_t>& bytes, int64_t max_side) {
    Header hd;
    int comp = 0;
    CT_CHECK_AS(IoError, stbi_info_from_memory(bytes.data(), int(bytes.size()), &hd.w, &hd.h, &comp),
                "image_folder: " << path << ": not a decodable image (" << stbi_failure_reason() << ")");
    CT_CHECK_AS(IoError, hd.w > 0 && hd.h > 0 && hd.w <= max_side && hd.h <= max_side,
                "image_folder: " << path << ": image of " << hd.w << "x" << hd.h
                                 << " is outside the allowed 1.." << max_side << " per side");
    return hd;
}

// Decodes one file into out (C,H,W) uint8, resizing when size > 0.
void decode_into(const std::string& path, const ImageFolderOptions& o, int64_t H, int64_t W,
                 uint8_t* out) {
    const std::vector<uint8_t> bytes = read_plain(path);
    if (o.size == 0) {   // a wrong size is refused before decoding
        const Header hd = image_header(path, bytes, o.max_side);
        CT_CHECK_AS(IoError, hd.h == H && hd.w == W,
                    "image_folder: " << path << ": image is " << hd.w << "x" << hd.h << " but the "
                                     << "folder's images are " << W << "x" << H
                                     << "; pass a resize size (ImageFolderOptions::size)");
    }
    const DecodedImage d = decode_image(bytes, o.channels, path, o.max_side);
    const int64_t C = o.channels;
    if (d.height == H && d.width == W) {
        std::copy(d.pixels.begin(), d.pixels.end(), out);
        return;
    }
    Tensor img = Tensor::empty({C, d.height, d.width});
    std::copy(d.pixels.begin(), d.pixels.end(), img.data());
    const Tensor r = transforms::resize(img, H, W);
    const float* q = r.data();
    for (int64_t i = 0; i < C * H * W; ++i)
        out[i] = uint8_t(std::min(255.f, std::max(0.f, q[i] + 0.5f)));
}

}  // namespace

DecodedImage decode_image(const std::vector<uint8_t>& bytes, int channels, const std::string& path,
                          int64_t max_side) {
    CT_CHECK_AS(ValueError, channels == 1 || channels == 3,
                "image_folder: channels must be 1 or 3, got " << channels);
    CT_CHECK_AS(IoError, bytes.size() < (size_t(1) << 30),   // stb_image takes an int length
                "image_folder: " << path << ": " << bytes.size() << " bytes is too large for an image");
    image_header(path, bytes, max_side);
    int w = 0, h = 0, comp = 0;
    uint8_t* hwc = stbi_load_from_memory(bytes.data(), int(bytes.size()), &w, &h, &comp, channels);
    CT_CHECK_AS(IoError, hwc != nullptr,
                "image_folder: " << path << ": cannot decode (" << stbi_failure_reason() << ")");
    DecodedImage d;
    d.height = h;
    d.width = w;
    const int64_t C = channels, HW = int64_t(h) * w;
    d.pixels.resize(size_t(C * HW));
    for (int64_t c = 0; c < C; ++c)   // HWC -> CHW
        for (int64_t i = 0; i < HW; ++i) d.pixels[size_t(c * HW + i)] = hwc[i * C + c];
    stbi_image_free(hwc);
    return d;
}

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
        const Header first = image_header(files[0], read_plain(files[0]), o.max_side);
        ds.height = first.h;
        ds.width = first.w;
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
