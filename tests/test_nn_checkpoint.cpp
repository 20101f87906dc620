// Checkpoints in the safetensors format: bit-exact round trips, a file written byte by byte from
// the format's specification, every kind of damaged or mismatched file rejected with its own
// message (and the model left untouched), atomic writes, and bit-exact training resume.
//
// Checked once by hand against PyTorch 1.13 (/usr/bin/python3; the safetensors package is not
// installed, so the file was parsed from the spec: n = struct.unpack('<Q', raw[:8])[0];
// header = json.loads(raw[8:8+n]); each tensor = torch.frombuffer(data[begin:end], dtype)
// .reshape(shape)): a make_e2_simclr(8) checkpoint loads into SimCLRNet((8,16,32),32,16)
// with load_state_dict(strict=True) ("All keys matched"), num_batches_tracked arrives as int64, and
// both models give the same outputs in eval mode. The tests below need no Python.
// Run: ./build/tests -tc="*nn checkpoint*"
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/ops.h"
#include "nn/activations.h"
#include "nn/basic_layers.h"
#include "nn/batchnorm.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"
#include "nn/models.h"
#include "nn/optim.h"
#include "nn/safetensors.h"

using namespace ct;
using namespace ct::nn;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path dir = fs::temp_directory_path() / ("contrast_test_nn_ckpt_" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(dir); }
    ~TempDir() { fs::remove_all(dir); }
    std::string file(const std::string& name) const { return (dir / name).string(); }
};

// A safetensors file as the format specifies it: u64 little-endian header size, the JSON padded
// with spaces to a multiple of 8, then the data.
void write_raw(const std::string& path, std::string header, const std::vector<char>& data) {
    header.append((8 - header.size() % 8) % 8, ' ');
    const uint64_t n = header.size();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(header.data(), std::streamsize(n));
    out.write(data.data(), std::streamsize(data.size()));
}

void append(std::vector<char>& bytes, const std::vector<float>& values) {
    const char* p = reinterpret_cast<const char*>(values.data());
    bytes.insert(bytes.end(), p, p + values.size() * sizeof(float));
}

std::shared_ptr<Sequential> linear_bn(Generator& gen) {
    return std::make_shared<Sequential>(std::initializer_list<ModulePtr>{std::make_shared<Linear>(3, 2, gen),
                                                                         std::make_shared<BatchNorm1d>(2)});
}

// A valid two-tensor file for a Sequential{Linear(3,2)}, its header built from pieces the error
// tests replace.
std::string linear_header(const std::string& weight = R"({"dtype":"F32","shape":[2,3],"data_offsets":[8,32]})",
                          const std::string& bias = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})") {
    return R"({"__metadata__":{"format":"pt"},"0.bias":)" + bias + R"(,"0.weight":)" + weight + "}";
}
std::vector<char> linear_data() {
    std::vector<char> d;
    append(d, {0.5f, -0.5f});            // 0.bias
    append(d, {1, 2, 3, -1, 0, 1});      // 0.weight
    return d;
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(float)) == 0;
}
}  // namespace

TEST_CASE("nn checkpoint: save and load round trip is bit-exact, num_batches_tracked as I64") {
    TempDir tmp;
    Generator g1(1), g2(2);
    auto a = make_e2_simclr(4, g1);
    {
        NoGradGuard no_grad;
        (*a)(Tensor::randn({2, 3, 32, 32}, g1));   // running statistics and counters move away from their defaults
    }
    save_checkpoint(tmp.file("a.safetensors"), *a);
    auto b = make_e2_simclr(4, g2);
    load_checkpoint(tmp.file("a.safetensors"), *b);
    const auto sa = a->state_dict(), sb = b->state_dict();
    REQUIRE(sa.size() == sb.size());
    for (size_t i = 0; i < sa.size(); ++i) CHECK_MESSAGE(same_bits(sa[i].second, sb[i].second), sa[i].first);
    CHECK(b->state_dict()[5].first == "encoder.1.num_batches_tracked");
    CHECK(b->state_dict()[5].second.item() == 1.f);

    const SafetensorsFile f = read_safetensors(tmp.file("a.safetensors"));
    CHECK(f.metadata.at("format") == "pt");
    for (const StoredTensor& t : f.tensors)
        CHECK(t.dtype == (t.name.find("num_batches_tracked") != std::string::npos ? Dtype::I64 : Dtype::F32));
    // Files this writer makes start their data 8-byte aligned, as the safetensors library's do.
    std::ifstream in(tmp.file("a.safetensors"), std::ios::binary);
    uint64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), 8);
    CHECK(n % 8 == 0);
}

