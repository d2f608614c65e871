// BatchNorm1d against an independent implementation: torch.nn.BatchNorm1d, numbers made by
// scripts/torch_reference.py (run it with /usr/bin/python3 to regenerate them) and pasted below.
//
// Tolerances, from the precision of the arithmetic (u = unit roundoff; inputs are float32 values,
// so both builds see exactly the inputs torch saw):
//   double, u = 1.1e-16: a mean or variance over m = 6 values carries a relative error of about
//     m u; normalising, the affine map and the backward's two reductions add a few u each. The
//     outputs are O(1), so rtol = atol = 1e-12 (about 10^4 u) is loose by orders of magnitude
//     yet catches any formula error (those show at 1e-2 or more).
//   float, u = 6.0e-8: the same chain in float is about 10..30 u, so rtol = atol = 2e-5 (about
//     300 u, room for the ill-conditioned (x - mean) of the smallest-variance feature).
//   Running statistics are kept in double by the core whatever T is, but come from float batch
//     statistics under T = float: the same 2e-5.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "bnlab/batch_norm.h"
#include "support.h"

using namespace bnlab;
using namespace bnlab::test;

namespace {

MatD rows(int r, int c, std::initializer_list<double> values) {
  MatD m(r, c);
  auto it = values.begin();
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j) m(i, j) = *it++;
  return m;
}

struct TorchReference {
  // torch 1.13.0a0, torch.nn.BatchNorm1d(3, eps=1e-5, momentum=0.1), float64;
  // made by scripts/torch_reference.py (seed 20261201)
  const MatD x0 = rows(3, 6, {
      -5.3201107978820801, -1.0870354175567627, -5.2203421592712402, 0.65076225996017456, 2.4462065696716309, 0.71534872055053711,
      4.3519783020019531, -0.35981297492980957, 3.1628897190093994, 2.2317495346069336, 0.054815888404846191, -1.8460676670074463,
      -0.042339086532592773, 1.5730826854705811, 3.8691797256469727, 0.08964383602142334, -0.3965613842010498, -1.9930160045623779});
  const MatD x1 = rows(3, 6, {
      -3.7540876865386963, -3.4540567398071289, -2.4950141906738281, -1.7806814908981323, -2.7226166725158691, -2.5022320747375488,
      -3.7149810791015625, -3.5806944370269775, -3.5549666881561279, -2.2258167266845703, -3.3707518577575684, -2.5732212066650391,
      -3.1717534065246582, -2.0114848613739014, -3.4814844131469727, -2.2287101745605469, -2.8293294906616211, -2.789581298828125});
  const MatD x2 = rows(3, 6, {
      -0.47547614574432373, -0.30931210517883301, 1.5494281053543091, 0.024789661169052124, 1.4954577684402466, 0.40756016969680786,
      0.64338004589080811, -0.62195515632629395, 1.4595530033111572, 1.6640915870666504, -0.17832151055335999, 0.30432778596878052,
      -1.092054009437561, -0.57496500015258789, 1.7492022514343262, -0.81555008888244629, 3.1124486923217773, 0.21714077889919281});
  const MatD xe = rows(3, 6, {
      0.87961006164550781, 0.38017398118972778, 0.35831582546234131, 1.5690461397171021, 2.260859489440918, -0.037834107875823975,
      0.19097700715065002, -1.1910650730133057, -1.1484017372131348, -0.47060006856918335, 0.37031438946723938, -0.9549868106842041,
      1.0247740745544434, -1.5988171100616455, 1.0124161243438721, 2.1359403133392334, 1.9732122421264648, -1.0214325189590454});
  const MatD dy = rows(3, 6, {
      0.85681939125061035, -1.1842007637023926, 0.24141356348991394, -0.1145503893494606, -0.25035619735717773, -0.5702168345451355,
      -1.0302618741989136, -0.84327471256256104, 1.0487847328186035, -0.84551244974136353, 0.63907742500305176, -0.28751188516616821,
      -0.70234107971191406, -0.049494333565235138, -0.4455069899559021, 0.92418414354324341, -1.279496431350708, -0.15316107869148254});
  const MatD gamma = rows(3, 1, {1.5, -0.75, 0.5});
  const MatD beta = rows(3, 1, {0.25, 1, -2});
  const MatD y_train = rows(3, 6, {
      -1.7685917322862956, 0.35827220455774678, -1.7184640354170955, 1.231410260879829, 2.1335122576185861, 1.2638610446472289,
      -0.074316987636032728, 1.5659522111326722, 0.33962863572788971, 0.66377723961208845, 1.421611574318389, 2.0833473268449931,
      -2.153155637167357, -1.7105632240243498, -1.0814797565147953, -2.1169950249983054, -2.2502052772249721, -2.6876010800702215});
  const MatD dx = rows(3, 6, {
      0.25342892708644704, -0.49539909133352422, -0.049254644262904761, 0.15561260545587222, 0.20472320670884409, -0.06911100365473434,
      0.26228250341353776, 0.22751298492279537, -0.45382256879192651, 0.21161303077453053, -0.29119206998904085, 0.043606119670103638,
      -0.11449590130738996, 0.064260736360657669, -0.044394915324819172, 0.3311296446315658, -0.27260050869759916, 0.036100944337584852});
  const MatD dgamma = rows(3, 1, {-2.3300593423290605, -0.23897996931964102, 0.0027207236356341221});
  const MatD dbeta = rows(3, 1, {-1.0210912302136421, -1.3186987638473511, -1.7058157697319984});
  const MatD running_mean = rows(3, 1, {-0.31126101472973827, -0.12824858784675597, -0.16256491568684581});
  const MatD running_var = rows(3, 1, {1.7198132459988305, 1.2952185569974235, 1.3575840037011444});
  const MatD y_eval = rows(3, 6, {
      1.6121160144945648, 1.0408619997645496, 1.0158606838755007, 2.4006916559233886, 3.191986416031416, 0.56274516277030984,
      0.78962905252125914, 1.700400326553793, 1.6722850171439743, 1.2256109989266748, 0.67144499827396542, 1.5448238047974114,
      -1.4904817100061065, -2.6163334718159224, -1.4957848304383263, -1.0136511447355103, -1.0834820264464571, -2.368562606085626});
  // num_batches_tracked = 3
};

