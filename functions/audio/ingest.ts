/**
 * Ingestion: bytes in (streamed), 16 kHz mono float out. Detects the format by content, decodes block by block with
 * @audio/decode, downmixes and resamples each block as it arrives, so the full-rate multichannel signal never exists
 * in memory at once. Limits (size, duration, time) are enforced while streaming, so a hostile file is rejected as
 * early as possible.
 */
import decode, { type StreamDecoder } from 'audio-decode';
import { AudioError, corrupt, unsupported } from './errors.ts';
import {
  FORMAT_INFO,
  SNIFF_BYTES,
  contentFamily,
  id3v2Size,
  isCompatible,
  sniff,
  type AudioFormat,
} from './formats.ts';
import { StreamingResampler } from './resample.ts';
import { WavDecoder } from './wav-decoder.ts';
import { parseWavHeader, type WavHeader } from './wav-header.ts';

export interface IngestOptions {
  /** Output sample rate (the model's). */
  targetRate: number;
  /** Reject audio longer than this (seconds), as soon as the decoder passes it. */
  maxDurationS: number;
  /** Reject inputs larger than this many bytes. */
  maxBytes: number;
  /** Reject audio shorter than this many output samples. */
  minSamples: number;
  /** Content type the uploader declared; checked against the sniffed format when given. */
  declaredContentType?: string;
  /** Wall-clock budget for the whole ingestion in milliseconds. */
  timeLimitMs?: number;
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
}

/** Largest header RealTone reads before the audio starts (ID3 art, WAV LIST chunks). */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const MIN_RATE = 1000;
const MAX_RATE = 384000;
const MAX_CHANNELS = 64;

