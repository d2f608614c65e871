// The shift chapter's spec: named shifts and sweeps, reading a spec (defaults, ranges, the cost
// check) and writing it back. The experiment itself is in shift.cpp.
#include "bnlab/experiments/shift.h"

#include <string>
#include <vector>

#include "bnlab/detmath.h"
#include "bnlab/error.h"
#include "bnlab/research.h"
#include "bnlab/experiments/common.h"

namespace bnlab {

namespace {

std::vector<double> range(double lo, double step, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(lo + step * i);
  return v;
}

NamedShift read_shift(const json& item, const std::string& path) {
  SpecReader r(item, path);
  NamedShift s;
  const json* name = r.raw("name", "the shift's name in plots and results, 1 to 40 characters, distinct", {{"type", "string"}, {"minLength", 1}, {"maxLength", 40}});
  if (!name || !name->is_string() || name->get<std::string>().empty() || name->get<std::string>().size() > 40)
    throw Error(r.field("name") + " = " + (name ? name->dump() : std::string("null")) +
                ": must be a name of 1 to 40 characters");
  s.name = name->get<std::string>();
  s.transform = read_transform(r, InputTransform{});  // r already knows "name"; read_transform finishes
  s.transform.validate();
  return s;
}

constexpr char kValuesDoc[] =
    "the swept values: distances (translate, in [-100, 100]), factors (scale, anisotropic, in [0.01, 100]) or degrees (rotate, in [-360, 360])";

ShiftSweep read_sweep(const json& item, const std::string& path) {
  SpecReader r(item, path);
  ShiftSweep w;
  w.kind = r.choice("kind", w.kind, {"translate", "scale", "anisotropic", "rotate"}, "what the sweep varies: a shift, the scale, the y scale or the rotation");
  w.direction_deg = r.number("direction_deg", w.kind == "translate" ? 90.0 : 0.0, -360.0, 360.0, "direction of a translate sweep in degrees (0 for the other kinds)");
  if (w.kind == "translate") {
    w.values = r.numbers("values", range(0.0, 0.25, 9), 1, 25, -100.0, 100.0, kValuesDoc);
  } else if (w.kind == "rotate") {
    w.values = r.numbers("values", range(0.0, 15.0, 13), 1, 25, -360.0, 360.0, kValuesDoc);
  } else {
    w.values = r.numbers("values", range(0.5, 0.25, 7), 1, 25, 0.01, 100.0, kValuesDoc);
  }
  if (w.kind != "translate" && w.direction_deg != 0.0)
    throw Error(r.field("direction_deg") + " = " + fixed(w.direction_deg, 1) + ": only a translate sweep has a direction");
  r.finish();
  return w;
}

// The chapter's scalar fields, declared once (read by parse_shift_spec, written by to_json); the
// lists of shifts and sweeps are read and written by hand below.
template <class Io, class S>
void shift_fields(Io& io, S& s) {
  io.integer("steps", s.steps, 1, 200000, "training steps of each net");
  io.integer("test_batch", s.test_batch, 2, 100000,
             "batch size of the bn_batch arm (BN with the test batch's own statistics), at most data.n_test");
  io.integer("grid", s.grid, 0, 128,
             "decision-region resolution for the named shifts, first seed (0 = none, else 2 .. 128)");
  io.number("restore_tolerance", s.restore_tolerance, 0.0, 1.0,
            "an arm \"restores\" a shift when its accuracy drop is at most this");
}

}  // namespace

InputTransform ShiftSweep::at(double v) const {
  InputTransform t;
  if (kind == "translate") {
    double s, c;
    detmath::sincos(direction_deg * detmath::pi() / 180.0, s, c);
    t.tx = v * c;
    t.ty = v * s;
  } else if (kind == "scale") {
    t.scale = v;
  } else if (kind == "anisotropic") {
    t.sy = v;
  } else {
    t.rotate_deg = v;
  }
  return t;
}

std::vector<NamedShift> ShiftSpec::default_shifts() {
  std::vector<NamedShift> s(5);
  s[0].name = "none";
  s[1].name = "translate";
  s[1].transform.tx = 1.0;
  s[1].transform.ty = 0.5;
  s[2].name = "scale";
  s[2].transform.scale = 0.5;
  s[3].name = "anisotropic";
  s[3].transform.sy = 0.3;
  s[4].name = "rotate";
  s[4].transform.rotate_deg = 90.0;
  return s;
}

std::vector<ShiftSweep> ShiftSpec::default_sweeps() {
  ShiftSweep t;
  t.kind = "translate";
  t.values = range(0.0, 0.25, 9);
  ShiftSweep r;
  r.kind = "rotate";
  r.direction_deg = 0.0;
  r.values = range(0.0, 15.0, 13);
  return {t, r};
}

ShiftSpec parse_shift_spec(const json& j) {
  ShiftSpec s;
  SpecReader r(j, "spec");
  read_common_fields(r, "shift", s, sweep_max_seeds(20));
  FieldReader in(r);
  shift_fields(in, s);
  check_grid(s.grid);
  if (const json* v = r.raw("shifts", "the named input shifts each trained net is tested under (1 to 12; missing fields are the identity)",
                              {{"type", "array"}, {"minItems", 1}, {"maxItems", 12}})) {
    if (!v->is_array() || v->empty() || v->size() > 12)
      throw Error("spec.shifts: must be a list of 1 to 12 shifts {\"name\", tx, ty, scale, sx, sy, rotate_deg}");
    s.shifts.clear();
    for (std::size_t i = 0; i < v->size(); ++i) {
      NamedShift n = read_shift((*v)[i], "spec.shifts[" + std::to_string(i) + "]");
      for (const NamedShift& o : s.shifts)
        if (o.name == n.name)
          throw Error("spec.shifts[" + std::to_string(i) + "].name = \"" + n.name + "\": names must be distinct");
      s.shifts.push_back(n);
    }
  }
  if (const json* v = r.raw("sweeps", "accuracy curves over one shift parameter (0 to 4 sweeps)", {{"type", "array"}, {"maxItems", 4}})) {
    if (!v->is_array() || v->size() > 4)
      throw Error("spec.sweeps: must be a list of 0 to 4 sweeps {\"kind\", \"values\", \"direction_deg\"}");
    s.sweeps.clear();
    for (std::size_t i = 0; i < v->size(); ++i)
      s.sweeps.push_back(read_sweep((*v)[i], "spec.sweeps[" + std::to_string(i) + "]"));
  }
  r.finish();
  const MlpConfig bn = check_bn_pair(s.model, s.train, s.data);
  if (s.test_batch > s.data.n_test)
    throw Error("spec.test_batch = " + std::to_string(s.test_batch) + ": must be <= data.n_test (" +
                std::to_string(s.data.n_test) + ")");
  double evals = 1.0 + static_cast<double>(s.shifts.size());
  for (const ShiftSweep& w : s.sweeps) evals += static_cast<double>(w.values.size());
  const double grids = static_cast<double>(s.shifts.size()) * 3.0 * s.grid * s.grid;
  // At research scale (research.h) the seeds run as cells of one seed each: each is held to the
  // bound (the first cell, which draws the grids, is the largest).
  if (ResearchScale::active())
    check_work(2.0 * s.steps * s.train.batch_size * train_cost(bn) + (evals * 5.0 * s.data.n_test + grids) * eval_cost(bn),
               "shift: one cell (one seed: 2 nets x steps x batch + evaluations)");
  else
    check_work(s.seeds.seeds * (2.0 * s.steps * s.train.batch_size * train_cost(bn) +
                                (evals * 5.0 * s.data.n_test + grids) * eval_cost(bn)),
               "shift: seeds x (2 nets x steps x batch + evaluations)");
  return s;
}

json to_json(const ShiftSpec& s) {
  json j;
  write_common_fields(j, "shift", s.seeds, s.data, s.model, false, s.train);
  FieldWriter out(j);
  shift_fields(out, s);
  json shifts = json::array();
  for (const NamedShift& n : s.shifts) {
    json t = to_json(n.transform);
    t["name"] = n.name;
    shifts.push_back(t);
  }
  j["shifts"] = shifts;
  json sweeps = json::array();
  for (const ShiftSweep& w : s.sweeps)
    sweeps.push_back({{"kind", w.kind}, {"direction_deg", w.direction_deg}, {"values", w.values}});
  j["sweeps"] = sweeps;
  return j;
}

}  // namespace bnlab
