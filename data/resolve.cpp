// Each dataset name maps to candidate sub-folders and a probe file per split; the first root that
// has the probe wins. The reader is chosen by what was found (IDX, CIFAR binary or image folder).
#include "data/resolve.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <sstream>

#include "data/cifar.h"
#include "data/mnist.h"
#include "data/read_file.h"

namespace ct {
namespace {

enum class Format { Idx, CifarBinary10, CifarBinary100, ImageFolder, StsbTsv };

struct Candidate {
    std::string sub;                  // folder under a root
    std::vector<std::string> probes;  // any of these files (relative to the folder) marks a hit
    Format format;
};

std::vector<Candidate> candidates(const std::string& name, Split split) {
    const bool train = split == Split::Train;
    const std::string idx = std::string(train ? "train" : "t10k") + "-images-idx3-ubyte";
    const std::vector<std::string> idx_probes = {idx, idx + ".gz"};
    const std::string s = split_name(split);
    if (name == "mnist") return {{"mnist", idx_probes, Format::Idx}};
    if (name == "mnist-sample") return {{"sample/mnist", idx_probes, Format::Idx}};
    if (name == "fashion-mnist") return {{"fashion-mnist", idx_probes, Format::Idx}};
    if (name == "cifar10") {
        const std::string bin = train ? "data_batch_1.bin" : "test_batch.bin";
        return {{"cifar10", {bin, "cifar-10-batches-bin/" + bin}, Format::CifarBinary10},
                {"cifar10-jpg", {s}, Format::ImageFolder}};
    }
    if (name == "cifar100") {
        const std::string bin = train ? "train.bin" : "test.bin";
        return {{"cifar100", {bin, "cifar-100-binary/" + bin}, Format::CifarBinary100}};
    }
    if (name == "stsb") return {{"stsb", {"train.tsv"}, Format::StsbTsv}};   // one folder for every split
    return {{name, {s}, Format::ImageFolder}};
}

// <repo>/data when the executable sits in <repo>/build*/ (or one level deeper, as walkthroughs do).
std::string checkout_data_dir() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return "";
    std::string dir(buf, size_t(n));
    for (int up = 0; up < 3; ++up) {
        dir = dir.substr(0, dir.find_last_of('/'));
        if (dir.empty()) break;
        if (dir_exists(dir + "/data/sample")) return dir + "/data";
    }
    return "";
}

bool exists(const std::string& p) { return file_exists(p) || dir_exists(p); }

struct Found { std::string folder; Format format; };

Found locate(const std::string& name, Split split, const std::string& data_dir, std::vector<std::string>& tried) {
    std::vector<std::string> roots = data_roots(data_dir);
    // The embedded sample ships with the program, so an explicit --data-dir does not hide it.
    const std::string checkout = checkout_data_dir();
    if (name == "mnist-sample" && !checkout.empty() && roots.back() != checkout) roots.push_back(checkout);
    if (name == "fashion-mnist" && data_dir.empty()) roots.push_back("/usr/share/datasets");
    for (const Candidate& c : candidates(name, split)) {
        std::vector<std::string> folders;
        for (const std::string& r : roots) folders.push_back(r + "/" + c.sub);
        // A name that is itself a path to an image folder ("../photos") is tried as is, first.
        if (c.format == Format::ImageFolder && c.sub == name) folders.insert(folders.begin(), name);
        for (const std::string& f : folders) {
            if (std::find(tried.begin(), tried.end(), f) != tried.end()) continue;
            tried.push_back(f);
            for (const std::string& p : c.probes)
                if (exists(f + "/" + p)) return {f, c.format};
        }
    }
    return {"", Format::Idx};
}

}  // namespace

const std::vector<std::string>& known_datasets() {
    static const std::vector<std::string> names = {"mnist", "mnist-sample", "fashion-mnist", "cifar10", "cifar100", "stsb"};
    return names;
}

std::vector<std::string> data_roots(const std::string& data_dir) {
    std::vector<std::string> roots;
    auto add = [&](const std::string& r) {
        if (!r.empty() && std::find(roots.begin(), roots.end(), r) == roots.end()) roots.push_back(r);
    };
    // An explicit folder is the only one searched, as torchvision's root= is: silently training on
    // a copy found elsewhere is worse than an error naming the folder the user gave.
    if (!data_dir.empty()) return {data_dir};
    if (const char* env = std::getenv("CONTRAST_DATA")) add(env);
    add("data");
    add(checkout_data_dir());
    return roots;
}

std::string find_dataset(const std::string& name, Split split, const std::string& data_dir) {
    std::vector<std::string> tried;
    const Found f = locate(name, split, data_dir, tried);
    if (!f.folder.empty()) return f.folder;
    std::ostringstream list;
    for (size_t i = 0; i < tried.size(); ++i) list << (i ? ", " : "") << tried[i];
    CT_THROW(IoError, "data: dataset '" << name << "' (" << split_name(split) << ") not found; searched "
                      << list.str() << "; run 'make data' (or scripts/get_data.sh --from ../shared/data), "
                      << "pass --data-dir DIR or set CONTRAST_DATA (known names: mnist, mnist-sample, "
                      << "fashion-mnist, cifar10, cifar100, stsb, or an image folder with train/ and test/)");
}

Dataset load_dataset(const std::string& name, Split split, const std::string& data_dir,
                     const ImageFolderOptions& image_options) {
    std::vector<std::string> tried;
    const Found f = locate(name, split, data_dir, tried);
    if (f.folder.empty()) find_dataset(name, split, data_dir);   // throws the full message
    CT_CHECK_AS(ValueError, f.format != Format::StsbTsv,
                "data: " << name << " holds sentence pairs, not images: train on it with --method simcse|sts-regression");
    if (f.format == Format::ImageFolder) {   // decodes only the images a limit picks
        Dataset ds = load_image_folder(f.folder + "/" + split_name(split), image_options);
        ds.name = name + " " + split_name(split);
        return ds;
    }
    const Dataset ds = f.format == Format::CifarBinary10    ? load_cifar10(f.folder, split)
                       : f.format == Format::CifarBinary100 ? load_cifar100(f.folder, split)
                       : name == "fashion-mnist"            ? load_fashion_mnist(f.folder, split)
                                                            : load_mnist(f.folder, split);
    return image_options.limit > 0 ? ds.evenly_spaced(image_options.limit) : ds;   // the same pick
}

}  // namespace ct
