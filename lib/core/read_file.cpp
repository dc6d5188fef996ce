#include "core/read_file.hpp"

#include <cerrno>
#include <cstring>

#include "core/kept_files.hpp"

namespace sonde::core {

Result<std::string> read_text(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string out;
  // Blocking open, as before: a config file given as a FIFO (a shell's process substitution) is
  // read, not refused with EAGAIN. /proc and /sys files are kept open (core/kept_files.hpp).
  const KeptFiles::Outcome r = KeptFiles::shared().read_all(path.c_str(), out, max_bytes, false);
  if (r.err == EFBIG && r.in_read) {
    return error(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (r.err != 0) return error(path.string() + ": " + std::strerror(r.err));
  return out;
}

}  // namespace sonde::core
