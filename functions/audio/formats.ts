/**
 * Format detection by content (magic bytes), never by file name. The declared content type is only checked
 * against what the bytes say.
 */

/** Formats RealTone decodes. Values are the decoder names used by @audio/decode. */
export type AudioFormat = 'wav' | 'mp3' | 'oga' | 'opus' | 'flac' | 'm4a' | 'aac' | 'webm' | 'aiff';

export interface FormatInfo {
  format: AudioFormat;
  /** Human name used in messages and the README table. */
  label: string;
  /** Container family, matched against the declared content type. */
  family: ContentFamily;
}

export type ContentFamily = 'wav' | 'mpeg' | 'ogg' | 'flac' | 'mp4' | 'aac' | 'webm' | 'aiff';

export const FORMAT_INFO: Record<AudioFormat, FormatInfo> = {
  wav: { format: 'wav', label: 'WAV', family: 'wav' },
  mp3: { format: 'mp3', label: 'MP3', family: 'mpeg' },
  oga: { format: 'oga', label: 'Ogg Vorbis', family: 'ogg' },
  opus: { format: 'opus', label: 'Ogg Opus', family: 'ogg' },
  flac: { format: 'flac', label: 'FLAC', family: 'flac' },
  m4a: { format: 'm4a', label: 'M4A/MP4 (AAC)', family: 'mp4' },
  aac: { format: 'aac', label: 'AAC (ADTS)', family: 'aac' },
  webm: { format: 'webm', label: 'WebM/Matroska (Opus or Vorbis)', family: 'webm' },
  aiff: { format: 'aiff', label: 'AIFF', family: 'aiff' },
};

/**
 * Content types accepted at upload-request time, by family. Browsers and phones disagree on names, so each family
 * lists the spellings seen in practice. Parameters (`; codecs=opus`) are ignored.
 */
export const CONTENT_TYPES: Record<string, ContentFamily> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mpeg': 'mpeg',
  'audio/mp3': 'mpeg',
  'audio/mpeg3': 'mpeg',
  'audio/x-mpeg-3': 'mpeg',
  'audio/ogg': 'ogg',
  'audio/opus': 'ogg',
  'application/ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/mp4': 'mp4',
  'audio/m4a': 'mp4',
  'audio/x-m4a': 'mp4',
  'video/mp4': 'mp4',
  'audio/aac': 'aac',
  'audio/aacp': 'aac',
  'audio/x-aac': 'aac',
  'audio/webm': 'webm',
  'video/webm': 'webm',
  'audio/aiff': 'aiff',
  'audio/x-aiff': 'aiff',
};

/**
 * File-name extensions of the supported formats and the content type a client should declare for each. Browsers
 * leave `File.type` empty or guess for some of them (.opus, .m4a, .aiff), so a client falls back to this table;
 * the worker still identifies the format by its bytes. Served in GET /v1/models (`limits`).
 */
export const FILE_EXTENSIONS: Readonly<Record<string, string>> = {
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.mp4': 'audio/mp4',
  '.aac': 'audio/aac',
  '.webm': 'audio/webm',
  '.weba': 'audio/webm',
  '.aif': 'audio/aiff',
  '.aiff': 'audio/aiff',
};

/** Families a declared type may legitimately hold (`audio/aac` is often sent for .m4a files, and vice versa). */
const COMPATIBLE: Record<ContentFamily, ContentFamily[]> = {
  wav: ['wav'],
  mpeg: ['mpeg'],
  ogg: ['ogg'],
  flac: ['flac'],
  mp4: ['mp4', 'aac'],
  aac: ['aac', 'mp4'],
  webm: ['webm'],
  aiff: ['aiff'],
};

/** Lower-cased media type without parameters, or undefined when it is not a supported audio type. */
export function contentFamily(contentType: string): ContentFamily | undefined {
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return Object.hasOwn(CONTENT_TYPES, base) ? CONTENT_TYPES[base] : undefined;
}

export function isCompatible(declared: ContentFamily, actual: AudioFormat): boolean {
  return COMPATIBLE[declared].includes(FORMAT_INFO[actual].family);
}

/** Result of sniffing: a supported format, or the name of a recognised but unsupported one. */
export type SniffResult = { supported: true; format: AudioFormat } | { supported: false; what: string };

const ascii = (b: Uint8Array, start: number, len: number) =>
  String.fromCharCode(...b.subarray(start, Math.min(b.length, start + len)));

