// Remote write as daemon/ sees it: one Queue per remote_write entry, kept across a reload when
// its settings are unchanged (it carries on), replaced when they changed (the new queue sends
// what the old one's buffer holds), stopped when removed (and its buffer deleted).
#pragma once

#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "core/board.hpp"
#include "remote/queue.hpp"

namespace sonde::remote {

class RemoteWrite {
 public:
  RemoteWrite(const core::Board& board, std::shared_ptr<prometheus::Registry> registry,
              std::string user_agent, std::shared_ptr<FileLayer> files = posix_files())
      : board_(board),
        registry_(std::move(registry)),
        user_agent_(std::move(user_agent)),
        files_(std::move(files)) {}
  ~RemoteWrite() { stop(); }

  /// Applies a configuration: queues whose settings are unchanged continue.
  void update(std::vector<QueueSettings> settings);
  /// Starts the queues' threads (after the board is ready), and those of later updates.
  void start();
  void stop();
  std::size_t queues() const { return queues_.size(); }

 private:
  const core::Board& board_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::string user_agent_;
  std::shared_ptr<FileLayer> files_;
  std::vector<std::unique_ptr<Queue>> queues_;
  bool started_ = false;
};

}  // namespace sonde::remote
