#include "train/data/wfdb_header.h"

#include <cctype>
#include <sstream>

#include "engine/util/strings.h"
#include "train/data/data_error.h"
#include "train/data/parse_util.h"
#include "train/data/wfdb_flac.h"
#include "train/data/wfdb_formats.h"

namespace acl::data {

namespace {

using detail::parse_double;
using detail::parse_int64;

struct Token {
  std::string text;
  size_t begin = 0;  // offset in the line
};

std::vector<Token> tokenize(const std::string& line) {
  std::vector<Token> out;
  size_t i = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !blank(line[j])) ++j;
    if (j > i) out.push_back({line.substr(i, j - i), i});
    i = j;
  }
  return out;
}

// A header field quoted into a message: escaped and cut (strings::printable).
std::string quoted(const std::string& text) {
  return "'" + strings::printable(text) + "'";
}

class LineError {
 public:
  LineError(const std::string& source, int line) : source_(source), line_(line) {}
  [[noreturn]] void operator()(const std::string& what) const {
    throw DataError(source_ + " line " + std::to_string(line_) + ": " + what);
  }

 private:
  const std::string& source_;
  int line_;
};

int64_t int_field(const LineError& fail, const std::string& name, const std::string& text,
                  int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (!parse_int64(text, &v)) fail(name + " " + quoted(text) + " is not an integer");
  if (v < lo || v > hi) {
    fail(name + " " + quoted(text) + " is out of range [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "]");
  }
  return v;
}

std::string supported_formats_text() {
  std::ostringstream ss;
  std::vector<int> f = supported_formats();
  f.insert(f.end(), flac_formats().begin(), flac_formats().end());
  for (size_t i = 0; i < f.size(); ++i) ss << (i ? ", " : "") << f[i];
  return ss.str();
}

std::string strip_record_extension(const std::string& name) {
  for (const char* ext : {".mat", ".dat", ".hea"}) {
    if (detail::ends_with_ci(name, ext) && name.size() > 4) return name.substr(0, name.size() - 4);
  }
  return name;
}

// fs[/counter_freq[(base_counter)]]
void parse_frequency(const LineError& fail, const std::string& text, WfdbHeader& h) {
  size_t slash = text.find('/');
  std::string fs = text.substr(0, slash);
  if (!parse_double(fs, &h.fs) || h.fs <= 0.0) {
    fail("sampling frequency " + quoted(text) + " is not a positive number");
  }
  if (slash == std::string::npos) return;
  std::string rest = text.substr(slash + 1);
  size_t paren = rest.find('(');
  std::string counter = rest.substr(0, paren);
  if (!parse_double(counter, &h.counter_freq) || h.counter_freq <= 0.0) {
    fail("counter frequency in " + quoted(text) + " is not a positive number");
  }
  if (paren == std::string::npos) return;
  if (rest.back() != ')') fail("base counter in " + quoted(text) + " lacks its closing ')'");
  std::string base = rest.substr(paren + 1, rest.size() - paren - 2);
  if (!parse_double(base, &h.base_counter)) {
    fail("base counter in " + quoted(text) + " is not a number");
  }
}

void parse_record_line(const LineError& fail, const std::vector<Token>& t, WfdbHeader& h) {
  if (t.size() < 2) {
    fail("record line " + quoted(t[0].text) +
         " needs at least a record name and a number of signals");
  }
  if (t.size() > 6) fail("record line has " + std::to_string(t.size()) + " fields, at most 6");
  std::string name = t[0].text;
  size_t slash = name.find('/');
  if (slash != std::string::npos) {
    h.n_segments =
        static_cast<int>(int_field(fail, "number of segments", name.substr(slash + 1), 1, 1 << 30));
    name = name.substr(0, slash);
  }
  h.record_name = strip_record_extension(name);
  h.n_sig = static_cast<int>(int_field(fail, "number of signals", t[1].text, 1, 1 << 20));
  if (t.size() > 2) parse_frequency(fail, t[2].text, h);
  if (t.size() > 3) {
    h.n_samples = int_field(fail, "number of samples", t[3].text, 0, INT64_C(1) << 48);
  }
  // WFDB writes "time date"; CinC headers write "date time". A time has ':'.
  for (size_t i = 4; i < t.size(); ++i) {
    const bool is_time = t[i].text.find(':') != std::string::npos;
    std::string& slot = is_time ? h.base_time : h.base_date;
    if (!slot.empty()) {
      fail(std::string("record line has two base ") + (is_time ? "times" : "dates") + ": " +
           quoted(slot) + " and " + quoted(t[i].text));
    }
    slot = t[i].text;
  }
}

