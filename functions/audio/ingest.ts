/**
 * Ingestion: bytes in (streamed), 16 kHz mono float out. Detects the format by content, decodes block by block,
 * downmixes and resamples each block as it arrives (mixdown.ts), so the full-rate multichannel signal never exists
 * in memory at once. Limits (size, duration, time) are enforced while streaming, so a hostile file is rejected as
 * early as possible; a container probe (probe/) checks that what was decoded is what the container declares.
 *
 * This runs in the calling thread. Callers that must survive a decoder stuck in WASM use ingestIsolated
 * (isolate.ts), which runs this function in a worker thread with a hard deadline and memory limits.
 */
import { libraryDecoder, type BlockDecoder } from './decoders.ts';
import { AudioError, corrupt, unsupported } from './errors.ts';
import {
  FORMAT_INFO,
  SNIFF_BYTES,
  contentFamily,
  id3v2Size,
  ID3_PADDING_LIMIT,
  isCompatible,
  paddingAfter,
  sniff,
  type AudioFormat,
} from './formats.ts';
import { Mixdown, type AudioWarning } from './mixdown.ts';
import { createProbe, Mp4Probe, type ContainerProbe, type Declared } from './probe/index.ts';
import { WavDecoder } from './wav-decoder.ts';
import { parseWavHeader, type WavHeader } from './wav-header.ts';

export interface IngestOptions {
  /** Output sample rate (the model's). */
  targetRate: number;
  /** Reject audio longer than this (seconds), as soon as the container declares it or the decoder passes it. */
  maxDurationS: number;
  /** Reject inputs larger than this many bytes. */
  maxBytes: number;
  /** Reject audio shorter than this many output samples. */
  minSamples: number;
  /** Content type the uploader declared; checked against the sniffed format when given. */
  declaredContentType?: string;
  /** Decoding time budget in ms, source waits excluded (default defaultTimeLimitMs); checked between blocks. */
  timeLimitMs?: number;
  /**
   * Size of the whole input in bytes, when the caller knows it (an S3 object, a file): a header that declares more
   * data than the input holds is rejected as corrupt at once, before its declared duration is judged.
   */
  sourceBytes?: number;
}

export interface PreparedAudio {
  format: AudioFormat;
  sampleRateIn: number;
  channelsIn: number;
  /** Duration of the decoded input, in seconds. */
  durationS: number;
  /** Mono samples at `targetRate`. */
  samples: Float32Array;
  sampleRate: number;
  /** What was noticed and worked around (e.g. stereo channels that cancel); absent when nothing was. */
  warnings?: AudioWarning[];
}

/**
 * Default decoding time budget: 50 ms per second of the longest audio accepted (a floor of 20× real time, five
 * times below the slowest format measured on one core), at least a minute. Time spent waiting for the source does
 * not count: a slow download is not a malformed file.
 */
