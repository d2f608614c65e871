// `bnlab cells`, `bnlab run SPEC --cell K | --cells A-B [--out-dir DIR]` and `bnlab merge`: a sweep
// as independent cells that outside schedulers (GNU parallel, Slurm job arrays, a Python driver)
// run in any order and place, and the merge that joins their results into the bytes `bnlab run`
// prints. The cells and their merge order are the core's (api.h research_cells / research_merge).
//
// A cell's result travels as one line of JSON, a record:
//   {"bnlab_cell":K,"cells":N,"sweep":"fnv1a64:<16 hex>","check":"fnv1a64:<16 hex>","result":{...}}
// sweep: FNV-1a (64 bit) of the normalized sweep spec as compact JSON, so merge refuses results of
// another spec; check: FNV-1a of the result's compact JSON, so a truncated or edited record is
// refused rather than merged. With --out-dir DIR cell K is kept in DIR/cell-K.json (K zero-padded
// to 6 digits): written to a temporary file, then hard-linked into place, so a killed job leaves no
// partial result and a result already there is never replaced (a rerun skips it: resume).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bnlab_cli {

// The sweep a spec describes, at research scale.
struct Sweep {
  std::string spec;                // the spec text as given
  std::string hash;                // "fnv1a64:" + 16 hex digits of the normalized spec
  std::vector<std::string> cells;  // each cell's spec (compact JSON), in merge order
};

// 0, or 2 with a one-line message (a bad spec).
int load_sweep(const std::string& spec_text, Sweep& sweep, std::string& error);

// "fnv1a64:" + the 64-bit FNV-1a hash of the bytes as 16 lower-case hex digits.
std::string fnv1a64(const std::string& bytes);

// The path of cell k's result in an output directory.
std::string cell_path(const std::string& dir, std::size_t k);

// "K" or "A-B" (inclusive), each in [0, n): 0, or 2 with a message naming the index.
int parse_cell_range(const std::string& text, const std::string& option, std::size_t n, std::size_t& first,
                     std::size_t& last, std::string& error);

struct CellRunOptions {
  std::string out_dir;                // "" = records to `out` (standard output when empty path)
  std::string out_path;               // --out FILE without --out-dir ("" = standard output)
  bool quiet = false;                 // no per-cell lines on standard error
  std::string data_name;              // the data the chapter needs ("" = none)
  const std::string* data = nullptr;  // its bytes
};

// Runs cells first..last one after the other. 0 success, 2 bad input (one line in `error`, nothing
// run), 1 a run that failed.
int run_cell_range(const Sweep& sweep, std::size_t first, std::size_t last, const CellRunOptions& options,
                   std::string& error);

// Reads records from files (one or more lines each) and directories (their cell-*.json) and joins
// them. 0 and the result; 2 with a message (another spec's result, a damaged record, two results
// for one cell, cells missing without `partial`). `notes` gets what stderr should say on success.
int merge_results(const Sweep& sweep, const std::vector<std::string>& paths, bool partial, std::string& result,
                  std::string& notes, std::string& error);

}  // namespace bnlab_cli