// The same sequence as scripts/torch_reference.py, in the core's scalar T.
template <typename T>
void check_against_torch(double tol) {
  const TorchReference ref;
  BatchNorm1d<T> bn(3, 0.1, 1e-5);
  bn.gamma = ref.gamma.cast<T>();
  bn.beta = ref.beta.cast<T>();

  const MatD y_train = bn.forward(ref.x0.cast<T>(), Mode::Train, BnStats::Batch).template cast<double>();
  const MatD dx = bn.backward(ref.dy.cast<T>()).template cast<double>();
  CHECK_THAT(y_train, AllClose(ref.y_train, tol, tol));
  CHECK_THAT(dx, AllClose(ref.dx, tol, tol));
  CHECK_THAT(MatD(bn.dgamma.template cast<double>()), AllClose(ref.dgamma, tol, tol));
  CHECK_THAT(MatD(bn.dbeta.template cast<double>()), AllClose(ref.dbeta, tol, tol));

  bn.forward(ref.x1.cast<T>(), Mode::Train, BnStats::Batch);
  bn.forward(ref.x2.cast<T>(), Mode::Train, BnStats::Batch);
  CHECK(bn.num_batches_tracked == 3);
  CHECK_THAT(MatD(bn.running_mean), AllClose(ref.running_mean, tol, tol));
  CHECK_THAT(MatD(bn.running_var), AllClose(ref.running_var, tol, tol));

  const MatD y_eval = bn.forward(ref.xe.cast<T>(), Mode::Eval, BnStats::Running).template cast<double>();
  CHECK_THAT(y_eval, AllClose(ref.y_eval, tol, tol));
}

}  // namespace

TEST_CASE("BatchNorm1d in double matches torch.nn.BatchNorm1d: training and eval forward, running stats, backward",
          "[batch_norm][torch]") {
  check_against_torch<double>(1e-12);
}

TEST_CASE("BatchNorm1d in float matches torch.nn.BatchNorm1d to float precision", "[batch_norm][torch]") {
  check_against_torch<float>(2e-5);
}