TEST_CASE("nn checkpoint: a file written byte by byte from the safetensors specification loads") {
    // As safetensors.torch.save_file lays it out: __metadata__ {"format":"pt"}, data sorted by dtype
    // (I64 before F32) and then by name; the I64 counter is 0-d, as PyTorch's.
    TempDir tmp;
    const std::string header =
        R"({"__metadata__":{"format":"pt"},)"
        R"("1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
        R"("0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
        R"("0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]},)"
        R"("1.bias":{"dtype":"F32","shape":[2],"data_offsets":[40,48]},)"
        R"("1.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[48,56]},)"
        R"("1.running_var":{"dtype":"F32","shape":[2],"data_offsets":[56,64]},)"
        R"("1.weight":{"dtype":"F32","shape":[2],"data_offsets":[64,72]}})";
    std::vector<char> data;
    const int64_t count = 7;
    data.insert(data.end(), reinterpret_cast<const char*>(&count), reinterpret_cast<const char*>(&count) + 8);
    append(data, {0.5f, -0.5f});
    append(data, {1, 2, 3, -1, 0, 1});
    append(data, {0, 1});    // BN bias
    append(data, {9.5f, 0.5f});   // running_mean: eval subtracts it from the Linear output
    append(data, {4, 0.25f});    // running_var
    append(data, {1, 2});    // BN weight
    write_raw(tmp.file("py.safetensors"), header, data);

    Generator gen(0);
    auto net = linear_bn(gen);
    load_checkpoint(tmp.file("py.safetensors"), *net);
    CHECK(net->state_dict()[6].second.item() == 7.f);
    net->eval();
    // Linear: [1,1,2] -> [9.5, 0.5] (1+2+6+0.5, -1+0+2-0.5); BN eval: (9.5-9.5)/2*1+0 = 0, (0.5-0.5)/0.5*2+1 = 1
    Tensor y = (*net)(Tensor::from_vector({1, 1, 2}, {1, 3}));
    CHECK(y.at({0, 0}) == doctest::Approx(0.0).epsilon(1e-5));
    CHECK(y.at({0, 1}) == doctest::Approx(1.0).epsilon(1e-4));
}

