// libFuzzer: any bytes through the facade as a spec. Crashes, sanitizer reports, timeouts and
// broken message rules (one line, bounded, never "internal") are findings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bnlab/api.h"

namespace {
// Words the facade itself must never use; a message may still quote them from the input.
bool says(const std::string& message, const std::string& input, const char* word) {
  return message.find(word) != std::string::npos && input.find(word) == std::string::npos;
}

void check_message(const bnlab::Outcome& o, const std::string& input, const char* where) {
  if (o.ok) return;
  const std::string& m = o.error;
  const bool bad = m.empty() || m.size() > 500 || m.find('\n') != std::string::npos ||
                   m.find('\r') != std::string::npos || says(m, input, "internal") ||
                   says(m, input, "json.exception");
  if (bad) {
    std::fprintf(stderr, "bad message from %s (%zu bytes): %.600s\n", where, m.size(), m.c_str());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_message(bnlab::validate(text), text, "validate");
  bnlab::Session session;
  const bnlab::Outcome started = session.start(text);
  check_message(started, text, "start");
  if (!started.ok) return 0;
  for (int i = 0; i < 3 && !session.done(); ++i) check_message(session.advance(2), text, "advance");
  check_message(session.advance(0), text, "advance(0)");
  (void)session.result_json();
  return 0;
}
