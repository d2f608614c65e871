// `bnlab run SPEC --jobs N`: a spec's cells (api.h cells/merge) on N threads, merged in cells()
// order, so the output is the same bytes as one Session running the whole spec. Threads live here,
// in the command, never in the library: each thread runs whole cells in a Session of its own.
#pragma once

#include <functional>
#include <string>

namespace bnlab_cli {

// Returns 0 and the merged result, or an exit status (2 bad spec, 1 a failed run) and a message.
// `progress` (share of cells' progress, 0..1) is called on the calling thread about every 0.1 s.
// `data` (may be null): the bytes of the data the chapter needs, named `data_name`, handed to each
// cell's session (Session::provide_data) before it starts.
int run_cells(const std::string& spec, int jobs, const std::function<void(double)>& progress, std::string& result,
              std::string& error, const std::string& data_name = "", const std::string* data = nullptr);

}  // namespace bnlab_cli