/** Bytes needed to sniff reliably, beyond a leading ID3v2 tag. */
export const SNIFF_BYTES = 64;

/** Size of a leading ID3v2 tag (header, body and optional footer), or 0. */
export function id3v2Size(b: Uint8Array): number {
  if (b.length < 10 || ascii(b, 0, 3) !== 'ID3') return 0;
  const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
  const footer = (b[5]! & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

/** Writers pad after an ID3v2 tag with zeros the tag size does not count; this is how much to skip (bounded). */
export const ID3_PADDING_LIMIT = 64 * 1024;
export function paddingAfter(b: Uint8Array, from: number): number {
  let i = from;
  while (i < b.length && i - from < ID3_PADDING_LIMIT && b[i] === 0) i++;
  return i - from;
}

function mpegSync(b: Uint8Array, i: number): 'mp3' | 'aac' | undefined {
  if (i + 1 >= b.length || b[i] !== 0xff || (b[i + 1]! & 0xe0) !== 0xe0) return undefined;
  const layer = (b[i + 1]! >> 1) & 0x03;
  if (layer === 0) return (b[i + 1]! & 0xf6) === 0xf0 ? 'aac' : undefined; // ADTS: 12-bit sync, layer 00
  return ((b[i + 1]! >> 3) & 0x03) === 1 ? undefined : 'mp3'; // version 01 is reserved
}

/**
 * Identifies the format from the first bytes of a file (offset 0, or just after an ID3v2 tag). Undefined when the
 * bytes match no known signature.
 */
export function sniff(b: Uint8Array): SniffResult | undefined {
  const tag4 = ascii(b, 0, 4);
  const at8 = ascii(b, 8, 4);
  if ((tag4 === 'RIFF' || tag4 === 'RF64') && at8 === 'WAVE') return { supported: true, format: 'wav' };
  if (tag4 === 'RIFX' && at8 === 'WAVE') return { supported: false, what: 'big-endian WAV (RIFX)' };
  if (tag4 === 'RIFF' && at8 === 'AVI ') return { supported: false, what: 'AVI video' };
  if (tag4 === 'fLaC') return { supported: true, format: 'flac' };
  if (tag4 === 'OggS') {
    // The first page holds the codec's identification header at offset 27 + number of segments.
    const segments = b[26] ?? 0;
    const head = ascii(b, 27 + segments, 8);
    if (head.startsWith('OpusHead')) return { supported: true, format: 'opus' };
    if (head.startsWith('\x01vorbis')) return { supported: true, format: 'oga' };
    if (head.startsWith('\x7fFLAC')) return { supported: false, what: 'FLAC in Ogg' };
    if (head.startsWith('Speex')) return { supported: false, what: 'Ogg Speex' };
    if (b.length < 27 + segments + 8) return undefined;
    return { supported: false, what: 'Ogg with an unknown codec' };
  }
  // ISO base media (M4A, MP4, 3GP, MOV with ftyp): the demuxer picks the audio track and rejects other codecs.
  if (ascii(b, 4, 4) === 'ftyp') return { supported: true, format: 'm4a' };
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3)
    return { supported: true, format: 'webm' };
  if (tag4 === 'FORM' && (at8 === 'AIFF' || at8 === 'AIFC')) return { supported: true, format: 'aiff' };
  if (tag4 === 'caff') return { supported: false, what: 'Core Audio (CAF)' };
  if (ascii(b, 0, 5) === '#!AMR') return { supported: false, what: 'AMR' };
  if (tag4 === 'MThd') return { supported: false, what: 'MIDI (no recorded audio)' };
  if (tag4 === '.snd') return { supported: false, what: 'Sun/NeXT audio (.au)' };
  if (ascii(b, 0, 4) === 'wvpk') return { supported: false, what: 'WavPack' };
  if (b[0] === 0x30 && b[1] === 0x26 && b[2] === 0xb2 && b[3] === 0x75)
    return { supported: false, what: 'WMA/ASF' };
  if (tag4 === '%PDF' || tag4 === '\x89PNG' || (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)) {
    return { supported: false, what: tag4 === '%PDF' ? 'PDF document' : 'image' };
  }
  if (tag4 === 'PK\x03\x04') return { supported: false, what: 'ZIP archive' };
  const sync = mpegSync(b, 0);
  if (sync) return { supported: true, format: sync };
  return undefined;
}
