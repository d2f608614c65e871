// Placeholder until the regularization experiment lands: the chapter is listed but refuses to run.
#include "bnlab/error.h"
#include "bnlab/experiment.h"

namespace bnlab {

Chapter regularization_chapter() {
  Chapter c;
  c.name = "regularization";
  c.title = "regularization (not built yet)";
  c.preset = [] { return json{{"chapter", "regularization"}}; };
  c.normalize = [](const json&) -> json { throw Error("chapter = \"regularization\": not available in this build yet"); };
  c.make = [](const json&) -> std::unique_ptr<Experiment> {
    throw Error("chapter = \"regularization\": not available in this build yet");
  };
  return c;
}

}  // namespace bnlab
