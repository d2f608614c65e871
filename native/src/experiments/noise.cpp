// Placeholder until the noise experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter noise_chapter() {
  Chapter c;
  c.name = "noise";
  c.title = "noise (not built yet)";
  c.preset = [] { return json{{"chapter", "noise"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"noise\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"noise\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
