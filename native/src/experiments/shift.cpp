// Placeholder until the shift experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter shift_chapter() {
  Chapter c;
  c.name = "shift";
  c.title = "shift (not built yet)";
  c.preset = [] { return json{{"chapter", "shift"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"shift\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"shift\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