TEST_CASE("nn checkpoint: damaged and mismatched files are rejected, each with its own message") {
    TempDir tmp;
    Generator gen(0);
    auto net = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{std::make_shared<Linear>(3, 2, gen)});
    const auto before = net->state_dict()[0].second.to_vector();
    const std::string path = tmp.file("bad.safetensors");
    auto load = [&] { load_checkpoint(path, *net); };
    bool valid = false;

    SUBCASE("the valid file loads (the baseline the others damage)") {
        write_raw(path, linear_header(), linear_data());
        load();
        valid = true;
        CHECK(net->state_dict()[0].second.to_vector() == std::vector<float>{1, 2, 3, -1, 0, 1});
    }
    SUBCASE("missing file") {
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("bad.safetensors: cannot open: No such file"), IoError);
    }
    SUBCASE("truncated inside the data") {
        auto d = linear_data();
        d.resize(d.size() - 4);
        write_raw(path, linear_header(), d);
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensor '0.weight': data_offsets [8, 32) lie outside the data section of 28 bytes"),
                             IoError);
    }
    SUBCASE("truncated inside the header, and shorter than the length field") {
        write_raw(path, linear_header(), linear_data());
        fs::resize_file(path, 40);
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("exceeds the file size 40 (truncated or corrupted)"), IoError);
        fs::resize_file(path, 5);
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("file is 5 bytes, too short for the 8-byte header length"), IoError);
    }
    SUBCASE("oversized header length") {
        std::ofstream out(path, std::ios::binary);
        const uint64_t n = uint64_t(1) << 40;
        out.write(reinterpret_cast<const char*>(&n), 8);
        out << "{}";
        out.close();
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("header length 1099511627776 is over the 100 MB limit"), IoError);
    }
    SUBCASE("header is not JSON") {
        write_raw(path, "{\"0.bias\": [1, 2", linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("header is not valid JSON"), IoError);
    }
    SUBCASE("overlapping offsets") {
        write_raw(path, linear_header(R"({"dtype":"F32","shape":[2,3],"data_offsets":[4,28]})"), linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensors '0.bias' and '0.weight' overlap (bytes [0, 8) and [4, 28))"),
                             IoError);
    }
    SUBCASE("offsets that do not fit the shape, and bytes left over") {
        write_raw(path, linear_header(R"({"dtype":"F32","shape":[2,2],"data_offsets":[8,32]})"), linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensor '0.weight' of shape [2, 2] F32 needs 16 bytes but its data_offsets span 24"),
                             IoError);
        write_raw(path, linear_header(R"({"dtype":"F32","shape":[2,2],"data_offsets":[8,24]})"), linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("the data section has 32 bytes but the tensors cover 24"), IoError);
    }
    SUBCASE("a shape whose element count wraps around 64 bits") {
        // 2^32 * 2^32 = 2^64 is 0 in uint64 arithmetic: it matched the 0-byte span and gave a
        // [2^32, 2^32] tensor on no data before the product was overflow-checked.
        write_raw(path, R"({"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("0.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[8,8]}})",
                  std::vector<char>(8));
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("bad.safetensors: tensor '0.weight': shape [4294967296,4294967296] "
                                                       "has more than 2^40 elements"),
                             IoError);
        write_raw(path, R"({"0.weight":{"dtype":"I64","shape":[1099511627776],"data_offsets":[0,0]}})", {});
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensor '0.weight' of shape [1099511627776] I64 needs "
                                                       "8796093022208 bytes but its data_offsets span 0"),
                             IoError);
    }
    SUBCASE("wrong dtype") {
        write_raw(path, linear_header(R"({"dtype":"F16","shape":[2,3],"data_offsets":[8,32]})"), linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensor '0.weight' has dtype F16; contrast reads F32"), IoError);
        write_raw(path, linear_header(R"({"dtype":"F32","shape":[2,3],"data_offsets":[8,32]})",
                                      R"({"dtype":"I64","shape":[1],"data_offsets":[0,8]})"),
                  linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("tensor '0.bias' is I64 but contrast expects F32"), IoError);
    }
    SUBCASE("wrong shape") {
        write_raw(path, linear_header(R"({"dtype":"F32","shape":[3,2],"data_offsets":[8,32]})"), linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("bad.safetensors does not match the model: wrong shape (1): 0.weight is [3, 2] but the model has [2, 3]"),
                             ShapeError);
    }
    SUBCASE("missing and unexpected tensors are listed by name") {
        write_raw(path, R"({"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"1.weight":{"dtype":"F32","shape":[6],"data_offsets":[8,32]}})",
                  linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("missing (1): 0.weight; unexpected (1): 1.weight;"), ShapeError);
    }
    SUBCASE("metadata that is not a string") {
        std::string header = linear_header();
        header.replace(header.find(R"({"format":"pt"})"), 15, R"({"epoch":3})");
        write_raw(path, header, linear_data());
        CHECK_THROWS_WITH_AS(load(), doctest::Contains("__metadata__ value of 'epoch' is not a string"), IoError);
    }
    if (!valid) CHECK(net->state_dict()[0].second.to_vector() == before);   // a failed load changed nothing
}