// format[xspf][:skew][+offset]
void parse_format(const LineError& fail, const std::string& text, WfdbSignalSpec& s) {
  size_t i = 0;
  auto number = [&](const char* what) -> int64_t {
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) fail(std::string(what) + " in format field " + quoted(text) + " is not a number");
    int64_t v = 0;
    if (!parse_int64(text.substr(i, j - i), &v) || v > (INT64_C(1) << 48)) {
      fail(std::string(what) + " in format field " + quoted(text) + " is out of range");
    }
    i = j;
    return v;
  };
  s.format = static_cast<int>(number("format code"));
  if (i < text.size() && text[i] == 'x') {
    ++i;
    s.samples_per_frame = static_cast<int>(number("samples per frame"));
    if (s.samples_per_frame < 1)
      fail("samples per frame in " + quoted(text) + " must be at least 1");
  }
  if (i < text.size() && text[i] == ':') {
    ++i;
    s.skew = static_cast<int>(number("skew"));
  }
  if (i < text.size() && text[i] == '+') {
    ++i;
    s.byte_offset = number("byte offset");
  }
  if (i != text.size())
    fail("format field " + quoted(text) + " has unexpected text " + quoted(text.substr(i)));
  // Format 0 is a null signal (nothing stored), as layout headers of multi-segment records use.
  if (s.format != 0 && !is_supported_format(s.format) && !is_flac_format(s.format)) {
    fail("format field " + quoted(text) + ": format " + std::to_string(s.format) +
         " is not a supported WFDB format (" + supported_formats_text() + ")");
  }
}

// gain[(baseline)][/units]; returns whether a baseline was given.
bool parse_gain(const LineError& fail, const std::string& text, WfdbSignalSpec& s) {
  size_t stop = text.find_first_of("(/");
  std::string gain = text.substr(0, stop);
  if (!parse_double(gain, &s.gain))
    fail("gain " + quoted(gain) + " in " + quoted(text) + " is not a number");
  bool has_baseline = false;
  size_t i = stop;
  if (i != std::string::npos && text[i] == '(') {
    size_t close = text.find(')', i);
    if (close == std::string::npos) fail("baseline in gain field " + quoted(text) + " lacks ')'");
    s.baseline =
        static_cast<int32_t>(int_field(fail, "baseline in gain field " + quoted(text),
                                       text.substr(i + 1, close - i - 1), INT32_MIN, INT32_MAX));
    has_baseline = true;
    i = close + 1;
    if (i == text.size()) i = std::string::npos;
  }
  if (i != std::string::npos) {
    if (text[i] != '/' || i + 1 >= text.size()) {
      fail("gain field " + quoted(text) + " has unexpected text " + quoted(text.substr(i)));
    }
    s.units = normalize_units(text.substr(i + 1));
  }
  if (s.gain == 0.0) {
    s.gain = 200.0;
    s.gain_defaulted = true;
  }
  return has_baseline;
}

