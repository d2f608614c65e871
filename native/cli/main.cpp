// bnlab: the lab's experiments from the command line. JSON specs in, JSON results out.
//   bnlab chapters                 list the chapters
//   bnlab preset CHAPTER           print a chapter's default spec
//   bnlab schema [CHAPTER]         the spec's JSON Schema (every field: type, default, range, doc)
//   bnlab validate SPEC.json|-     print the normalized spec, or one line naming the bad field
//   bnlab run SPEC.json|- [--seeds N] [--jobs N] [--out FILE] [--quiet] [--data DIR|FILE]
//                                  (--data: where a chapter's data are; images: Fashion-MNIST,
//                                  default $BNLAB_FASHION_MNIST or /usr/share/datasets/fashion-mnist)
//   bnlab bench [--steps N] [--json] [--clock wall|cpu]  training throughput of DESIGN's benchmark net (samples/s)
// A sweep as independent cells for outside schedulers (cells.h; README "Research scale"):
//   bnlab cells SPEC [--count]     the cells, one complete spec per line in merge order, or how many
//   bnlab run SPEC --cell K | --cells A-B [--out-dir DIR]   run those cells, one after the other
//   bnlab merge SPEC RESULT... [--partial] [--out FILE]      join cell results (files or directories)
//   bnlab --version                which build this is (README "Builds"): the fast research build adds
//                                  "build": "fast-research" to every result it prints
// Exit status: 0 success, 2 bad spec or arguments (one line on stderr), 1 a run that failed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bnlab/api.h"
#include "bnlab/bench.h"
#include "bnlab/spec.h"
#include "build_info.h"
#include "cells.h"
#include "data_files.h"
#include "jobs.h"

namespace {

constexpr int kBadInput = 2;

std::string shown_path(const std::string& path) { return "\"" + bnlab::clip(path, 120) + "\""; }

// Reads at most kMaxSpecBytes + 1 bytes, so a huge input is refused without holding all of it.
bool read_stream(std::istream& in, const std::string& name, std::string& text, std::string& error) {
  const std::size_t limit = bnlab::kMaxSpecBytes;
  text.assign(limit + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    error = "cannot read spec " + name;
    return false;
  }
  if (text.size() > limit) {
    error = "spec " + name + ": more than the limit of " + std::to_string(limit) + " bytes";
    return false;
  }
  return true;
}

bool read_spec(const std::string& path, std::string& text, std::string& error) {
  if (path == "-") return read_stream(std::cin, "(standard input)", text, error);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "spec file " + shown_path(path) + " is a directory, not a file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read spec file " + shown_path(path);
    return false;
  }
  return read_stream(in, "file " + shown_path(path), text, error);
}

struct ProgressBar {
  bool tty = isatty(STDERR_FILENO) != 0;
  bool quiet = false;
  int last_percent = -1;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void show(double p) {
    if (quiet) return;
    const int percent = static_cast<int>(p * 100.0);
    if (percent == last_percent) return;
    last_percent = percent;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (tty) {
      const int width = 30, filled = percent * width / 100;
      std::fprintf(stderr, "\r[%s%s] %3d%%  %.1fs", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), percent, secs);
      if (percent >= 100) std::fprintf(stderr, "\n");
    } else if (percent % 10 == 0) {
      std::fprintf(stderr, "progress %d%% (%.1fs)\n", percent, secs);
    }
    std::fflush(stderr);
  }
};

// The spec's "chapter", or "" (start then words the problem).
std::string chapter_name(const std::string& text) {
  const nlohmann::json spec = nlohmann::json::parse(text, nullptr, false);
  if (!spec.is_object() || !spec.contains("chapter") || !spec["chapter"].is_string()) return "";
  return spec["chapter"].get<std::string>();
}

int fail(const std::string& message, int code = kBadInput) {
  std::cerr << "bnlab: " << message << "\n";
  return code;
}

// The fast research build marks what it prints as its own: its bits differ from the page's
// (README "Builds"). The default build prints the result unchanged.
std::string marked(const std::string& result) {
#ifdef BNLAB_FAST_RESEARCH
  if (!result.empty() && result[0] == '{')
    return std::string("{\"build\":\"") + bnlab_cli::build_kind() + "\"" + (result.size() > 2 ? "," : "") +
           result.substr(1);
#endif
  return result;
}

