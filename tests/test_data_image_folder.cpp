// ImageFolder (data/image_folder.h): a PNG/JPG/BMP tree written here with stb_image_write, class
// order, channel conversion, resizing, parallel decoding, and the error paths.
#include <doctest/doctest.h>
#include <stb/stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/image_folder.h"

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/contrast_test_imgfolder_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

// A w x h RGB image, pixel (y, x) = (value, 10 y, 10 x).
void write_rgb(const std::string& path, int w, int h, uint8_t value, const char* format = "png") {
    std::vector<uint8_t> px;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) px.insert(px.end(), {value, uint8_t(10 * y), uint8_t(10 * x)});
    const std::string f = format;
    if (f == "png") stbi_write_png(path.c_str(), w, h, 3, px.data(), w * 3);
    if (f == "bmp") stbi_write_bmp(path.c_str(), w, h, 3, px.data());
    if (f == "jpg") stbi_write_jpg(path.c_str(), w, h, 3, px.data(), 100);
}

// Two classes: "b_cat" (2 PNG + 1 BMP) and "a_dog" (1 PNG), 4x3 images, plus a stray text file.
void write_tree(const std::string& root) {
    namespace fs = std::filesystem;
    fs::create_directories(root + "/b_cat");
    fs::create_directories(root + "/a_dog");
    write_rgb(root + "/b_cat/02.png", 4, 3, 200);
    write_rgb(root + "/b_cat/01.png", 4, 3, 100);
    write_rgb(root + "/b_cat/03.bmp", 4, 3, 50, "bmp");
    write_rgb(root + "/a_dog/x.png", 4, 3, 7);
    std::ofstream(root + "/a_dog/notes.txt") << "not an image";
}

}  // namespace

TEST_CASE("image_folder: classes sorted by name, files sorted within a class") {
    TempDir tmp;
    write_tree(tmp.path);
    const ct::Dataset ds = ct::load_image_folder(tmp.path);
    CHECK(ds.classes == std::vector<std::string>{"a_dog", "b_cat"});
    CHECK(ds.labels == std::vector<int64_t>{0, 1, 1, 1});
    CHECK(ds.image_shape() == ct::Shape{3, 3, 4});
    CHECK(ds.image(0).at({0, 0, 0}) == doctest::Approx(7 / 255.0));     // a_dog/x.png
    CHECK(ds.image(1).at({0, 2, 3}) == doctest::Approx(100 / 255.0));   // b_cat/01.png
    CHECK(ds.image(2).at({0, 1, 1}) == doctest::Approx(200 / 255.0));   // b_cat/02.png
    CHECK(ds.image(3).at({1, 2, 0}) == doctest::Approx(20 / 255.0));    // BMP: G = 10 y
    CHECK(ds.image(3).at({2, 0, 3}) == doctest::Approx(30 / 255.0));    // B = 10 x
}

TEST_CASE("image_folder: gray output is 0.299 R + 0.587 G + 0.114 B (stb's integer weights)") {
    TempDir tmp;
    write_tree(tmp.path);
    ct::ImageFolderOptions o;
    o.channels = 1;
    const ct::Dataset ds = ct::load_image_folder(tmp.path, o);
    CHECK(ds.image_shape() == ct::Shape{1, 3, 4});
    // stb: (77 R + 150 G + 29 B) >> 8; pixel (2, 3) of 01.png is (100, 20, 30): (7700+3000+870)>>8 = 45
    CHECK(ds.image(1).at({0, 2, 3}) == doctest::Approx(45 / 255.0));
}

TEST_CASE("image_folder: JPEG decodes close to what was written") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path + "/c");
    write_rgb(tmp.path + "/c/a.jpg", 8, 8, 128, "jpg");
    const ct::Dataset ds = ct::load_image_folder(tmp.path);
    CHECK(ds.image(0).at({0, 4, 4}) == doctest::Approx(128 / 255.0).epsilon(0.05));
}

TEST_CASE("image_folder: the decoder follows the bytes, not the name: PNG bytes in a .jpg are exact") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.path + "/c");
    write_rgb(tmp.path + "/c/a.jpg", 4, 3, 90, "png");
    const ct::Dataset ds = ct::load_image_folder(tmp.path);
    CHECK(ds.image(0).at({0, 2, 3}) == doctest::Approx(90 / 255.0));   // R = value
    CHECK(ds.image(0).at({1, 2, 3}) == doctest::Approx(20 / 255.0));   // G = 10 y
    CHECK(ds.image(0).at({2, 2, 3}) == doctest::Approx(30 / 255.0));   // B = 10 x
}

