// bnlab: the lab's experiments from the command line. JSON specs in, JSON results out.
//   bnlab chapters                 list the chapters
//   bnlab preset CHAPTER           print a chapter's default spec
//   bnlab validate SPEC.json|-     print the normalized spec, or one line naming the bad field
//   bnlab run SPEC.json|- [--seeds N] [--out FILE] [--quiet]
//   bnlab bench [--steps N] [--json] [--clock wall|cpu]  training throughput of DESIGN's benchmark net (samples/s)
// Exit status: 0 success, 2 bad spec or arguments (one line on stderr), 1 a run that failed.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bnlab/api.h"
#include "bnlab/bench.h"

namespace {

constexpr int kBadInput = 2;

bool read_spec(const std::string& path, std::string& text, std::string& error) {
  std::ostringstream os;
  if (path == "-") {
    os << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) {
      error = "cannot read spec file \"" + path + "\"";
      return false;
    }
    os << in.rdbuf();
  }
  text = os.str();
  return true;
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

int fail(const std::string& message, int code = kBadInput) {
  std::cerr << "bnlab: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"BN Lab: why batch normalization works, measured. JSON specs in, JSON results out."};
  app.require_subcommand(1);

  app.add_subcommand("chapters", "List the chapters in lecture order");

  auto* preset_cmd = app.add_subcommand("preset", "Print a chapter's default spec (JSON)");
  std::string chapter;
  preset_cmd->add_option("chapter", chapter, "speed, distribution, shift, noise, regularization, inference or ics")
      ->required();

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
  run_cmd->add_option("--out", out_path, "write the result to FILE instead of stdout");
  run_cmd->add_flag("--quiet,-q", quiet, "no progress on stderr");

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
    std::cerr << "bnlab: " << e.what() << " (see bnlab --help)\n";
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
    if (app.got_subcommand(bench_cmd)) {
      const bool cpu = bench_clock == "cpu";
      const bnlab::BenchReport report = bnlab::bench(bench_steps, [cpu] {
        if (cpu) return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
      });
      if (bench_as_json) {
        std::cout << bnlab::bench_json(report) << "\n";
        return 0;
      }
      for (const bnlab::BenchFigure& f : report.training)
        std::printf("%-40s %9.0f samples/s  (%ld steps in %.3f s; per step: forward %.1f us, backward %.1f us, update %.1f us)\n",
                    f.name.c_str(), f.samples_per_second, f.steps, f.seconds, f.forward_s * 1e6, f.backward_s * 1e6,
                    f.update_s * 1e6);
      for (const bnlab::GemmFigure& g : report.gemm)
        std::printf("GEMM float %dx%d * %dx%d %25.1f GFLOP/s (%ld products in %.3f s)\n", g.m, g.k, g.k, g.n, g.gflops, g.reps,
                    g.seconds);
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
    if (!read_spec(run_path, text, error)) return fail(error);
    if (seeds > 0) {
      nlohmann::json spec;
      try {
        spec = nlohmann::json::parse(text);
      } catch (const std::exception&) {
        const bnlab::Outcome o = bnlab::validate(text);  // the facade words the JSON error
        return fail(o.error);
      }
      if (!spec.is_object()) return fail("spec: must be a JSON object with a \"chapter\" field");
      spec["seeds"] = seeds;
      text = spec.dump();
    }
    bnlab::Session session;
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
    const std::string result = session.result_json();
    if (out_path.empty()) {
      std::cout << result << "\n";
    } else {
      std::ofstream out(out_path);
      if (!out) return fail("cannot write \"" + out_path + "\"");
      out << result << "\n";
      if (!out) return fail("writing \"" + out_path + "\" failed", 1);
    }
    return 0;
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), 1);
  }
}
