// nn::Module: hierarchical names (PyTorch's state_dict keys), buffers, train/eval, zero_grad,
// load_state_dict validation and the summary table. Run: ./build/tests -tc="*nn module*"
#include <doctest/doctest.h>

#include "core/ops.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/models.h"
#include "nn/sequential.h"

using namespace ct;
using namespace ct::nn;

namespace {
// A two-level model: names must come out as "encoder.0.weight", "encoder.1.running_mean", "fc.bias".
struct Tiny : Module {
    explicit Tiny(Generator& gen) {
        encoder = register_module("encoder", std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                                  std::make_shared<Linear>(3, 4, gen), std::make_shared<BatchNorm1d>(4),
                                                  std::make_shared<ReLU>()}));
        fc = register_module("fc", std::make_shared<Linear>(4, 2, gen));
    }
    Tensor forward(const Tensor& x) override { return (*fc)((*encoder)(x)); }
    std::string type_name() const override { return "Tiny"; }
    std::shared_ptr<Sequential> encoder;
    std::shared_ptr<Linear> fc;
};

std::vector<std::string> names(const NamedTensors& ts) {
    std::vector<std::string> out;
    for (auto& [n, t] : ts) out.push_back(n);
    return out;
}
}  // namespace

TEST_CASE("nn module: hierarchical names in PyTorch's state_dict order") {
    Generator gen(0);
    Tiny m(gen);
    CHECK(names(m.named_parameters()) ==
          std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias", "fc.weight",
                                   "fc.bias"});
    CHECK(names(m.named_buffers()) ==
          std::vector<std::string>{"encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked"});
    // PyTorch: for Tiny's twin, list(m.state_dict()) gives exactly this order (own params, own buffers, children).
    CHECK(names(m.state_dict()) ==
          std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "encoder.1.weight", "encoder.1.bias",
                                   "encoder.1.running_mean", "encoder.1.running_var", "encoder.1.num_batches_tracked",
                                   "fc.weight", "fc.bias"});
    CHECK(m.num_parameters() == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2);
    auto mods = m.named_modules();
    REQUIRE(mods.size() == 6);
    CHECK(mods[0].first == "");
    CHECK(mods[2].first == "encoder.0");
    CHECK(mods[5].first == "fc");
    CHECK_THROWS_WITH_AS(m.register_buffer("a.b", Tensor::zeros({1})), doctest::Contains("must be non-empty and contain no '.'"),
                         ShapeError);
}

TEST_CASE("nn module: train/eval reach every child; zero_grad drops the gradients") {
    Generator gen(0);
    Tiny m(gen);
    CHECK(m.encoder->operator[](1)->is_training());
    m.eval();
    CHECK_FALSE(m.is_training());
    CHECK_FALSE(m.encoder->operator[](1)->is_training());
    m.train();
    CHECK(m.fc->is_training());
    sum(m(Tensor::randn({4, 3}, gen))).backward();
    CHECK(m.fc->weight.grad().defined());
    m.zero_grad();
    for (const Tensor& p : m.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("nn module: load_state_dict copies in place and validates everything first") {
    Generator g1(1), g2(2);
    Tiny a(g1), b(g2);
    Tensor handle = b.fc->weight;   // a layer's handle must see the loaded values
    b.load_state_dict(a.state_dict());
    CHECK(handle.to_vector() == a.fc->weight.to_vector());
    CHECK(b.encoder->operator[](0)->parameters()[0].to_vector() == a.encoder->operator[](0)->parameters()[0].to_vector());

    SUBCASE("missing, unexpected and wrong shape are all listed, and nothing is half-loaded") {
        Generator g3(3);
        Tiny c(g3);
        const auto before = c.fc->bias.to_vector();
        NamedTensors sd = a.state_dict();
        sd.erase(sd.begin());                                   // encoder.0.weight missing
        sd.emplace_back("extra.weight", Tensor::zeros({1}));    // unexpected
        for (auto& [n, t] : sd)
            if (n == "fc.bias") t = Tensor::zeros({3});         // wrong shape
        CHECK_THROWS_WITH_AS(c.load_state_dict(sd, "ckpt.safetensors"),
                             doctest::Contains("load_state_dict: ckpt.safetensors does not match the model: missing (1): "
                                               "encoder.0.weight; unexpected (1): extra.weight; wrong shape (1): fc.bias is "
                                               "[3] but the model has [2];"),
                             ShapeError);
        CHECK(c.fc->bias.to_vector() == before);
        CHECK(c.fc->weight.to_vector() != a.fc->weight.to_vector());
    }
}

TEST_CASE("nn module: summary lists each layer's output shape and parameters like torchinfo") {
    Generator gen(0);
    auto e1 = make_e1(64, gen);
    e1->train();
    const std::string s = e1->summary({1, 1, 28, 28});
    CHECK(s.find("Sequential") != std::string::npos);
    CHECK(s.find("+-Conv2d") != std::string::npos);
    CHECK(s.find("[1, 32, 28, 28]") != std::string::npos);
    CHECK(s.find("[1, 3136]") != std::string::npos);
    CHECK(s.find("803,072") != std::string::npos);   // Linear(3136,256): 3136*256 + 256
    CHECK(s.find("Total params: 871,616") != std::string::npos);
    CHECK(e1->is_training());                         // the mode is restored
    CHECK(with_thousands(1244992) == "1,244,992");
    CHECK(with_thousands(999) == "999");
    CHECK_THROWS_WITH_AS(e1->summary({1, 3, 28, 28}), doctest::Contains("Conv2d(1, 32): input must be (N,1,H,W)"),
                         ShapeError);
}
