#include "train/data/wfdb_flac.h"

#include <FLAC/stream_decoder.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "train/data/data_error.h"

namespace acl::data {

namespace {

struct Source {
  const std::vector<uint8_t>* bytes = nullptr;
  size_t pos = 0;
  FlacSignals* out = nullptr;
  int n_channels = 0;
  uint64_t total_samples = 0;  // per channel, from STREAMINFO; 0 = unknown
  std::string error;           // first problem a callback saw
};

FLAC__StreamDecoderReadStatus on_read(const FLAC__StreamDecoder*, FLAC__byte buffer[],
                                      size_t* bytes, void* data) {
  auto* s = static_cast<Source*>(data);
  const size_t left = s->bytes->size() - s->pos;
  if (left == 0) {
    *bytes = 0;
    return FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM;
  }
  const size_t n = std::min(*bytes, left);
  std::memcpy(buffer, s->bytes->data() + s->pos, n);
  s->pos += n;
  *bytes = n;
  return FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

FLAC__StreamDecoderWriteStatus on_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                        const FLAC__int32* const buffer[], void* data) {
  auto* s = static_cast<Source*>(data);
  const int ch = static_cast<int>(frame->header.channels);
  if (ch != s->n_channels) {
    s->error = "a FLAC frame has " + std::to_string(ch) + " channels, the header names " +
               std::to_string(s->n_channels) + " signals for this file";
    return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
  }
  s->out->channels.resize(static_cast<size_t>(ch));
  for (int c = 0; c < ch; ++c) {
    auto& v = s->out->channels[static_cast<size_t>(c)];
    v.insert(v.end(), buffer[c], buffer[c] + frame->header.blocksize);
  }
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void on_metadata(const FLAC__StreamDecoder*, const FLAC__StreamMetadata* m, void* data) {
  auto* s = static_cast<Source*>(data);
  if (m->type == FLAC__METADATA_TYPE_STREAMINFO) {
    s->out->bits_per_sample = static_cast<int>(m->data.stream_info.bits_per_sample);
    s->total_samples = m->data.stream_info.total_samples;
  }
}

void on_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* data) {
  auto* s = static_cast<Source*>(data);
  if (s->error.empty()) {
    s->error =
        std::string("corrupt FLAC stream (") + FLAC__StreamDecoderErrorStatusString[status] + ")";
  }
}

}  // namespace

const std::vector<int>& flac_formats() {
  static const std::vector<int> formats = {508, 516, 524};
  return formats;
}

bool is_flac_format(int format) {
  const std::vector<int>& f = flac_formats();
  return std::find(f.begin(), f.end(), format) != f.end();
}

FlacSignals decode_flac(const std::vector<uint8_t>& bytes, int format, int n_channels,
                        const std::string& path) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "fLaC", 4) != 0) {
    throw DataError(path + ": not a FLAC file (no 'fLaC' signature), but the header gives format " +
                    std::to_string(format));
  }
  FlacSignals out;
  Source src{&bytes, 0, &out, n_channels, 0, ""};
  std::unique_ptr<FLAC__StreamDecoder, void (*)(FLAC__StreamDecoder*)> dec(
      FLAC__stream_decoder_new(), FLAC__stream_decoder_delete);
  if (!dec) throw DataError(path + ": cannot create a FLAC decoder");
  FLAC__stream_decoder_set_md5_checking(dec.get(), true);
  if (FLAC__stream_decoder_init_stream(dec.get(), on_read, nullptr, nullptr, nullptr, nullptr,
                                       on_write, on_metadata, on_error,
                                       &src) != FLAC__STREAM_DECODER_INIT_STATUS_OK) {
    throw DataError(path + ": cannot initialise the FLAC decoder");
  }
  const bool ok = FLAC__stream_decoder_process_until_end_of_stream(dec.get());
  const bool md5_ok = FLAC__stream_decoder_finish(dec.get());
  if (!src.error.empty()) throw DataError(path + ": " + src.error);
  if (!ok) throw DataError(path + ": FLAC stream could not be decoded (truncated or corrupt)");
  if (!md5_ok) throw DataError(path + ": FLAC MD5 signature does not match the decoded samples");
  const int max_bits = format - 500;
  if (out.bits_per_sample > max_bits) {
    throw DataError(path + ": FLAC stream has " + std::to_string(out.bits_per_sample) +
                    " bits per sample, format " + std::to_string(format) + " allows " +
                    std::to_string(max_bits));
  }
  if (out.channels.empty()) out.channels.resize(static_cast<size_t>(n_channels));
  const uint64_t got = out.channels[0].size();
  if (src.total_samples > 0 && got < src.total_samples) {
    throw DataError(path + ": truncated FLAC stream: " + std::to_string(got) + " of the " +
                    std::to_string(src.total_samples) + " samples per channel its header declares");
  }
  return out;
}

}  // namespace acl::data