WfdbSignalSpec parse_signal_line(const LineError& fail, const std::string& line,
                                 const std::vector<Token>& t, int line_no) {
  WfdbSignalSpec s;
  s.line = line_no;
  if (t.size() < 2)
    fail("signal line " + quoted(line) + " needs at least a file name and a format");
  s.file_name = t[0].text;
  const std::string outside = detail::outside_dir_error("signal file", s.file_name);
  if (!outside.empty()) fail(outside);
  parse_format(fail, t[1].text, s);
  bool has_baseline = false;
  if (t.size() > 2) {
    has_baseline = parse_gain(fail, t[2].text, s);
  } else {
    s.gain_defaulted = true;
  }
  if (t.size() > 3)
    s.adc_resolution = static_cast<int>(int_field(fail, "ADC resolution", t[3].text, 0, 64));
  if (t.size() > 4) {
    s.adc_zero = static_cast<int32_t>(int_field(fail, "ADC zero", t[4].text, INT32_MIN, INT32_MAX));
  }
  if (t.size() > 5) {
    s.initial_value =
        static_cast<int32_t>(int_field(fail, "initial value", t[5].text, INT32_MIN, INT32_MAX));
    s.has_initial_value = true;
  }
  if (t.size() > 6) {
    s.checksum = static_cast<int32_t>(int_field(fail, "checksum", t[6].text, -32768, 65535));
    s.has_checksum = true;
  }
  if (t.size() > 7) {
    s.block_size = static_cast<int>(int_field(fail, "block size", t[7].text, 0, INT32_MAX));
  }
  if (t.size() > 8) s.description = strings::trim(line.substr(t[8].begin));
  if (!has_baseline) s.baseline = s.adc_zero;
  return s;
}

}  // namespace

std::string normalize_units(const std::string& units) {
  std::string l = strings::to_lower(units);
  if (l == "mv") return "mV";
  if (l == "uv" || l == "\xc2\xb5v" || l == "\xce\xbcv") return "uV";  // also micro sign / mu
  if (l == "v") return "V";
  return units;
}

double units_to_mv(const std::string& units) {
  std::string n = normalize_units(units);
  if (n == "mV") return 1.0;
  if (n == "uV") return 1e-3;
  if (n == "V") return 1e3;
  return 0.0;
}

WfdbHeader parse_wfdb_header(const std::string& text, const std::string& source) {
  WfdbHeader h;
  h.source = source;
  bool have_record = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    std::string t = strings::trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      h.comments.push_back(strings::trim(t.substr(1)));
      continue;
    }
    LineError fail(source, line_no);
    std::vector<Token> tokens = tokenize(t);
    if (!have_record) {
      parse_record_line(fail, tokens, h);
      h.record_line = line_no;
      have_record = true;
    } else if (h.n_segments > 0) {
      if (static_cast<int>(h.segments.size()) == h.n_segments) {
        fail("more segment lines than the " + std::to_string(h.n_segments) +
             " the record line declares");
      }
      if (tokens.size() != 2) fail("segment line " + quoted(t) + " needs a name and a length");
      const std::string outside = detail::outside_dir_error("segment name", tokens[0].text);
      if (!outside.empty()) fail(outside);
      h.segments.push_back({tokens[0].text,
                            int_field(fail, "segment length", tokens[1].text, 0, INT64_C(1) << 48),
                            line_no});
    } else {
      if (static_cast<int>(h.signals.size()) == h.n_sig) {
        fail("signal line " + quoted(t) + " is one more than the " + std::to_string(h.n_sig) +
             " signals the record line (line " + std::to_string(h.record_line) + ") declares");
      }
      h.signals.push_back(parse_signal_line(fail, t, tokens, line_no));
    }
  }
  if (!have_record)
    throw DataError(source + ": no record line (the header is empty or all comments)");
  if (h.n_segments > 0) {
    if (static_cast<int>(h.segments.size()) != h.n_segments) {
      throw DataError(source + ": record line (line " + std::to_string(h.record_line) +
                      ") declares " + std::to_string(h.n_segments) +
                      " segments but the header has " + std::to_string(h.segments.size()) +
                      " segment lines");
    }
  } else if (static_cast<int>(h.signals.size()) != h.n_sig) {
    throw DataError(source + ": record line (line " + std::to_string(h.record_line) +
                    ") declares " + std::to_string(h.n_sig) + " signals but the header has " +
                    std::to_string(h.signals.size()) + " signal lines");
  }
  return h;
}

std::string wfdb_header_path(const std::string& record_or_header) {
  if (detail::ends_with_ci(record_or_header, ".hea")) return record_or_header;
  return record_or_header + ".hea";
}

WfdbHeader read_wfdb_header(const std::string& path) {
  std::string hea = wfdb_header_path(path);
  return parse_wfdb_header(detail::read_text_file(hea), hea);
}

}  // namespace acl::data
