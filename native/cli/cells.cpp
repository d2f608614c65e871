#include "cells.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bnlab/api.h"
#include "bnlab/research.h"
#include "bnlab/spec.h"
#include "build_info.h"

namespace bnlab_cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string quoted(const std::string& path) { return "\"" + bnlab::clip(path, 120) + "\""; }

// "0-2, 5, 7-9" for a sorted list of indices, at most `max_runs` runs then "...".
std::string index_list(const std::vector<std::size_t>& ks, std::size_t max_runs = 12) {
  std::string out;
  std::size_t runs = 0;
  for (std::size_t i = 0; i < ks.size();) {
    std::size_t j = i;
    while (j + 1 < ks.size() && ks[j + 1] == ks[j] + 1) ++j;
    if (runs++ == max_runs) return out + ", ...";
    out += (out.empty() ? "" : ", ") + std::to_string(ks[i]) + (j > i ? "-" + std::to_string(ks[j]) : "");
    i = j + 1;
  }
  return out;
}

bool parse_index(const std::string& text, std::size_t& k) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  k = static_cast<std::size_t>(std::stoull(text));
  return true;
}

// One record: what a cell's run hands to merge.
struct Record {
  std::size_t cell = 0;
  std::string result;  // the cell's result, compact JSON
};

// Reads one record line; "" on success, else what is wrong with it (no file name: the caller adds it).
std::string read_record(const std::string& line, const Sweep& sweep, Record& rec) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) return "not a complete JSON record (truncated or edited)";
  if (!j.is_object() || !j.contains("bnlab_cell") || !j.contains("sweep") || !j.contains("check") ||
      !j.contains("result") || !j.contains("cells"))
    return "not a cell result of bnlab run --cell (fields bnlab_cell, cells, sweep, check, result)";
  if (!j["sweep"].is_string() || j["sweep"].get<std::string>() != sweep.hash)
    return "a result of another spec (its sweep hash " + bnlab::clip(j["sweep"].dump(), 40) + ", this spec's " +
           sweep.hash + ")";
  if (!j["bnlab_cell"].is_number_unsigned() || j["cells"] != sweep.cells.size())
    return "bnlab_cell / cells do not fit this spec's " + std::to_string(sweep.cells.size()) + " cells";
  // The fast research build tags its records (README "Builds"); its bits differ, so never mixed.
  const std::string build = j.contains("build") && j["build"].is_string() ? j["build"].get<std::string>() : "default";
  if (build != bnlab_cli::build_kind())
    return "a result of the " + bnlab::clip(build, 40) + " build, and this binary is the " + bnlab_cli::build_kind() +
           " build (their bits differ: merge each build's cells with the binary that ran them)";
  rec.cell = j["bnlab_cell"].get<std::size_t>();
  if (rec.cell >= sweep.cells.size())
    return "cell " + std::to_string(rec.cell) + ": out of range (this spec has " + std::to_string(sweep.cells.size()) +
           " cells)";
  rec.result = j["result"].dump();
  if (!j["check"].is_string() || j["check"].get<std::string>() != fnv1a64(rec.result))
    return "cell " + std::to_string(rec.cell) + ": its result does not match its check (edited or damaged)";
  return "";
}

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  text = s.str();
  return !in.bad();
}

// The record of one cell file (one line), checked to be cell k of this sweep. "" when it is.
std::string check_cell_file(const std::string& path, const Sweep& sweep, std::size_t k) {
  std::string text;
  if (!read_file(path, text)) return "cannot be read";
  if (text.empty() || text.back() != '\n') return "truncated (no final newline)";
  text.pop_back();
  if (text.find('\n') != std::string::npos) return "holds more than one line (edited)";
  Record rec;
  const std::string problem = read_record(text, sweep, rec);
  if (!problem.empty()) return problem;
  if (rec.cell != k) return "holds cell " + std::to_string(rec.cell) + ", not cell " + std::to_string(k);
  return "";
}

std::string record_line(const Sweep& sweep, std::size_t k, const std::string& result) {
  const std::string kind = bnlab_cli::build_kind();
  const std::string build = kind == "default" ? "" : ",\"build\":\"" + kind + "\"";  // the default's bytes as before
  return "{\"bnlab_cell\":" + std::to_string(k) + build + ",\"cells\":" + std::to_string(sweep.cells.size()) +
         ",\"sweep\":\"" + sweep.hash + "\",\"check\":\"" + fnv1a64(result) + "\",\"result\":" + result + "}\n";
}