TEST_CASE("image_folder: resize option and thread count") {
    TempDir tmp;
    write_tree(tmp.path);
    ct::ImageFolderOptions o;
    o.size = 2;
    o.threads = 1;
    const ct::Dataset one = ct::load_image_folder(tmp.path, o);
    CHECK(one.image_shape() == ct::Shape{3, 2, 2});
    // Bilinear 4 -> 2 wide samples x = 0.5 and 2.5; 3 -> 2 high samples y = 0.25 and 1.75.
    // G = 10 y at y = 1.75 is 17.5 -> 18 after rounding; B = 10 x at x = 2.5 is 25.
    CHECK(one.image(1).at({1, 1, 0}) == doctest::Approx(18 / 255.0));
    CHECK(one.image(1).at({2, 0, 1}) == doctest::Approx(25 / 255.0));
    o.threads = 3;
    const ct::Dataset three = ct::load_image_folder(tmp.path, o);
    CHECK(three.pixels == one.pixels);
}

TEST_CASE("image_folder: a limit decodes only the evenly spaced images it keeps") {
    // Sorted list: a_dog/x.png, b_cat/00.png (not decodable), 01.png, 02.png, 03.bmp. A limit of 2
    // keeps i * 5 / 2 = 0 and 2, as Dataset::evenly_spaced would: x.png and 01.png, so the broken
    // file is never decoded; without the limit it is, and loading fails.
    TempDir tmp;
    write_tree(tmp.path);
    std::ofstream(tmp.path + "/b_cat/00.png") << "this is not a PNG";
    ct::ImageFolderOptions o;
    o.limit = 2;
    const ct::Dataset ds = ct::load_image_folder(tmp.path, o);
    CHECK(ds.labels == std::vector<int64_t>{0, 1});
    CHECK(ds.classes == std::vector<std::string>{"a_dog", "b_cat"});
    CHECK(ds.image(0).at({0, 0, 0}) == doctest::Approx(7 / 255.0));
    CHECK(ds.image(1).at({0, 0, 0}) == doctest::Approx(100 / 255.0));
    CHECK_THROWS_AS(ct::load_image_folder(tmp.path), ct::IoError);
    o.limit = 50;   // more than there are: all of them (and the broken one fails again)
    CHECK_THROWS_AS(ct::load_image_folder(tmp.path, o), ct::IoError);
}

TEST_CASE("image_folder: errors name the file") {
    TempDir tmp;
    const std::string root = tmp.path;
    SUBCASE("not a folder") {
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root + "/nope"),
                             doctest::Contains("nope is not a folder; run 'make data'"), ct::IoError);
    }
    SUBCASE("no class folders") {
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root), doctest::Contains("has no class folders"), ct::IoError);
    }
    SUBCASE("an empty class folder") {
        write_tree(root);
        std::filesystem::create_directories(root + "/c_empty");
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root),
                             doctest::Contains("c_empty holds no .png/.jpg/.jpeg/.bmp images"), ct::IoError);
    }
    SUBCASE("an image of the wrong size") {
        write_tree(root);
        write_rgb(root + "/b_cat/04.png", 5, 3, 1);
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root),
                             doctest::Contains("b_cat/04.png: image is 5x3 but the folder's images are 4x3"),
                             ct::IoError);
    }
    SUBCASE("an undecodable image") {
        write_tree(root);
        std::ofstream(root + "/b_cat/00.png") << "this is not a PNG";
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root), doctest::Contains("b_cat/00.png: not a decodable image"),
                             ct::IoError);
    }
    SUBCASE("a 16-bit PGM named .png is refused by its magic bytes, naming the file") {
        write_tree(root);
        const unsigned char pgm[] = {0x50, 0x35, 0x0a, 0x32, 0x20, 0x32, 0x0a, 0x32, 0x35, 0x36, 0x0a, 0xfe, 0xff, 0xff, 0xff};
        std::ofstream(root + "/b_cat/00.png", std::ios::binary).write(reinterpret_cast<const char*>(pgm), sizeof pgm);
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root),
                             doctest::Contains("b_cat/00.png: not a decodable image: its first bytes (50 35 0a 32) "
                                               "are not PNG, JPEG or BMP"),
                             ct::IoError);
    }
    SUBCASE("a zero-byte file") {
        write_tree(root);
        std::ofstream(root + "/b_cat/00.jpg");
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root), doctest::Contains("b_cat/00.jpg: not a decodable image (empty file)"),
                             ct::IoError);
    }
    SUBCASE("dimensions are bounded before decoding") {
        write_tree(root);
        ct::ImageFolderOptions o;
        o.max_side = 3;
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root, o),
                             doctest::Contains("a_dog/x.png: image of 4x3 is outside the allowed 1..3 per side"),
                             ct::IoError);
    }
    SUBCASE("channels") {
        ct::ImageFolderOptions o;
        o.channels = 2;
        CHECK_THROWS_WITH_AS(ct::load_image_folder(root, o), doctest::Contains("channels must be 1 or 3, got 2"),
                             ct::ValueError);
    }
}
