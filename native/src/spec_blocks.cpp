// The spec blocks every chapter shares (data, model, train, input transform), each field declared
// once and both read and written from that declaration, and the work limit every chapter checks.
#include "bnlab/error.h"
#include "bnlab/spec.h"

namespace bnlab {

namespace {
// The common blocks' fields, each declared once (read by read_X, written by to_json).
template <class Io, class D>
void data_fields(Io& io, D& d) {
  io.choice("kind", d.kind, {"moons", "circles", "spirals", "xor", "blobs"}, "the 2-D data set (DESIGN section 1)");
  io.integer("n_train", d.n_train, 2, 100000, "training examples drawn from the data set");
  io.integer("n_test", d.n_test, 1, 100000, "test examples, drawn independently of the training set");
  io.number("noise", d.noise, 0.0, 2.0, "standard deviation of the Gaussian noise added to each point");
  io.number("label_flip", d.label_flip, 0.0, 0.5, "fraction of training labels replaced by a random other class");
  io.integer("classes", d.classes, 2, 8, "number of classes (blobs and spirals; moons, circles and xor have 2)");
}

template <class Io, class T>
void train_fields(Io& io, T& t) {
  io.choice("optimizer", t.optimizer.kind, {"sgd", "adam"}, "the optimizer");
  io.positive("lr", t.optimizer.lr, 0.0, 10.0, "learning rate");
  io.number("momentum", t.optimizer.momentum, 0.0, 0.999, "SGD momentum (heavy ball; unused by adam)");
  io.number("weight_decay", t.optimizer.weight_decay, 0.0, 1.0, "L2 weight decay added to the gradient");
  io.integer("batch_size", t.batch_size, 1, 100000, "mini-batch size m");
}

template <class Io, class T>
void transform_fields(Io& io, T& t) {
  io.number("tx", t.tx, -100.0, 100.0, "shift of the inputs along x");
  io.number("ty", t.ty, -100.0, 100.0, "shift of the inputs along y");
  io.positive("scale", t.scale, 0.0, 100.0, "uniform scale of the inputs");
  io.positive("sx", t.sx, 0.0, 100.0, "scale along x, before the rotation");
  io.positive("sy", t.sy, 0.0, 100.0, "scale along y, before the rotation");
  io.number("rotate_deg", t.rotate_deg, -360.0, 360.0, "rotation of the inputs in degrees (x' = scale * R (sx x, sy y) + (tx, ty))");
}
// A whole block read (every field, then no other) or written by its fields function.
template <class T, class Fields>
T read_block(SpecReader& r, T value, Fields fields) {
  FieldReader in(r);
  fields(in, value);
  r.finish();
  return value;
}
template <class T, class Fields>
json write_block(const T& value, Fields fields) {
  json j;
  FieldWriter out(j);
  fields(out, value);
  return j;
}
const auto kData = [](auto& io, auto& d) { data_fields(io, d); };
const auto kTrain = [](auto& io, auto& t) { train_fields(io, t); };
const auto kTransform = [](auto& io, auto& t) { transform_fields(io, t); };
}  // namespace

DataConfig read_data(SpecReader r, DataConfig d) {
  d = read_block(r, d, kData);
  d.validate();
  return d;
}

json to_json(const DataConfig& d) { return write_block(d, kData); }

MlpConfig read_model(SpecReader r, MlpConfig m, const DataConfig& data, bool with_bn) {
  m.inputs = 2;
  m.outputs = data.num_classes();
  m.hidden = r.integers("hidden", m.hidden, 1, 16, 1, 1024, "units of each hidden layer, input side first");
  m.activation = activation_from_name(
      r.choice("activation", activation_name(m.activation), {"relu", "tanh", "sigmoid"}, "the hidden layers' nonlinearity"));
  if (with_bn) m.batch_norm = r.boolean("batch_norm", m.batch_norm, "batch norm between each hidden linear layer and its activation");
  m.dropout = r.number("dropout", m.dropout, 0.0, 0.95, "inverted-dropout drop probability after each hidden activation (0 = off)");
  m.bn_momentum = r.number("bn_momentum", m.bn_momentum, 0.0, 1.0, "weight of the newest batch in the running mean/variance (PyTorch's convention)");
  m.bn_eps = r.positive("bn_eps", m.bn_eps, 0.0, 1.0, "epsilon added to the variance before the square root");
  m.ghost_batch = r.integer("ghost_batch", m.ghost_batch, 0, 100000, "ghost batch norm: normalize over groups of this many examples (0 = off, else >= 2)");
  if (m.ghost_batch == 1) throw Error(r.field("ghost_batch") + " = 1: must be 0 (off) or >= 2");
  m.init_std = r.number("init_std", m.init_std, 0.0, 10.0, "standard deviation of the initial weights (0 = He for relu, Glorot otherwise)");
  r.finish();
  if (with_bn) m.validate();
  return m;
}

json to_json(const MlpConfig& m, bool with_bn) {
  json j = {{"hidden", m.hidden},         {"activation", activation_name(m.activation)},
            {"dropout", m.dropout},       {"bn_momentum", m.bn_momentum},
            {"bn_eps", m.bn_eps},         {"ghost_batch", m.ghost_batch}};
  if (with_bn) j["batch_norm"] = m.batch_norm;
  if (m.init_std > 0.0) j["init_std"] = m.init_std;  // written only when set: 0 (He / Glorot) is every other chapter's default
  return j;
}

TrainConfig read_train(SpecReader r, TrainConfig t) {
  t = read_block(r, t, kTrain);
  t.optimizer.validate();
  return t;
}

json to_json(const TrainConfig& t) { return write_block(t, kTrain); }

InputTransform read_transform(SpecReader r, InputTransform t) { return read_block(r, t, kTransform); }

json to_json(const InputTransform& t) { return write_block(t, kTransform); }

void check_work(double multiply_adds, const std::string& what) {
  if (multiply_adds > kMaxWork) {
    throw Error(what + " = " + message_text(multiply_adds) + " multiply-adds: more than the limit of " +
                message_text(kMaxWork) + " (fewer steps, epochs, seeds or smaller layers)");
  }
}

double eval_cost(const MlpConfig& m) { return static_cast<double>(m.num_params()); }
double train_cost(const MlpConfig& m) { return 3.0 * static_cast<double>(m.num_params()); }

}  // namespace bnlab
