#!/usr/bin/env bash
# Regenerates test/fixtures/audio: a small set of real files (espeak-ng speech encoded by ffmpeg/sox) covering every
# supported format and every audio error code. Deterministic: espeak-ng and ffmpeg run in bit-exact mode, so running
# it twice with the same tool versions gives identical bytes. expected.json is maintained by hand next to the files
# (test/unit/cli/fixtures.test.ts and test/unit/audio/fixtures.test.ts check both against each other).
#
# usage: scripts/make-audio-fixtures.sh [OUT_DIR]   (default test/fixtures/audio)
# needs: espeak-ng, ffmpeg (libmp3lame, libvorbis, libopus, aac, wmav2), node
set -euo pipefail

OUT=${1:-"$(dirname "$0")/../test/fixtures/audio"}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# -bitexact keeps version strings, random Ogg serials, Matroska UIDs and MP4 timestamps out of the output.
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
BX=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

# Speech sources: 3.26 s and 1.01 s at 22.05 kHz mono.
espeak-ng -v en-us -w "$TMP/long.wav" "Please verify that this recording was made by a real person."
espeak-ng -v en-us -w "$TMP/short.wav" "Hello there."
S="$TMP/long.wav"

# --- decodable (ok: true) -------------------------------------------------------------------------------------------
ff -i "$S" -ar 16000 -c:a pcm_s16le "${BX[@]}" "$OUT/wav-pcm16-mono-16k.wav"
ff -i "$S" -ar 8000 -c:a pcm_u8 "${BX[@]}" "$OUT/wav-pcm8-mono-8k.wav"
ff -i "$S" -t 1.1 -ar 48000 -ac 2 -c:a pcm_s24le "${BX[@]}" "$OUT/wav-pcm24-stereo-48k.wav"
ff -i "$S" -t 1.5 -ar 32000 -c:a pcm_s32le "${BX[@]}" "$OUT/wav-pcm32-mono-32k.wav"
ff -i "$S" -t 1.2 -ar 22050 -ac 2 -c:a pcm_f32le "${BX[@]}" "$OUT/wav-float32-stereo-22k.wav"
ff -i "$S" -t 1.5 -ar 16000 -c:a pcm_f64le "${BX[@]}" "$OUT/wav-float64-mono-16k.wav"
ff -i "$S" -ar 8000 -c:a pcm_mulaw "${BX[@]}" "$OUT/wav-mulaw-8k.wav"
ff -i "$S" -ar 8000 -c:a pcm_alaw "${BX[@]}" "$OUT/wav-alaw-8k.wav"
# Six channels force WAVE_FORMAT_EXTENSIBLE; only the centre channel speaks, the downmix averages all six.
ff -i "$S" -t 1.5 -filter_complex "[0:a]aresample=8000,pan=5.1|FC=c0" -c:a pcm_s16le "${BX[@]}" \
  "$OUT/wav-extensible-6ch-8k.wav"
# A LIST/INFO chunk between fmt and data, as recorders and editors write it.
ff -i "$S" -ar 11025 -c:a pcm_s16le -fflags +bitexact -flags:a +bitexact -metadata title="RealTone fixture" \
  "$OUT/wav-list-chunk-11k.wav"
ff -i "$S" -t 2 -ar 16000 -c:a pcm_s16le -rf64 always "${BX[@]}" "$OUT/wav-rf64-16k.wav"
# Written to a pipe: the RIFF and data sizes are left open (0xFFFFFFFF), as streaming recorders do.
ff -i "$S" -t 2 -ar 16000 -c:a pcm_s16le "${BX[@]}" -f wav - | cat >"$OUT/wav-streamed-16k.wav"

# MP3 with an ID3v2.3 tag holding an embedded cover picture (a 64×64 PNG) in front of the audio.
ff -f lavfi -i "color=c=0x3366cc:s=64x64:d=1" -frames:v 1 -fflags +bitexact "$TMP/cover.png"
ff -i "$S" -i "$TMP/cover.png" -map 0:a -map 1:v -c:a libmp3lame -b:a 64k -ar 44100 -c:v copy \
  -id3v2_version 3 -metadata title="RealTone fixture" -metadata:s:v comment="Cover (front)" \
  -fflags +bitexact -flags:a +bitexact "$OUT/mp3-id3-cover-44k.mp3"
ff -i "$S" -c:a libmp3lame -q:a 6 -ar 22050 -write_xing 1 -id3v2_version 0 "${BX[@]}" \
  "$OUT/mp3-vbr-mono-22k.mp3"
