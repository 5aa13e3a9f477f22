import type { AudioFormat } from '../formats.ts';
import { AiffProbe, FlacProbe, Mp4Probe } from './boxes.ts';
import { EbmlProbe } from './ebml.ts';
import { AdtsProbe, Mp3Probe } from './mpeg.ts';
import { OggProbe } from './ogg.ts';
import type { ContainerProbe } from './walker.ts';

export type { ContainerProbe, Declared } from './walker.ts';
export { Mp4Probe } from './boxes.ts';

/** The structural probe for a library-decoded format (WAV is checked by its own decoder). */
export function createProbe(format: Exclude<AudioFormat, 'wav'>): ContainerProbe {
  switch (format) {
    case 'mp3':
      return new Mp3Probe();
    case 'aac':
      return new AdtsProbe();
    case 'oga':
    case 'opus':
      return new OggProbe();
    case 'flac':
      return new FlacProbe();
    case 'm4a':
      return new Mp4Probe();
    case 'webm':
      return new EbmlProbe();
    case 'aiff':
      return new AiffProbe();
  }
}
