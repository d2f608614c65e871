// Placeholder until the distribution experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter distribution_chapter() {
  Chapter c;
  c.name = "distribution";
  c.title = "distribution (not built yet)";
  c.preset = [] { return json{{"chapter", "distribution"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"distribution\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"distribution\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