TEST_CASE("nn checkpoint: writes are atomic") {
    TempDir tmp;
    Generator gen(0);
    auto net = linear_bn(gen);
    save_checkpoint(tmp.file("ok.safetensors"), *net);
    save_checkpoint(tmp.file("ok.safetensors"), *net);   // replacing an existing checkpoint
    // Only the final file is left: the temporary one was renamed over it.
    CHECK(std::distance(fs::directory_iterator(tmp.dir), fs::directory_iterator{}) == 1);
    // A save that cannot complete (here the rename: the target is a non-empty folder) throws,
    // removes its temporary file and leaves what was at the target alone.
    fs::create_directories(tmp.dir / "busy" / "keep");
    CHECK_THROWS_WITH_AS(save_checkpoint(tmp.file("busy"), *net), doctest::Contains("cannot rename"), IoError);
    CHECK(fs::exists(tmp.dir / "busy" / "keep"));
    CHECK(std::distance(fs::directory_iterator(tmp.dir), fs::directory_iterator{}) == 2);
    CHECK_THROWS_WITH_AS(save_checkpoint(tmp.file("no/such/dir/x.safetensors"), *net), doctest::Contains("cannot create"),
                         IoError);
}

TEST_CASE("nn checkpoint: resuming from a training checkpoint continues bit-exactly") {
    TempDir tmp;
    // Linear, BN, ReLU, Dropout, Linear with Adam: optimizer moments, BN running statistics, the
    // dropout stream and the data stream must all be restored for the losses to match bit for bit.
    struct Run {
        Generator init{5}, data{77};
        std::shared_ptr<Dropout> drop = std::make_shared<Dropout>(0.2f, 9);
        std::shared_ptr<Sequential> net;
        std::unique_ptr<Adam> opt;
        explicit Run(uint64_t init_seed) : init(init_seed) {
            net = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                std::make_shared<Linear>(4, 8, init), std::make_shared<BatchNorm1d>(8), std::make_shared<ReLU>(), drop,
                std::make_shared<Linear>(8, 2, init)});
            AdamOptions o;
            o.lr = 0.05f;
            opt = std::make_unique<Adam>(net->named_parameters(), o);
        }
        float step() {
            Tensor x = Tensor::randn({6, 4}, data);
            std::vector<int64_t> y;
            for (int64_t i = 0; i < 6; ++i) y.push_back(x.at({i, 0}) > 0);
            opt->zero_grad();
            Tensor loss = cross_entropy((*net)(x), y);
            loss.backward();
            opt->step();
            return loss.item();
        }
    };
    Run straight(5);
    std::vector<float> losses;
    for (int s = 0; s < 6; ++s) losses.push_back(straight.step());

    Run first(5);
    for (int s = 0; s < 3; ++s) CHECK(first.step() == losses[size_t(s)]);
    TrainingState saved;
    saved.optimizer = first.opt->state_tensors();
    saved.epoch = 1;
    saved.step = 3;
    saved.generators = {{"data", first.data.state()}, {"dropout", first.drop->generator().state()}};
    saved.config_json = R"({"optimizer":"adam","lr":0.05})";
    save_checkpoint(tmp.file("run.safetensors"), *first.net, &saved);

    Run resumed(99);   // different initial weights and streams: everything must come from the file
    TrainingState st;
    load_checkpoint(tmp.file("run.safetensors"), *resumed.net, &st);
    resumed.opt->load_state_tensors(st.optimizer, "run.safetensors");
    resumed.data.set_state(st.generators.at("data"));
    resumed.drop->generator().set_state(st.generators.at("dropout"));
    CHECK(st.epoch == 1);
    CHECK(st.step == 3);
    CHECK(st.config_json == saved.config_json);
    for (int s = 3; s < 6; ++s) CHECK(resumed.step() == losses[size_t(s)]);   // exact float equality
    const auto a = straight.net->state_dict(), b = resumed.net->state_dict();
    for (size_t i = 0; i < a.size(); ++i) CHECK_MESSAGE(same_bits(a[i].second, b[i].second), a[i].first);

    SUBCASE("a damaged generator state in the metadata is reported") {
        const SafetensorsFile f = read_safetensors(tmp.file("run.safetensors"));
        Metadata meta = f.metadata;
        meta["contrast.generator.data"] = "12 zz";
        write_safetensors(tmp.file("meta.safetensors"), f.tensors, meta);
        CHECK_THROWS_WITH_AS(load_checkpoint(tmp.file("meta.safetensors"), *resumed.net, &st),
                             doctest::Contains("metadata 'contrast.generator.data' = '12 zz' is not four hexadecimal 64-bit words"),
                             IoError);
    }
}
