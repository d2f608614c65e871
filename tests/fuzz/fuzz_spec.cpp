// libFuzzer: any bytes through the facade as a spec. Crashes, sanitizer reports, timeouts and
// broken message rules (one line, bounded, never "internal") are findings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bnlab/api.h"

namespace {
void check_message(const bnlab::Outcome& o, const char* where) {
  if (o.ok) return;
  const std::string& m = o.error;
  const bool bad = m.empty() || m.size() > 500 || m.find('\n') != std::string::npos ||
                   m.find('\r') != std::string::npos || m.find("internal") != std::string::npos;
  if (bad) {
    std::fprintf(stderr, "bad message from %s (%zu bytes): %.600s\n", where, m.size(), m.c_str());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_message(bnlab::validate(text), "validate");
  bnlab::Session session;
  const bnlab::Outcome started = session.start(text);
  check_message(started, "start");
  if (!started.ok) return 0;
  for (int i = 0; i < 3 && !session.done(); ++i) check_message(session.advance(2), "advance");
  check_message(session.advance(0), "advance(0)");
  (void)session.result_json();
  return 0;
}
