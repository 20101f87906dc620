// Finding a dataset by name: in --data-dir alone when one is given; otherwise in $CONTRAST_DATA,
// then ./data, then the data/ folder of the checkout the executable was built in (so the embedded
// sample works from any directory, with or without --data-dir), and for fashion-mnist also Debian's
// /usr/share/datasets/fashion-mnist. The error
// for a missing dataset names every folder searched and how to fetch the data.
#pragma once
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/image_folder.h"

namespace ct {

// Names: mnist, mnist-sample (2,000 + 1,000 digits committed in data/sample), fashion-mnist,
// cifar10 (official binary, else the JPEG folder cifar10-jpg), cifar100, stsb (the STS Benchmark's
// train/dev/test.tsv in one folder: find_dataset gives the folder, data/stsb.h reads it; load_dataset
// refuses it, it holds no images); any other name is an
// image folder <root>/<name>/{train,test}/<class>/, and an existing path to such a folder works too.
const std::vector<std::string>& known_datasets();

// The folders searched, in order, without duplicates (existing or not).
std::vector<std::string> data_roots(const std::string& data_dir = "");

// The folder holding `name`'s files for `split`; ct::IoError naming every folder tried if none.
std::string find_dataset(const std::string& name, Split split, const std::string& data_dir = "");

// find_dataset, then the matching reader. image_options apply to image-folder datasets (cifar10-jpg),
// except limit, which every format honours with the pick of Dataset::evenly_spaced (an image
// folder decodes only the picked images).
Dataset load_dataset(const std::string& name, Split split, const std::string& data_dir = "",
                     const ImageFolderOptions& image_options = {});

}  // namespace ct
