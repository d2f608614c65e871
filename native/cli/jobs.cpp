#include "jobs.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bnlab/api.h"

namespace bnlab_cli {

int run_cells(const std::string& spec, int jobs, const std::function<void(double)>& progress, std::string& result,
              std::string& error, const std::string& data_name, const std::string* data) {
  const bnlab::Outcome listed = bnlab::cells(spec);
  if (!listed.ok) {
    error = listed.error;
    return 2;
  }
  std::vector<std::string> cells;
  for (const nlohmann::json& c : nlohmann::json::parse(listed.json)) cells.push_back(c.dump());
  const std::size_t n = cells.size();

  std::vector<std::string> results(n);
  std::unique_ptr<std::atomic<double>[]> done(new std::atomic<double>[n]);
  for (std::size_t k = 0; k < n; ++k) done[k] = 0.0;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int> running{0};
  std::mutex error_lock;
  int status = 0;

  auto worker = [&] {
    for (std::size_t k = next++; k < n && !failed; k = next++) {
      bnlab::Session session;
      bnlab::Outcome o = data ? session.provide_data(data_name, *data) : bnlab::Outcome{};
      if (o.ok) o = session.start(cells[k]);
      while (o.ok && !session.done()) {
        o = session.advance(50);
        done[k] = session.progress();
        if (failed) return;
      }
      if (!o.ok) {
        std::lock_guard<std::mutex> hold(error_lock);
        if (!failed.exchange(true)) {
          error = "cell " + std::to_string(k) + " of " + std::to_string(n) + ": " + o.error;
          status = 1;
        }
        return;
      }
      results[k] = session.result_json();
      done[k] = 1.0;
    }
  };

  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), n);
  std::vector<std::thread> pool;
  running = static_cast<int>(threads);
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      worker();
      --running;
    });
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) sum += done[k];
    if (progress) progress(sum / static_cast<double>(n));
  }
  for (std::thread& t : pool) t.join();
  if (failed) return status;

  std::string all = "[";
  for (std::size_t k = 0; k < n; ++k) all += (k ? "," : "") + results[k];
  all += "]";
  const bnlab::Outcome merged = bnlab::merge(spec, all);
  if (!merged.ok) {
    error = merged.error;
    return 1;
  }
  result = merged.json;
  return 0;
}

}  // namespace bnlab_cli