export function defaultTimeLimitMs(maxDurationS: number): number {
  return Math.max(60_000, maxDurationS * 50);
}
/** Largest header RealTone reads before the audio starts (ID3 art, WAV LIST chunks). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

type Head = { parts: Uint8Array[]; size: number; done: boolean };

/** Reads from `it` until `want` bytes are buffered or the stream ends; returns them joined. */
async function fill(it: AsyncIterator<Uint8Array>, head: Head, want: number): Promise<Uint8Array> {
  while (!head.done && head.size < want) {
    const next = await it.next();
    if (next.done) head.done = true;
    else {
      head.parts.push(next.value);
      head.size += next.value.length;
    }
  }
  const out = new Uint8Array(head.size);
  let o = 0;
  for (const p of head.parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkDeclaredType(format: AudioFormat, declared: string | undefined): void {
  if (declared === undefined) return;
  const family = contentFamily(declared);
  if (!family) throw unsupported(`content type ${declared} is not a supported audio type`);
  if (!isCompatible(family, format))
    throw unsupported(`the content is ${FORMAT_INFO[format].label} but was declared as ${declared}`);
}

/** Rejects, before decoding, a stream whose container already states it is too long. */
function checkDeclaredDuration(d: Declared, maxDurationS: number): void {
  const seconds = (d.frames - d.slack) / d.rate;
  if (seconds > maxDurationS)
    throw new AudioError(
      'too_long',
      `the file declares ${seconds.toFixed(1)} s of audio; the maximum is ${maxDurationS} s`,
    );
}

/**
 * A library error becomes a precise code: a structural problem the probe found at the end of input explains
 * everything else; library messages name unsupported codecs inside supported containers; the rest is damage.
 */
function classify(error: unknown, format: AudioFormat, problem: string | undefined): AudioError {
  if (error instanceof AudioError) return error;
  const message = (error as Error)?.message ?? String(error);
  const label = FORMAT_INFO[format].label;
  if (problem) return corrupt(`the ${label} file is damaged: ${problem}`, error);
  if (/unsupported|not supported|no decoder/i.test(message))
    return unsupported(`the ${label} file uses an unsupported codec: ${message}`, error);
  if (/no audio track/i.test(message))
    return new AudioError('empty_audio', `the ${label} file has no audio track`, { cause: error });
  return corrupt(`the ${label} data cannot be decoded: ${message}`, error);
}

function wavDecoder(header: WavHeader, mix: Mixdown): BlockDecoder {
  const dec = new WavDecoder(header);
  const emit = (mono: Float32Array, left?: Float32Array) =>
    left ? mix.pushStereo(mono, left) : mix.pushMono(mono);
  let seen = 0;
  return {
    async push(chunk) {
      const skip = Math.max(0, Math.min(chunk.length, header.dataOffset - seen));
      seen += chunk.length;
      dec.push(chunk.subarray(skip), emit);
    },
    end: async () => undefined,
    free: () => undefined,
  };
}

/** What decoding learnt about the input; the samples went to the block sink as they were decoded. */
export type AudioInfo = Omit<PreparedAudio, 'samples'> & {
  /** Output samples at the target rate. */ outputSamples: number;
};

export interface IngestEvents {
  /** Each block of 16 kHz mono output as soon as it is decoded (a view, valid only during the call). */
  block(samples: Float32Array): void;
  /** The duration the container declares, once known (WAV header, FLAC/MP4/Ogg probes, Xing): for progress. */
  declared?(durationS: number): void;
}

/** Decodes and prepares audio; throws AudioError with a precise code for every rejection. */
export async function ingest(
  source: AsyncIterable<Uint8Array>,
  options: IngestOptions,
): Promise<PreparedAudio> {
  let samples: Float32Array | undefined;
  const info = await decodeAudio(source, options, undefined, (s) => (samples = s));
  const { outputSamples: _n, ...rest } = info;
  return { ...rest, samples: samples! };
}

/**
 * Decodes audio block by block into `events.block`, the same checks as `ingest` (which collects the blocks): every
 * rejection is an AudioError with a precise code, thrown at the latest when the input ends, so a consumer that
 * already used some blocks must discard its work when this rejects.
 */
export function ingestBlocks(
  source: AsyncIterable<Uint8Array>,
  options: IngestOptions,
  events: IngestEvents,
): Promise<AudioInfo> {
  return decodeAudio(source, options, events);
}

async function decodeAudio(
  source: AsyncIterable<Uint8Array>,
  options: IngestOptions,
  events: IngestEvents | undefined,
  collected?: (samples: Float32Array) => void,
): Promise<AudioInfo> {
  const limitMs = options.timeLimitMs ?? defaultTimeLimitMs(options.maxDurationS);
  const started = Date.now();
  let waited = 0; // ms spent waiting for the source
  const it = source[Symbol.asyncIterator]();
  const head: Head = { parts: [], size: 0, done: false };
  let bytes = await fill(it, head, SNIFF_BYTES);
  if (head.size === 0) throw new AudioError('empty_audio', 'the file is empty (0 bytes)');
  const id3 = id3v2Size(bytes);
  if (id3 > MAX_HEADER_BYTES)
    throw corrupt(`ID3 tag of ${id3} bytes exceeds the ${MAX_HEADER_BYTES}-byte header limit`);
  let start = id3;
  if (id3) {
    bytes = await fill(it, head, id3 + SNIFF_BYTES);
    if (head.size < id3) throw corrupt(`the file ends inside its ${id3}-byte ID3v2 tag`);
    if (bytes[id3] === 0) bytes = await fill(it, head, id3 + ID3_PADDING_LIMIT + SNIFF_BYTES);
    start += paddingAfter(bytes, id3);
  }
  if (mayBeOnlyTags(bytes.subarray(start))) {
    bytes = await fill(it, head, start + 129); // an ID3v1 tag is 128 bytes: one more says there is more
    if (head.done && onlyTags(bytes.subarray(start), id3 > 0))
      throw new AudioError('empty_audio', 'the file holds only ID3 tags and no audio frames');
  }
  const sniffed = sniff(bytes.subarray(start));
  if (!sniffed) throw unsupported('the content is not a recognised audio format');
  if (!sniffed.supported) throw unsupported(`${sniffed.what} is not supported`);
  const format = sniffed.format;
  checkDeclaredType(format, options.declaredContentType);

  let wav: WavHeader | undefined;
  if (format === 'wav') {
    for (;;) {
      wav = parseWavHeader(bytes);
      if (wav || head.done) break;
      if (head.size > MAX_HEADER_BYTES)
        throw corrupt(`no WAV data chunk in the first ${MAX_HEADER_BYTES} bytes`);
      bytes = await fill(it, head, head.size * 2);
    }
    if (!wav) throw corrupt('the WAV file ends before its data chunk');
  }

  const mix = new Mixdown(options.targetRate, options.maxDurationS, events?.block);
  let announced = false;
  const announce = (d: Declared) => {
    if (announced || !events?.declared) return;
    announced = true;
    events.declared(d.frames / d.rate);
  };
  let probe: ContainerProbe | undefined;
  let decoder: BlockDecoder;
  if (wav) {
    mix.start(wav.sampleRate, wav.channels);
    // A header that promises more than the object holds is corrupt, whatever duration it declares.
    if (wav.dataBytes !== undefined && options.sourceBytes !== undefined) {
      const available = Math.max(0, options.sourceBytes - wav.dataOffset);
      if (wav.dataBytes > available)
        throw corrupt(
          `WAV is truncated: the header declares ${wav.dataBytes} bytes of audio, the file holds ${available}`,
        );
    }
    if (wav.dataBytes !== undefined) {
      const frames = Math.floor(wav.dataBytes / wav.blockAlign);
      checkDeclaredDuration({ frames, rate: wav.sampleRate, slack: 0 }, options.maxDurationS);
      announce({ frames, rate: wav.sampleRate, slack: 0 });
    }
    decoder = wavDecoder(wav, mix);
  } else {
    const p = createProbe(format as Exclude<AudioFormat, 'wav'>);
    probe = p;
    decoder = await libraryDecoder(
      format as Exclude<AudioFormat, 'wav'>,
      (channels, rate) => mix.pushChannels(channels, rate),
      p instanceof Mp4Probe ? p : undefined,
    );
  }

  let total = 0;
  let declared: Declared | undefined;
  let inputDone = false;
  let sourceFailed = false;
  /** The next chunk; a failing source (network, disk) is not an audio problem and keeps its own error. */
  const read = async () => {
    const t = Date.now();
    try {
      return await it.next();
    } catch (error) {
      sourceFailed = true;
      throw error;
    } finally {
      waited += Date.now() - t;
    }
  };
  try {
    const feed = async (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > options.maxBytes)
        throw new AudioError('too_large', `the file exceeds ${options.maxBytes} bytes`);
      if (probe) {
        probe.push(chunk);
        if (!declared && (declared = probe.declared())) {
          checkDeclaredDuration(declared, options.maxDurationS);
          announce(declared);
        }
      }
      await decoder.push(chunk);
      if (Date.now() - started - waited > limitMs)
        throw corrupt(`decoding took longer than ${limitMs} ms; the file is probably malformed`);
    };
    for (const part of head.parts.splice(0)) await feed(part);
    while (!head.done) {
      const next = await read();
      if (next.done) break;
      await feed(next.value);
    }
    inputDone = true;
    await decoder.end();
  } catch (error) {
    decoder.free();
    if (sourceFailed) throw error;
    throw classify(error, format, inputDone ? probe?.problem() : undefined);
  }

  const label = FORMAT_INFO[format].label;
  const problem = probe?.problem();
  if (problem) throw corrupt(`the ${label} file is damaged: ${problem}`);
  if (wav) checkWavLength(wav, total, mix.frames);
  declared = probe?.declared();
  if (declared) checkDecodedLength(declared, mix, label);
  if (mix.frames === 0) throw new AudioError('empty_audio', 'the file contains no audio samples');
  if (mix.peak === 0) throw new AudioError('empty_audio', 'the audio is entirely digital silence');
  const samples = mix.finish();
  if (mix.outputSamples < options.minSamples) {
    throw new AudioError(
      'too_short',
      `audio lasts ${(mix.frames / mix.sampleRate).toFixed(2)} s; at least ${(options.minSamples / options.targetRate).toFixed(2)} s is needed`,
    );
  }
  collected?.(samples);
  return {
    format,
    sampleRateIn: probe?.codedRate?.() ?? mix.sampleRate,
    channelsIn: mix.channels,
    durationS: mix.frames / mix.sampleRate,
    outputSamples: mix.outputSamples,
    sampleRate: options.targetRate,
    ...(mix.warnings.length ? { warnings: [...mix.warnings] } : {}),
  };
}

const mayBeOnlyTags = (rest: Uint8Array) =>
  rest.length === 0 || (rest[0] === 0x54 && rest[1] === 0x41 && rest[2] === 0x47);

/** True for nothing but (after an ID3v2 tag and its padding) an optional 128-byte ID3v1 tag: no audio at all. */
function onlyTags(rest: Uint8Array, hadId3v2: boolean): boolean {
  if (rest.length === 0) return hadId3v2;
  return rest.length === 128 && rest[0] === 0x54 && rest[1] === 0x41 && rest[2] === 0x47; // "TAG"
}

function checkWavLength(wav: WavHeader, total: number, frames: number): void {
  const available = Math.max(0, total - wav.dataOffset);
  if (wav.dataBytes !== undefined && available < wav.dataBytes) {
    throw corrupt(
      `WAV is truncated: the header declares ${wav.dataBytes} bytes of audio, the file holds ${available}`,
    );
  }
  const declared = Math.floor((wav.dataBytes ?? available) / wav.blockAlign);
  if (frames !== declared)
    throw corrupt(`WAV decoded to ${frames} frames, the container declares ${declared}`);
}

/** The decoded length must agree with the container's, within the codec's slack. */
function checkDecodedLength(d: Declared, mix: Mixdown, label: string): void {
  const declaredS = d.frames / d.rate;
  if (!mix.sampleRate) {
    if (d.frames > d.slack)
      throw corrupt(`no audio could be decoded; the ${label} file declares ${declaredS.toFixed(3)} s`);
    return;
  }
  const off =
    d.rate === mix.sampleRate
      ? Math.abs(mix.frames - d.frames) / d.rate
      : Math.abs(mix.frames / mix.sampleRate - declaredS);
  if (off > d.slack / d.rate + 1e-9) {
    const decodedS = mix.frames / mix.sampleRate;
    throw corrupt(
      `decoded ${decodedS.toFixed(3)} s of audio but the ${label} file declares ${declaredS.toFixed(3)} s; it is truncated or damaged`,
    );
  }
}

/** Adapts a Uint8Array to the streaming interface (CLI on small files, tests). */
export async function* bytesSource(bytes: Uint8Array, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}