// Writes `text` to `path` without ever replacing a file there: a temporary file in the same
// directory, flushed, then hard-linked to the final name (fails if it exists) and unlinked.
// 0; 1 with a message; -1 when the path already exists (another job finished the cell first).
int write_new_file(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = fs::path(path).parent_path().string() + "/." + fs::path(path).filename().string() + "." +
                          std::to_string(getpid()) + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    error = "cannot write " + quoted(tmp) + ": " + std::strerror(errno);
    return 1;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "writing " + quoted(tmp) + " failed: " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return 1;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    error = "writing " + quoted(tmp) + " failed: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return 1;
  }
  int rc = 0;
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) {
      rc = -1;
    } else if (errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP) {
      // A file system without hard links: rename, after checking nothing is there.
      std::error_code ec;
      if (fs::exists(path, ec)) {
        rc = -1;
      } else if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "cannot move " + quoted(tmp) + " to " + quoted(path) + ": " + std::strerror(errno);
        rc = 1;
      }
    } else {
      error = "cannot link " + quoted(tmp) + " to " + quoted(path) + ": " + std::strerror(errno);
      rc = 1;
    }
  }
  ::unlink(tmp.c_str());
  return rc;
}

// The output directory exists (made if missing) and takes a new file; "" or the problem.
std::string check_out_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) return "is not a directory";
  fs::create_directories(dir, ec);
  if (ec) return "cannot be created (" + ec.message() + ")";
  const std::string probe = dir + "/.bnlab-probe." + std::to_string(getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return std::string("is not writable (") + std::strerror(errno) + ")";
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

}  // namespace

std::string fnv1a64(const std::string& bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64:") + hex;
}

std::string cell_path(const std::string& dir, std::size_t k) {
  char name[40];
  std::snprintf(name, sizeof name, "cell-%06zu.json", k);
  return (fs::path(dir) / name).string();
}

int load_sweep(const std::string& spec_text, Sweep& sweep, std::string& error) {
  const bnlab::Outcome normalized = bnlab::research_validate(spec_text);
  if (!normalized.ok) {
    error = normalized.error;
    return 2;
  }
  const bnlab::Outcome listed = bnlab::research_cells(spec_text);
  if (!listed.ok) {
    error = listed.error;
    return 2;
  }
  sweep.spec = spec_text;
  sweep.hash = fnv1a64(json::parse(normalized.json).dump());
  sweep.cells.clear();
  for (const json& c : json::parse(listed.json)) sweep.cells.push_back(c.dump());
  return 0;
}

int parse_cell_range(const std::string& text, const std::string& option, std::size_t n, std::size_t& first,
                     std::size_t& last, std::string& error) {
  const std::size_t dash = text.find('-');
  const bool range = dash != std::string::npos;
  const bool ok = range ? parse_index(text.substr(0, dash), first) && parse_index(text.substr(dash + 1), last)
                        : parse_index(text, first);
  if (!range) last = first;
  const std::string shown = option + " " + bnlab::clip(text, 40);
  if (!ok) {
    error = shown + ": must be " + (option == "--cells" ? "A-B (two cell indices, A <= B)" : "a cell index") +
            " counting from 0";
    return 2;
  }
  const std::string count = "the sweep has " + std::to_string(n) + " cells (0-" + std::to_string(n - 1) + ")";
  if (first >= n) {
    error = shown + ": cell " + std::to_string(first) + " out of range: " + count;
    return 2;
  }
  if (last >= n) {
    error = shown + ": cell " + std::to_string(last) + " out of range: " + count;
    return 2;
  }
  if (last < first) {
    error = shown + ": the range must not run backwards (A <= B)";
    return 2;
  }
  return 0;
}

