// WFDB annotation files in the MIT format (e.g. MIT-BIH "100.atr").
//
// A stream of 16-bit little-endian words: the top 6 bits are the annotation code, the low 10 bits
// the sample interval from the previous annotation. Pseudo-codes modify the stream:
//   SKIP (59): the next 4 bytes are a 32-bit signed interval, high 16-bit word first, each word
//              little-endian (PDP-11 order); it precedes the annotation it moves;
//   NUM (60), SUB (61), CHN (62): set num / subtype / chan of the preceding annotation (num and
//              chan carry over to later annotations, as in WFDB);
//   AUX (63): the low 10 bits are a byte count; that many bytes follow, padded to an even length;
//              the text (trailing NULs dropped) belongs to the preceding annotation.
// The word 0x0000 ends the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace acl::data {

// WFDB annotation codes (ecgcodes.h) used by the readers and their tests.
namespace ann {
constexpr int kNotQrs = 0, kNormal = 1, kLbbb = 2, kRbbb = 3, kAberr = 4, kPvc = 5, kFusion = 6,
              kNpc = 7, kApc = 8, kSvpb = 9, kVesc = 10, kNesc = 11, kPace = 12, kUnknown = 13,
              kNoise = 14, kArfct = 16, kBbb = 25, kRhythm = 28, kLearn = 30, kAesc = 34,
              kSvesc = 35, kNapc = 37, kPfus = 38, kRont = 41;
constexpr int kMaxCode = 49;  // ACMAX: codes above are stream pseudo-codes
constexpr int kSkip = 59, kNum = 60, kSub = 61, kChn = 62, kAux = 63;
}  // namespace ann

struct Annotation {
  int64_t sample = 0;  // sample index (time in samples from the record start)
  int code = 0;        // annotation code (ann::kNormal, ...)
  int subtype = 0;
  int chan = 0;
  int num = 0;
  std::string aux;  // e.g. "(N" or "(AFIB" on rhythm annotations
};

// Parses an MIT-format annotation byte stream; `source` names it in errors. Throws DataError for
// a truncated SKIP or AUX record or a modifier before any annotation.
std::vector<Annotation> parse_annotations(const std::vector<uint8_t>& bytes,
                                          const std::string& source);

// Reads an annotation file, e.g. read_annotations("data/100.atr").
std::vector<Annotation> read_annotations(const std::string& path);

// WFDB mnemonic of a code ("N", "V", "+", "~", ...); "" for an unassigned code.
std::string annotation_symbol(int code);

// True for the codes PhysioNet lists as beat annotations (those that mark a QRS complex):
// N L R B A a J S V r F e j n E / f Q ?. Not x (non-conducted P wave), rhythm or noise codes.
bool is_beat_code(int code);

// Sample positions of the beat annotations, in file order.
std::vector<int64_t> beat_samples(const std::vector<Annotation>& annotations);

}  // namespace acl::data
