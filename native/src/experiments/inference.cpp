// Placeholder until the inference experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter inference_chapter() {
  Chapter c;
  c.name = "inference";
  c.title = "inference (not built yet)";
  c.preset = [] { return json{{"chapter", "inference"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"inference\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"inference\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
