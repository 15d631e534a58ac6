#include "train/data/wfdb_annotation.h"

#include "train/data/data_error.h"
#include "train/data/parse_util.h"

namespace acl::data {

namespace {

// WFDB mnemonics by code (ecgcodes.h / annot.c); "" for unassigned codes.
const char* const kSymbols[ann::kMaxCode + 1] = {
    " ", "N", "L",  "R", "a", "V", "F", "J", "A", "S",  // 0-9
    "E", "j", "/",  "Q", "~", "",  "|", "",  "s", "T",  // 10-19
    "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u",  // 20-29
    "?", "!", "[",  "]", "e", "n", "@", "x", "f", "(",  // 30-39
    ")", "r", "",   "",  "",  "",  "",  "",  "",  ""};  // 40-49

}  // namespace

std::vector<Annotation> parse_annotations(const std::vector<uint8_t>& bytes,
                                          const std::string& source) {
  std::vector<Annotation> out;
  size_t i = 0;
  int64_t time = 0;
  int chan = 0, num = 0;  // persist from one annotation to the next, as in WFDB
  auto where = [&](size_t at) { return source + " byte " + std::to_string(at) + ": "; };
  auto need_previous = [&](size_t at, const char* what) -> Annotation& {
    if (out.empty()) throw DataError(where(at) + what + " before any annotation");
    return out.back();
  };
  while (i + 1 < bytes.size()) {
    const size_t at = i;
    const uint32_t word = bytes[i] | (uint32_t(bytes[i + 1]) << 8);
    i += 2;
    if (word == 0) return out;  // end of file
    const int code = static_cast<int>(word >> 10);
    const int value = static_cast<int>(word & 0x3ff);
    switch (code) {
      case ann::kSkip: {
        if (i + 4 > bytes.size()) throw DataError(where(at) + "SKIP is truncated (needs 4 bytes)");
        const uint32_t hi = bytes[i] | (uint32_t(bytes[i + 1]) << 8);
        const uint32_t lo = bytes[i + 2] | (uint32_t(bytes[i + 3]) << 8);
        time += static_cast<int32_t>((hi << 16) | lo);
        i += 4;
        break;
      }
      case ann::kNum:
        num = need_previous(at, "NUM").num = value;
        break;
      case ann::kSub:
        need_previous(at, "SUB").subtype = value;
        break;
      case ann::kChn:
        chan = need_previous(at, "CHN").chan = value;
        break;
      case ann::kAux: {
        Annotation& a = need_previous(at, "AUX");
        if (i + value > bytes.size()) {
          throw DataError(where(at) + "AUX of " + std::to_string(value) + " bytes runs past the " +
                          std::to_string(bytes.size()) + "-byte file");
        }
        std::string aux(bytes.begin() + i, bytes.begin() + i + value);
        while (!aux.empty() && aux.back() == '\0') aux.pop_back();
        a.aux = aux;
        i += value + (value & 1);
        break;
      }
      default: {
        if (code > ann::kMaxCode) {
          throw DataError(where(at) + "annotation code " + std::to_string(code) +
                          " is not a valid code or pseudo-code");
        }
        time += value;
        Annotation a;
        a.sample = time;
        a.code = code;
        a.chan = chan;
        a.num = num;
        out.push_back(a);
        break;
      }
    }
  }
  return out;  // no terminating 0x0000 word: accept what was read, as WFDB does at EOF
}

std::vector<Annotation> read_annotations(const std::string& path) {
  return parse_annotations(detail::read_file_bytes(path), path);
}

std::string annotation_symbol(int code) {
  if (code < 0 || code > ann::kMaxCode) return "";
  return kSymbols[code];
}

bool is_beat_code(int code) {
  switch (code) {
    case ann::kNormal:
    case ann::kLbbb:
    case ann::kRbbb:
    case ann::kAberr:
    case ann::kPvc:
    case ann::kFusion:
    case ann::kNpc:
    case ann::kApc:
    case ann::kSvpb:
    case ann::kVesc:
    case ann::kNesc:
    case ann::kPace:
    case ann::kUnknown:
    case ann::kBbb:
    case ann::kLearn:
    case ann::kAesc:
    case ann::kSvesc:
    case ann::kPfus:
    case ann::kRont:
      return true;
    default:
      return false;
  }
}

std::vector<int64_t> beat_samples(const std::vector<Annotation>& annotations) {
  std::vector<int64_t> out;
  for (const auto& a : annotations) {
    if (is_beat_code(a.code)) out.push_back(a.sample);
  }
  return out;
}

}  // namespace acl::data
