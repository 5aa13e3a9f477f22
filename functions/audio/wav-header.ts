import { corrupt, unsupported } from './errors.ts';

/**
 * Reads a RIFF/RF64 WAVE header up to the start of the `data` chunk. The decoder does the sample conversion; this
 * parse exists to name unsupported codecs precisely and to know how many frames the container declares, so a
 * truncated file is reported as corrupt instead of silently analysed short.
 */
export interface WavHeader {
  codec: 'pcm' | 'float' | 'alaw' | 'mulaw';
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Declared size of the sample data in bytes; undefined when the writer left it open (streamed WAV). */
  dataBytes: number | undefined;
}

const TAGS: Record<number, WavHeader['codec']> = { 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'mulaw' };
const KNOWN_UNSUPPORTED: Record<number, string> = {
  2: 'Microsoft ADPCM',
  0x11: 'IMA ADPCM',
  0x31: 'GSM 6.10',
  0x40: 'G.721 ADPCM',
  0x55: 'MP3 inside WAV',
  0x64: 'G.726 ADPCM',
  0x160: 'WMA inside WAV',
};

/** Returns undefined when more bytes are needed to reach the data chunk. */
export function parseWavHeader(b: Uint8Array): WavHeader | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rf64 = String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!) === 'RF64';
  let offset = 12;
  let fmt: Omit<WavHeader, 'dataOffset' | 'dataBytes'> | undefined;
  let ds64DataBytes: number | undefined;
  while (offset + 8 <= b.length) {
    const id = String.fromCharCode(b[offset]!, b[offset + 1]!, b[offset + 2]!, b[offset + 3]!);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (!fmt) throw corrupt('WAV data chunk comes before its fmt chunk');
      let dataBytes: number | undefined = size;
      if (rf64 && size === 0xffffffff) dataBytes = ds64DataBytes;
      else if (size === 0 || size === 0xffffffff) dataBytes = undefined; // left open by a streaming writer
      return { ...fmt, dataOffset: body, dataBytes };
    }
    if ((id === 'fmt ' || id === 'ds64') && body + size > b.length) return undefined; // need the whole chunk
    if (id === 'ds64' && size >= 16) {
      ds64DataBytes = Number(view.getBigUint64(body + 8, true));
    } else if (id === 'fmt ') {
      if (size < 16) throw corrupt(`WAV fmt chunk is ${size} bytes, needs at least 16`);
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (tag === 0xfffe) {
        if (size < 40) throw corrupt('WAVE_FORMAT_EXTENSIBLE fmt chunk is too short');
        tag = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      const codec = TAGS[tag];
      if (!codec) {
        throw unsupported(
          `WAV codec ${KNOWN_UNSUPPORTED[tag] ?? `0x${tag.toString(16)}`} is not supported (PCM, float, A-law and μ-law are)`,
        );
      }
      if (channels < 1 || channels > 64) throw corrupt(`WAV declares ${channels} channels`);
      if (sampleRate < 1000 || sampleRate > 384000)
        throw corrupt(`WAV declares a sample rate of ${sampleRate} Hz`);
      const validBits =
        (codec === 'pcm' && [8, 16, 24, 32].includes(bitsPerSample)) ||
        (codec === 'float' && [32, 64].includes(bitsPerSample)) ||
        ((codec === 'alaw' || codec === 'mulaw') && bitsPerSample === 8);
      if (!validBits)
        throw unsupported(`WAV ${codec} with ${bitsPerSample} bits per sample is not supported`);
      if (blockAlign !== (channels * bitsPerSample) / 8) {
        throw corrupt(
          `WAV block align ${blockAlign} does not match ${channels} channels × ${bitsPerSample} bits`,
        );
      }
      fmt = { codec, channels, sampleRate, bitsPerSample, blockAlign };
    }
    offset = body + size + (size & 1); // chunks are word-aligned
  }
  return undefined;
}