int emit(const std::string& plain_result, const std::string& out_path) {
  const std::string result = marked(plain_result);
  if (out_path.empty()) {
    std::cout << result << "\n";
  } else {
    std::ofstream out(out_path);
    if (!out) return fail("cannot write " + shown_path(out_path));
    out << result << "\n";
    if (!out) return fail("writing " + shown_path(out_path) + " failed", 1);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"BN Lab: why batch normalization works, measured. JSON specs in, JSON results out."};
  app.require_subcommand(1);
  app.set_version_flag("--version", bnlab_cli::build_description(), "Print which build this is and exit");

  app.add_subcommand("chapters", "List the chapters in lecture order");

  auto* preset_cmd = app.add_subcommand("preset", "Print a chapter's default spec (JSON)");
  std::string chapter;
  std::string names;  // from the registry (src/experiments/chapters.def)
  for (const std::string& c : bnlab::chapters()) names += (names.empty() ? "" : ", ") + c;
  preset_cmd->add_option("chapter", chapter, "one of " + names)->required();

  auto* schema_cmd = app.add_subcommand("schema", "Print the spec's JSON Schema: every field's type, default, range and description");
  std::string schema_chapter;
  schema_cmd->add_option("chapter", schema_chapter, "one chapter (default: all, as oneOf)");

  auto* validate_cmd = app.add_subcommand("validate", "Print the normalized spec, or the first problem in it");
  std::string validate_path;
  validate_cmd->add_option("spec", validate_path, "spec file, or - for standard input")->required();

  auto* run_cmd = app.add_subcommand("run", "Run a spec and print the result (JSON) on stdout");
  std::string run_path, out_path;
  int seeds = 0;
  bool quiet = false;
  run_cmd->add_option("spec", run_path, "spec file, or - for standard input")->required();
  run_cmd->add_option("--seeds", seeds, "number of seeds (overrides the spec's \"seeds\")")
      ->check(CLI::Range(1, 1000));
  int jobs = 1;
  run_cmd->add_option("--jobs,-j", jobs, "run the spec's independent runs (sweep cells) on N threads; same output")
      ->check(CLI::Range(1, 64));
  run_cmd->add_option("--out", out_path, "write the result to FILE instead of stdout");
  run_cmd->add_flag("--quiet,-q", quiet, "no progress on stderr");
  std::string data_path;
  run_cmd->add_option("--data", data_path,
                      "the chapter's data: for images a directory of the Fashion-MNIST IDX files (.gz or not) or a "
                      "bundle file (default: $BNLAB_FASHION_MNIST or /usr/share/datasets/fashion-mnist)");

  std::string cell_option, cells_option, out_dir;
  run_cmd->add_option("--cell", cell_option,
                      "run only cell K (0-based, see bnlab cells) of the spec's sweep: prints its result record, or "
                      "writes it to --out-dir");
  run_cmd->add_option("--cells", cells_option, "run cells A to B (inclusive) one after the other");
  run_cmd->add_option("--out-dir", out_dir,
                      "with --cell/--cells: write cell K's result to DIR/cell-K.json (atomically); a cell already "
                      "there is skipped, so a rerun resumes");

  auto* cells_cmd = app.add_subcommand("cells", "Print a sweep's cells: one complete spec per line (JSON Lines), in merge order");
  std::string cells_path;
  bool cells_count = false;
  cells_cmd->add_option("spec", cells_path, "spec file, or - for standard input")->required();
  cells_cmd->add_flag("--count", cells_count, "print only how many cells there are");

  auto* merge_cmd = app.add_subcommand("merge", "Join cell results (bnlab run --cell) into the bytes bnlab run SPEC prints");
  std::string merge_spec, merge_out;
  std::vector<std::string> merge_inputs;
  bool merge_partial = false;
  merge_cmd->add_option("spec", merge_spec, "the sweep's spec file, or - for standard input")->required();
  merge_cmd->add_option("results", merge_inputs, "result files (one record per line) or directories (their cell-*.json)")
      ->required();
  merge_cmd->add_flag("--partial", merge_partial, "merge the cells there are; the result says \"complete\": false");
  merge_cmd->add_option("--out", merge_out, "write the result to FILE instead of stdout");

  auto* bench_cmd = app.add_subcommand("bench", "Measure training throughput (samples/s) of a 2-64-64-64-2 MLP");
  int bench_steps = 3000;
  bench_cmd->add_option("--steps", bench_steps, "batch-64 training steps per measurement")->check(CLI::Range(10, 1000000));
  bool bench_as_json = false;
  bench_cmd->add_flag("--json", bench_as_json, "print the figures as JSON (scripts/bench.mjs reads it)");
  std::string bench_clock = "wall";
  bench_cmd->add_option("--clock", bench_clock, "wall (steady clock) or cpu (this process's CPU time: steadier on a busy machine)")
      ->check(CLI::IsMember({"wall", "cpu"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "bnlab: " << bnlab::clip(e.what(), 300) << " (see bnlab --help)\n";
    return kBadInput;
  }

  try {
    if (app.got_subcommand("chapters")) {
      for (const std::string& c : bnlab::chapters()) std::cout << c << "\n";
      return 0;
    }
    if (app.got_subcommand(preset_cmd)) {
      const bnlab::Outcome o = bnlab::preset(chapter);
      if (!o.ok) return fail(o.error);
      std::cout << o.json << "\n";
      return 0;
    }
    if (app.got_subcommand(schema_cmd)) {
      const bnlab::Outcome o = bnlab::schema(schema_chapter);
      if (!o.ok) return fail(o.error);
      std::cout << o.json << "\n";
      return 0;
    }
    if (app.got_subcommand(bench_cmd)) {
      const bool cpu = bench_clock == "cpu";
      const bnlab::BenchReport report = bnlab::bench(bench_steps, [cpu] {
        if (cpu) return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
      });
      if (bench_as_json) {
        std::cout << marked(bnlab::bench_json(report)) << "\n";
        return 0;
      }
#ifdef BNLAB_FAST_RESEARCH
      std::printf("%s\n", bnlab_cli::build_description());
#endif
      for (const bnlab::BenchFigure& f : report.training)
        std::printf("%-40s %9.0f samples/s  (%ld steps in %.3f s; per step: forward %.1f us, backward %.1f us, update %.1f us)\n",
                    f.name.c_str(), f.samples_per_second, f.steps, f.seconds, f.forward_s * 1e6, f.backward_s * 1e6,
                    f.update_s * 1e6);
      for (const bnlab::BenchFigure& f : report.training)
        std::printf("%-40s by kind, us per step: linear %.1f, BN %.1f, activation %.1f, loss %.1f, update %.1f\n",
                    f.name.c_str(), f.linear_s * 1e6, f.bn_s * 1e6, f.act_s * 1e6, f.loss_s * 1e6, f.ops_update_s * 1e6);
      for (const bnlab::GemmFigure& g : report.gemm)
        std::printf("GEMM float %dx%d * %dx%d %-6s %18.1f GFLOP/s (%ld products in %.3f s)\n", g.m, g.k, g.k, g.n,
                    g.kernel.c_str(), g.gflops, g.reps, g.seconds);
      return 0;
    }
    std::string text, error;
    if (app.got_subcommand(validate_cmd)) {
      if (!read_spec(validate_path, text, error)) return fail(error);
      const bnlab::Outcome o = bnlab::validate(text);
      if (!o.ok) return fail(o.error);
      std::cout << o.json << "\n";
      return 0;
    }
    if (app.got_subcommand(cells_cmd)) {
      if (!read_spec(cells_path, text, error)) return fail(error);
      bnlab_cli::Sweep sweep;
      if (const int code = bnlab_cli::load_sweep(text, sweep, error)) return fail(error, code);
      if (cells_count) {
        std::cout << sweep.cells.size() << "\n";
        return 0;
      }
      std::string lines;
      for (const std::string& c : sweep.cells) lines += c + "\n";
      std::cout << lines;
      return 0;
    }
    if (app.got_subcommand(merge_cmd)) {
      if (merge_spec == "-" && std::count(merge_inputs.begin(), merge_inputs.end(), "-") > 0)
        return fail("merge: the spec and a result cannot both be standard input (-)");
      if (std::count(merge_inputs.begin(), merge_inputs.end(), "-") > 1)
        return fail("merge: standard input (-) given twice");
      if (!read_spec(merge_spec, text, error)) return fail(error);
      bnlab_cli::Sweep sweep;
      if (const int code = bnlab_cli::load_sweep(text, sweep, error)) return fail(error, code);
      std::string result, notes;
      if (const int code = bnlab_cli::merge_results(sweep, merge_inputs, merge_partial, result, notes, error))
        return fail(error, code);
      if (!notes.empty()) std::cerr << "bnlab: " << notes << "\n";
      return emit(result, merge_out);
    }
    if (!read_spec(run_path, text, error)) return fail(error);
    const bool as_cells = !cell_option.empty() || !cells_option.empty();
    if (!cell_option.empty() && !cells_option.empty()) return fail("run: --cell and --cells: give one of them");
    if (!out_dir.empty() && !as_cells) return fail("run: --out-dir: needs --cell K or --cells A-B");
    if (as_cells && seeds > 0)
      return fail("run: --seeds with --cell/--cells: put \"seeds\" in the spec file, so cells and merge read the same sweep");
    if (as_cells && jobs > 1)
      return fail("run: --jobs with --cell/--cells: cells run one after the other (a scheduler runs several at once)");
    if (!out_dir.empty() && !out_path.empty()) return fail("run: --out and --out-dir: give one of them");
    if (seeds > 0) {
      nlohmann::json spec;
      try {
        spec = bnlab::parse_json(text);  // bounded depth and size before anything recurses
      } catch (const std::exception& e) {
        return fail(e.what());
      }
      if (!spec.is_object()) return fail("spec: must be a JSON object with a \"chapter\" field");
      spec["seeds"] = seeds;
      text = spec.dump();
    }
    // With --cell/--cells: the sweep at research scale and the cells asked for, checked first.
    bnlab_cli::Sweep sweep;
    std::size_t first = 0, last = 0;
    if (as_cells) {
      if (const int code = bnlab_cli::load_sweep(text, sweep, error)) return fail(error, code);
      const bool one = !cell_option.empty();
      if (const int code = bnlab_cli::parse_cell_range(one ? cell_option : cells_option, one ? "--cell" : "--cells",
                                                       sweep.cells.size(), first, last, error))
        return fail(error, code);
    }
    const std::string needed = bnlab::required_data(chapter_name(text));
    std::string bundle;
    if (!needed.empty() && !as_cells) {
      const bnlab::Outcome checked = bnlab::validate(text);  // a bad spec is named before any data is read
      if (!checked.ok) return fail(checked.error);
    }
    if (!needed.empty()) {
      if (!bnlab_cli::read_fashion_mnist(data_path.empty() ? bnlab_cli::default_fashion_dir() : data_path, bundle, error))
        return fail(error, 1);
    }
    if (as_cells) {
      bnlab_cli::CellRunOptions options;
      options.out_dir = out_dir;
      options.out_path = out_path;
      options.quiet = quiet;
      options.data_name = needed;
      options.data = needed.empty() ? nullptr : &bundle;
      if (const int code = bnlab_cli::run_cell_range(sweep, first, last, options, error)) return fail(error, code);
      return 0;
    }
    if (jobs > 1) {
      ProgressBar bar;
      bar.quiet = quiet;
      std::string result;
      const int code = bnlab_cli::run_cells(text, jobs, [&bar](double p) { bar.show(p); }, result, error, needed,
                                            needed.empty() ? nullptr : &bundle);
      if (code != 0) return fail(error, code);
      bar.show(1.0);
      return emit(result, out_path);
    }
    bnlab::Session session;
    if (!needed.empty()) {
      const bnlab::Outcome given = session.provide_data(needed, std::move(bundle));
      if (!given.ok) return fail(given.error);
    }
    bnlab::Outcome o = session.start(text);
    if (!o.ok) return fail(o.error);
    ProgressBar bar;
    bar.quiet = quiet;
    bar.show(0.0);
    while (!session.done()) {
      o = session.advance(50);
      if (!o.ok) return fail(o.error, 1);
      bar.show(session.progress());
    }
    bar.show(1.0);
    return emit(session.result_json(), out_path);
  } catch (const std::exception& e) {
    return fail(bnlab::clip(std::string("the run stopped: ") + e.what(), 400), 1);
  }
}