ff -i "$S" -c:a libvorbis -q:a 3 -ar 44100 -ac 2 "${BX[@]}" "$OUT/ogg-vorbis-stereo-44k.ogg"
ff -i "$S" -c:a libopus -b:a 32k "${BX[@]}" "$OUT/ogg-opus-mono.opus"
ff -i "$S" -ar 44100 -c:a flac -sample_fmt s16 "${BX[@]}" "$OUT/flac-16bit-44k.flac"
ff -i "$S" -t 1.2 -ar 96000 -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 "${BX[@]}" "$OUT/flac-24bit-96k.flac"
ff -i "$S" -c:a aac -b:a 64k -ar 44100 -movflags +faststart "${BX[@]}" "$OUT/m4a-aac-44k.m4a"
# ffmpeg's default layout (and many phone recorders'): the sample tables (moov) after the audio (mdat).
ff -i "$S" -c:a aac -b:a 64k -ar 22050 "${BX[@]}" "$OUT/m4a-aac-moov-at-end-22k.m4a"
ff -i "$S" -ar 16000 -c:a alac "${BX[@]}" "$OUT/m4a-alac-16k.m4a"
ff -i "$S" -c:a libopus -b:a 32k "${BX[@]}" "$OUT/webm-opus-mono.webm"
# Written to a pipe, like a browser's MediaRecorder: unknown Segment and Cluster sizes, no Duration.
ff -i "$S" -c:a libopus -b:a 32k "${BX[@]}" -f webm - | cat >"$OUT/webm-opus-streamed.webm"
ff -i "$S" -c:a aac -b:a 64k -ar 44100 "${BX[@]}" -f adts "$OUT/aac-adts-44k.aac"
# At <= 24 kHz the AAC decoder doubles the rate (it must assume implicit SBR); sample_rate_in is the header's 16000.
ff -i "$S" -c:a aac -b:a 32k -ar 16000 "${BX[@]}" -f adts "$OUT/aac-adts-16k.aac"
ff -i "$S" -t 2 -ar 16000 -c:a pcm_s16be "${BX[@]}" "$OUT/aiff-16bit-16k.aiff"
# 8.5 s: speech, 4 s of digital silence, then 0.5 s of speech: one scored chunk, one `silence`, one `too_short` tail.
ff -i "$S" -i "$TMP/short.wav" -filter_complex \
  "[0:a]aresample=16000,apad=whole_dur=4,atrim=0:4[a];anullsrc=r=16000:cl=mono:d=4[z];[1:a]aresample=16000,atrim=0:0.5[b];[a][z][b]concat=n=3:v=0:a=1" \
  -c:a flac "${BX[@]}" "$OUT/flac-silence-and-tail-16k.flac"

# --- rejected -------------------------------------------------------------------------------------------------------
printf 'This is a text file that someone renamed to .wav\n' >"$OUT/unsupported-text.wav"
cp "$TMP/cover.png" "$OUT/unsupported-image.mp3"
ff -i "$S" -ar 16000 -c:a adpcm_ms "${BX[@]}" "$OUT/unsupported-adpcm.wav"
ff -i "$S" -ar 16000 -c:a wmav2 -b:a 32k "${BX[@]}" "$OUT/unsupported-wma.wma"
ff -i "$S" -ar 16000 -c:a flac "${BX[@]}" -f ogg "$OUT/unsupported-flac-in-ogg.oga"

# Truncated: each file is a valid one cut at 60 % of its bytes; the container still declares the full length.
cut60() { head -c $(($(stat -c %s "$1") * 6 / 10)) "$1" >"$2"; }
cut60 "$OUT/wav-pcm16-mono-16k.wav" "$OUT/corrupt-truncated.wav"
cut60 "$OUT/mp3-vbr-mono-22k.mp3" "$OUT/corrupt-truncated.mp3"
cut60 "$OUT/flac-16bit-44k.flac" "$OUT/corrupt-truncated.flac"
cut60 "$OUT/ogg-vorbis-stereo-44k.ogg" "$OUT/corrupt-truncated.ogg"
cut60 "$OUT/ogg-opus-mono.opus" "$OUT/corrupt-truncated.opus"
cut60 "$OUT/m4a-aac-44k.m4a" "$OUT/corrupt-truncated.m4a"
cut60 "$OUT/webm-opus-mono.webm" "$OUT/corrupt-truncated.webm"
# Float WAV with one NaN sample in the middle.
ff -i "$S" -t 2 -ar 16000 -c:a pcm_f32le "${BX[@]}" "$OUT/corrupt-nan.wav"
node -e '
  const fs = require("fs"); const f = process.argv[1]; const b = fs.readFileSync(f);
  const data = b.indexOf("data") + 8; b.writeFloatLE(NaN, data + 4 * 20000); fs.writeFileSync(f, b);
' "$OUT/corrupt-nan.wav"
# A FLAC whose STREAMINFO is intact but whose frames are overwritten with noise.
node -e '
  const fs = require("fs"); const [src, dst] = process.argv.slice(1); const b = fs.readFileSync(src);
  let s = 12345; for (let i = 8192; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
  fs.writeFileSync(dst, b);
' "$OUT/flac-16bit-44k.flac" "$OUT/corrupt-garbage-frames.flac"

: >"$OUT/empty-zero-bytes.wav"
ff -f lavfi -i "anullsrc=r=16000:cl=mono:d=3" -c:a pcm_s16le "${BX[@]}" "$OUT/empty-silence.wav"
ff -f lavfi -i "anullsrc=r=44100:cl=stereo:d=2" -c:a libmp3lame -b:a 64k "${BX[@]}" "$OUT/empty-silence.mp3"
ff -i "$S" -ar 16000 -c:a pcm_s16le -t 0 "${BX[@]}" "$OUT/empty-no-samples.wav"

ff -i "$TMP/short.wav" -ar 16000 -c:a pcm_s16le -t 0.5 "${BX[@]}" "$OUT/too-short-0.5s.wav"
ff -i "$TMP/short.wav" -c:a libmp3lame -b:a 32k -t 0.4 "${BX[@]}" "$OUT/too-short-0.4s.mp3"
# 62 minutes of a constant (non-silent) level: FLAC stores it in a few bytes per frame, so the file stays small.
ff -f lavfi -i "aevalsrc=0.05:s=8000:d=3720" -c:a flac -frame_size 65535 "${BX[@]}" "$OUT/too-long-62min.flac"
# A valid 3 s file; too_large only under MAX_UPLOAD_BYTES=65536 (expected.json carries that env).
ff -i "$S" -ar 16000 -c:a pcm_s16le -t 3 "${BX[@]}" "$OUT/too-large-under-64k-limit.wav"

ls -l "$OUT" | awk 'NR > 1 { n++; s += $5 } END { printf "%d files, %.2f MB\n", n, s / 1e6 }'