int run_cell_range(const Sweep& sweep, std::size_t first, std::size_t last, const CellRunOptions& o,
                   std::string& error) {
  const bool to_dir = !o.out_dir.empty();
  // Everything that can be refused is refused before any cell runs.
  std::vector<bool> skip(last - first + 1, false);
  if (to_dir) {
    const std::string problem = check_out_dir(o.out_dir);
    if (!problem.empty()) {
      error = "--out-dir " + quoted(o.out_dir) + ": " + problem;
      return 2;
    }
    for (std::size_t k = first; k <= last; ++k) {
      const std::string path = cell_path(o.out_dir, k);
      std::error_code ec;
      if (!fs::exists(path, ec)) continue;
      const std::string problem_there = check_cell_file(path, sweep, k);
      if (!problem_there.empty()) {
        error = quoted(path) + ": " + problem_there + "; not replaced (move it away to run cell " + std::to_string(k) +
                " again)";
        return 2;
      }
      skip[k - first] = true;
    }
  }
  std::ofstream out_file;
  if (!to_dir && !o.out_path.empty()) {
    out_file.open(o.out_path, std::ios::binary);
    if (!out_file) {
      error = "cannot write " + quoted(o.out_path);
      return 2;
    }
  }
  std::ostream& out = out_file.is_open() ? static_cast<std::ostream&>(out_file) : std::cout;
  const std::string of = " of " + std::to_string(sweep.cells.size());
  for (std::size_t k = first; k <= last; ++k) {
    if (skip[k - first]) {
      if (!o.quiet) std::cerr << "bnlab: cell " << k << of << ": already done in " << cell_path(o.out_dir, k) << "\n";
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    bnlab::Session session;
    bnlab::Outcome r = o.data ? session.provide_data(o.data_name, *o.data) : bnlab::Outcome{};
    if (r.ok) r = bnlab::start_research_cell(session, sweep.cells[k]);
    if (!r.ok) {
      error = "cell " + std::to_string(k) + of + ": " + r.error;
      return 2;
    }
    while (!session.done()) {
      r = session.advance(50);
      if (!r.ok) {
        error = "cell " + std::to_string(k) + of + ": " + r.error;
        return 1;
      }
    }
    const std::string line = record_line(sweep, k, session.result_json());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (to_dir) {
      const std::string path = cell_path(o.out_dir, k);
      const int w = write_new_file(path, line, error);
      if (w > 0) return 1;
      if (!o.quiet)
        std::cerr << "bnlab: cell " << k << of << (w < 0 ? ": another job wrote " : ": done in ")
                  << (w < 0 ? path : std::to_string(secs).substr(0, 5) + " s -> " + path) << "\n";
    } else {
      out << line;
      out.flush();
      if (!out) {
        error = "writing cell " + std::to_string(k) + " failed";
        return 1;
      }
      if (!o.quiet) std::cerr << "bnlab: cell " << k << of << ": done in " << std::to_string(secs).substr(0, 5) << " s\n";
    }
  }
  return 0;
}

int merge_results(const Sweep& sweep, const std::vector<std::string>& paths, bool partial, std::string& result,
                  std::string& notes, std::string& error) {
  const std::size_t n = sweep.cells.size();
  std::vector<std::string> results(n);
  std::vector<std::string> source(n);  // where each cell's result came from, for messages
  auto take = [&](const std::string& where, const std::string& line) {
    Record rec;
    const std::string problem = read_record(line, sweep, rec);
    if (!problem.empty()) {
      error = where + ": " + problem;
      return false;
    }
    if (!source[rec.cell].empty()) {
      error = "cell " + std::to_string(rec.cell) + ": two results (" + source[rec.cell] + " and " + where + ")";
      return false;
    }
    source[rec.cell] = where;
    results[rec.cell] = std::move(rec.result);
    return true;
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("cell-", 0) == 0 && name.size() > 10 && name.substr(name.size() - 5) == ".json")
          files.push_back(e.path().string());
      }
      if (ec) {
        error = "cannot list " + quoted(path) + ": " + ec.message();
        return 2;
      }
      std::sort(files.begin(), files.end());
      for (const std::string& f : files) {
        std::string text;
        if (!read_file(f, text)) {
          error = "cannot read " + quoted(f);
          return 2;
        }
        if (text.empty() || text.back() != '\n') {
          error = quoted(f) + ": truncated (no final newline)";
          return 2;
        }
        text.pop_back();
        if (text.find('\n') != std::string::npos) {
          error = quoted(f) + ": holds more than one line (edited)";
          return 2;
        }
        if (!take(quoted(f), text)) return 2;
      }
      continue;
    }
    std::string text;
    if (path == "-") {
      std::ostringstream s;
      s << std::cin.rdbuf();
      text = s.str();
    } else if (!read_file(path, text)) {
      error = "cannot read " + quoted(path);
      return 2;
    }
    const std::string name = path == "-" ? "(standard input)" : quoted(path);
    if (!text.empty() && text.back() != '\n') {
      error = name + ": truncated (the last line has no newline)";
      return 2;
    }
    std::size_t line_no = 0;
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t end = text.find('\n', at);
      const std::string line = text.substr(at, end - at);
      at = end + 1;
      ++line_no;
      if (line.empty()) continue;
      if (!take(name + " line " + std::to_string(line_no), line)) return 2;
    }
  }
  std::vector<std::size_t> missing;
  for (std::size_t k = 0; k < n; ++k)
    if (source[k].empty()) missing.push_back(k);
  if (!missing.empty() && !partial) {
    error = "merge: " + std::to_string(missing.size()) + " of " + std::to_string(n) + " cells missing: " +
            index_list(missing) + " (run them, or pass --partial for an incomplete result)";
    return 2;
  }
  std::string all = "[";
  for (std::size_t k = 0; k < n; ++k) all += (k ? "," : "") + (source[k].empty() ? std::string("null") : results[k]);
  all += "]";
  const bnlab::Outcome merged = bnlab::research_merge(sweep.spec, all);
  if (!merged.ok) {
    error = merged.error;
    return 2;
  }
  result = merged.json;
  if (!missing.empty())
    notes = "merged " + std::to_string(n - missing.size()) + " of " + std::to_string(n) +
            " cells; the result is marked incomplete (\"complete\": false); missing: " + index_list(missing);
  return 0;
}

}  // namespace bnlab_cli
