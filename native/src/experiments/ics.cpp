// Placeholder until the ics experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter ics_chapter() {
  Chapter c;
  c.name = "ics";
  c.title = "ics (not built yet)";
  c.preset = [] { return json{{"chapter", "ics"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"ics\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"ics\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