const concat = (parts: Uint8Array[], total: number) => {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Reads from `it` until `want` bytes are buffered or the stream ends. */
async function fill(
  it: AsyncIterator<Uint8Array>,
  head: { parts: Uint8Array[]; size: number; done: boolean },
  want: number,
) {
  while (!head.done && head.size < want) {
    const next = await it.next();
    if (next.done) head.done = true;
    else {
      head.parts.push(next.value);
      head.size += next.value.length;
    }
  }
  return concat(head.parts, head.size);
}

class Mixer {
  private resampler: StreamingResampler | undefined;
  readonly out: Float32Array[] = [];
  outLength = 0;
  frames = 0;
  sampleRate = 0;
  channels = 0;
  peak = 0;

  constructor(
    private readonly targetRate: number,
    private readonly maxFrames: (rate: number) => number,
  ) {}

  push(channelData: Float32Array[], sampleRate: number): void {
    if (!this.sampleRate) {
      if (sampleRate < MIN_RATE || sampleRate > MAX_RATE)
        throw corrupt(`decoded sample rate ${sampleRate} Hz is out of range`);
      if (channelData.length > MAX_CHANNELS)
        throw corrupt(`decoded audio has ${channelData.length} channels`);
      this.sampleRate = sampleRate;
      this.channels = channelData.length;
      if (sampleRate !== this.targetRate)
        this.resampler = new StreamingResampler(sampleRate, this.targetRate);
    } else if (sampleRate !== this.sampleRate) {
      throw unsupported(`sample rate changes mid-stream (${this.sampleRate} → ${sampleRate} Hz)`);
    }
    const n = channelData[0]!.length;
    const mono = new Float32Array(n);
    const c = channelData.length;
    // Downmix by averaging channels; reject NaN/∞ here, where every sample passes once.
    let peak = this.peak;
    for (let ch = 0; ch < c; ch++) {
      const data = channelData[ch]!;
      if (data.length !== n) throw corrupt('decoder returned channels of different lengths');
      for (let i = 0; i < n; i++) mono[i] = mono[i]! + data[i]!;
    }
    const inv = 1 / c;
    for (let i = 0; i < n; i++) {
      const v = mono[i]! * inv;
      if (v !== v || v === Infinity || v === -Infinity)
        throw corrupt(`sample ${this.frames + i} is not a finite number`);
      mono[i] = v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    this.peak = peak;
    this.frames += n;
    if (this.frames > this.maxFrames(this.sampleRate)) {
      throw new AudioError('too_long', 'audio is longer than the configured maximum duration');
    }
    this.emit(this.resampler ? this.resampler.push(mono) : mono);
  }

  private emit(block: Float32Array): void {
    if (block.length) {
      this.out.push(block);
      this.outLength += block.length;
    }
  }

  finish(): Float32Array {
    if (this.resampler) this.emit(this.resampler.flush());
    const samples = new Float32Array(this.outLength);
    let o = 0;
    for (const b of this.out.splice(0)) {
      samples.set(b, o);
      o += b.length;
    }
    return samples;
  }
}

interface BlockDecoder {
  push(chunk: Uint8Array): Promise<AudioData> | AudioData;
  end(): Promise<AudioData> | AudioData;
  free(): void;
}
type AudioData = { channelData: Float32Array[]; sampleRate: number };

/** WAV: our own decoder, fed only the bytes after the header. */
function wavStream(header: WavHeader): BlockDecoder {
  const dec = new WavDecoder(header);
  let seen = 0;
  return {
    push(chunk) {
      const skip = Math.max(0, Math.min(chunk.length, header.dataOffset - seen));
      seen += chunk.length;
      return { channelData: dec.push(chunk.subarray(skip)), sampleRate: header.sampleRate };
    },
    end: () => ({ channelData: [], sampleRate: header.sampleRate }),
    free: () => undefined,
  };
}

/** Every other format: @audio/decode's chunked decoders. */
async function libraryStream(format: AudioFormat): Promise<BlockDecoder> {
  const create = (decode as unknown as Record<AudioFormat, () => Promise<StreamDecoder>>)[format];
  const dec = await create();
  let open = true;
  return {
    push: (chunk) => dec(chunk),
    end: async () => {
      open = false;
      return dec();
    },
    free: () => {
      if (open) dec.free();
      open = false;
    },
  };
}

/** Decodes and prepares audio; throws AudioError with a precise code for every rejection. */
export async function ingest(
  source: AsyncIterable<Uint8Array>,
  options: IngestOptions,
): Promise<PreparedAudio> {
  const deadline = Date.now() + (options.timeLimitMs ?? 120_000);
  const checkTime = () => {
    if (Date.now() > deadline)
      throw corrupt(
        `decoding took longer than ${options.timeLimitMs ?? 120_000} ms; the file is probably malformed`,
      );
  };
  const it = source[Symbol.asyncIterator]();
  const head = { parts: [] as Uint8Array[], size: 0, done: false };
  let bytes = await fill(it, head, SNIFF_BYTES);
  if (head.size === 0) throw new AudioError('empty_audio', 'the file is empty (0 bytes)');
  const id3 = id3v2Size(bytes);
  if (id3 > MAX_HEADER_BYTES)
    throw corrupt(`ID3 tag of ${id3} bytes exceeds the ${MAX_HEADER_BYTES}-byte header limit`);
  if (id3) bytes = await fill(it, head, id3 + SNIFF_BYTES);
  const sniffed = sniff(bytes.subarray(id3));
  if (!sniffed) throw unsupported('the content is not a recognised audio format');
  if (!sniffed.supported) throw unsupported(`${sniffed.what} is not supported`);
  const format = sniffed.format;
  if (options.declaredContentType !== undefined) {
    const family = contentFamily(options.declaredContentType);
    if (!family)
      throw unsupported(`content type ${options.declaredContentType} is not a supported audio type`);
    if (!isCompatible(family, format)) {
      throw unsupported(
        `the content is ${FORMAT_INFO[format].label} but was declared as ${options.declaredContentType}`,
      );
    }
  }

  let wav: WavHeader | undefined;
  if (format === 'wav') {
    for (;;) {
      wav = parseWavHeader(bytes);
      if (wav || head.done) break;
      if (head.size > MAX_HEADER_BYTES)
        throw corrupt(`no WAV data chunk in the first ${MAX_HEADER_BYTES} bytes`);
      bytes = await fill(it, head, head.size * 2);
    }
    if (!wav) throw corrupt('WAV file has no data chunk');
  }

  const maxFrames = (rate: number) => Math.ceil(options.maxDurationS * rate);
  const mixer = new Mixer(options.targetRate, maxFrames);
  const decoder = wav ? wavStream(wav) : await libraryStream(format);
  let total = 0;
  try {
    const feed = async (chunk: Uint8Array) => {
      total += chunk.length;
      if (total > options.maxBytes)
        throw new AudioError('too_large', `the file exceeds ${options.maxBytes} bytes`);
      const r = await decoder.push(chunk);
      if (r.channelData.length) mixer.push(r.channelData, r.sampleRate);
      checkTime();
    };
    for (const part of head.parts) await feed(part);
    if (!head.done) {
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        await feed(next.value);
      }
    }
    const last = await decoder.end();
    if (last.channelData.length) mixer.push(last.channelData, last.sampleRate);
  } catch (error) {
    decoder.free();
    if (error instanceof AudioError) throw error;
    throw corrupt(
      `the ${FORMAT_INFO[format].label} data cannot be decoded: ${(error as Error).message}`,
      error,
    );
  }

  if (wav) {
    const available = Math.max(0, total - wav.dataOffset);
    if (wav.dataBytes !== undefined && available < wav.dataBytes) {
      throw corrupt(
        `WAV is truncated: the header declares ${wav.dataBytes} bytes of audio, the file holds ${available}`,
      );
    }
    const declared = Math.floor((wav.dataBytes ?? available) / wav.blockAlign);
    if (mixer.frames !== declared) {
      throw corrupt(`WAV decoded to ${mixer.frames} frames, the container declares ${declared}`);
    }
  }
  if (mixer.frames === 0) throw new AudioError('empty_audio', 'the file contains no audio samples');
  if (mixer.peak === 0) throw new AudioError('empty_audio', 'the audio is entirely digital silence');
  const samples = mixer.finish();
  if (samples.length < options.minSamples) {
    throw new AudioError(
      'too_short',
      `audio lasts ${(mixer.frames / mixer.sampleRate).toFixed(2)} s; at least ${(options.minSamples / options.targetRate).toFixed(2)} s is needed`,
    );
  }
  return {
    format,
    sampleRateIn: mixer.sampleRate,
    channelsIn: mixer.channels,
    durationS: mixer.frames / mixer.sampleRate,
    samples,
    sampleRate: options.targetRate,
  };
}

/** Adapts a Uint8Array to the streaming interface (CLI on small files, tests). */
export async function* bytesSource(bytes: Uint8Array, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
}
