// The model zoo against docs/REFERENCE.md: parameter counts, output shapes, state_dict
// keys equal to the PyTorch peer's (docs/REFERENCE.md), the CIFAR ResNet, and Siamese
// weight sharing. Run: ./build/tests -tc="*nn models*"
#include <doctest/doctest.h>

#include "core/ops.h"
#include "nn/models.h"
#include "nn/resnet.h"

using namespace ct;
using namespace ct::nn;

namespace {
std::vector<std::string> keys(const Module& m) {
    std::vector<std::string> out;
    for (auto& [n, t] : m.state_dict()) out.push_back(n);
    return out;
}
}  // namespace

TEST_CASE("nn models: E1 (MNIST ConvNet)") {
    Generator gen(0);
    auto e1 = make_e1(64, gen);
    CHECK(e1->num_parameters() == 871616);   // docs/REFERENCE.md
    // D=2 (DrLIM plot): 871,616 - 256*62 - 62 = 855,682 (PyTorch: sum(p.numel()) of make_e1(2) gives 855682)
    Generator g2(0);
    CHECK(make_e1(2, g2)->num_parameters() == 855682);
    // list(make_e1(64).state_dict()), make_e1 as in docs/REFERENCE.md
    CHECK(keys(*e1) == std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
                                                "9.weight", "9.bias"});
    CHECK((*e1)(Tensor::randn({2, 1, 28, 28}, gen)).shape() == Shape{2, 64});
}

TEST_CASE("nn models: E2 (CIFAR ConvNet) with its projection head") {
    Generator gen(0);
    auto e2 = make_e2(32, gen);
    CHECK(e2->num_parameters() == 287456);
    auto net = make_e2_simclr(32, gen);
    CHECK(net->num_parameters() == 312224);
    CHECK(net->head->num_parameters() == 24768);
    Generator g64(0);
    CHECK(make_e2_simclr(64, g64)->num_parameters() == 1244992);
    // From list(SimCLRNet((32,64,128),128,64).state_dict()): 40 keys; the first 12 and last 4:
    const auto k = keys(*net);
    REQUIRE(k.size() == 40);
    const std::vector<std::string> first{"encoder.0.weight", "encoder.1.weight", "encoder.1.bias",
                                         "encoder.1.running_mean", "encoder.1.running_var",
                                         "encoder.1.num_batches_tracked", "encoder.3.weight", "encoder.4.weight",
                                         "encoder.4.bias", "encoder.4.running_mean", "encoder.4.running_var",
                                         "encoder.4.num_batches_tracked"};
    CHECK(std::vector<std::string>(k.begin(), k.begin() + 12) == first);
    CHECK(k[30] == "encoder.17.weight");   // second conv of stage 3: 7 modules per stage, 2*7 + 3; 12 keys per stage, 24 + 6
    CHECK(std::vector<std::string>(k.end() - 4, k.end()) ==
          std::vector<std::string>{"head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"});
    Tensor x = Tensor::randn({2, 3, 32, 32}, gen);
    auto [h, z] = net->forward_both(x);
    CHECK(h.shape() == Shape{2, 128});
    CHECK(z.shape() == Shape{2, 64});
    CHECK(net->representation(x).shape() == Shape{2, 128});
}

TEST_CASE("nn models: projection heads and the toy MLP") {
    Generator gen(0);
    // 2 layers: 128*128+128 + 128*64+64 = 24,768 (the E2 head); 3 layers with BN: hidden Linears lose
    // their bias: 128*128 + 2*128 (BN) + 128*128 + 2*128 + 128*64 + 64 = 16384+256+16384+256+8192+64 = 41,536
    CHECK(make_projection_head(128, 128, 64, gen)->num_parameters() == 24768);
    auto head3 = make_projection_head(128, 128, 64, gen, 3, true);
    CHECK(head3->num_parameters() == 41536);
    CHECK(head3->size() == 7);
    CHECK((*head3)(Tensor::randn({4, 128}, gen)).shape() == Shape{4, 64});
    auto mlp = make_mlp({2, 16, 16, 3}, gen);
    CHECK(mlp->size() == 5);
    CHECK(mlp->num_parameters() == 2 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
    CHECK_THROWS_WITH_AS(make_projection_head(4, 4, 4, gen, 4), doctest::Contains("layers must be 2 or 3, got 4"),
                         ShapeError);
}

TEST_CASE("nn models: CIFAR ResNet-18") {
    Generator gen(0);
    // PyTorch twin (torchvision names, 3x3 stem, no fc): sum(p.numel()) = 11,168,832 for width 64,
    // 700,176 for width 16; its state_dict has 120 entries.
    CHECK(ResNetCifar(64, gen).num_parameters() == 11168832);
    ResNetCifar small(16, gen);
    CHECK(small.num_parameters() == 700176);
    const auto k = keys(small);
    CHECK(k.size() == 120);
    CHECK(k[0] == "conv1.weight");
    CHECK(std::find(k.begin(), k.end(), "layer2.0.downsample.0.weight") != k.end());
    CHECK(std::find(k.begin(), k.end(), "layer4.1.bn2.running_var") != k.end());
    CHECK(std::find(k.begin(), k.end(), "layer1.0.downsample.0.weight") == k.end());   // identity shortcut
    CHECK(small.out_features() == 128);
    ResNetCifar tiny(4, gen, {1, 1});
    CHECK(tiny(Tensor::randn({2, 3, 8, 8}, gen)).shape() == Shape{2, 8});
}

TEST_CASE("nn models: Siamese weight sharing sums the two branches' gradients") {
    Generator gen(4);
    SiameseNet net(make_mlp({3, 5, 2}, gen));
    Tensor x1 = Tensor::randn({4, 3}, gen), x2 = Tensor::randn({4, 3}, gen);
    auto loss_of = [](const Tensor& a, const Tensor& b) { return sum(square(a - b) * Tensor::arange(1.f, 3.f)); };
    auto grads = [&](int branch) {   // 0: both branches; 1 or 2: the other branch's output detached
        net.zero_grad();
        auto [e1, e2] = net.forward_pair(x1, x2);
        loss_of(branch == 2 ? e1.detach() : e1, branch == 1 ? e2.detach() : e2).backward();
        std::vector<std::vector<float>> g;
        for (const Tensor& p : net.parameters()) g.push_back(p.grad().to_vector());
        return g;
    };
    const auto both = grads(0), one = grads(1), two = grads(2);
    CHECK(net.named_parameters()[0].first == "encoder.0.weight");
    for (size_t p = 0; p < both.size(); ++p)
        for (size_t i = 0; i < both[p].size(); ++i) CHECK(both[p][i] == doctest::Approx(one[p][i] + two[p][i]));
    CHECK(one[0] != two[0]);   // both branches really contribute
    CHECK(net(x1).shape() == Shape{4, 2});
}
