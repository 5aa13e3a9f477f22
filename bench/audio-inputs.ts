/**
 * Benchmark inputs, generated at run time into a temporary directory (nothing large is checked in): espeak-ng
 * speech looped to the requested length at 44.1 kHz stereo, then encoded by ffmpeg into each supported format.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchInput {
  name: string;
  file: string;
  bytes: number;
}

/** ffmpeg output arguments per benchmark input (44.1 kHz stereo source unless the arguments say otherwise). */
export const ENCODINGS: Record<string, string[]> = {
  'wav-44k-stereo-pcm16': ['-c:a', 'pcm_s16le', '-f', 'wav'],
  'wav-48k-stereo-pcm24': ['-ar', '48000', '-c:a', 'pcm_s24le', '-f', 'wav'],
  'wav-16k-mono-pcm16': ['-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav'],
  'mp3-44k-stereo-128k': ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
  'ogg-vorbis-44k-stereo-q4': ['-c:a', 'libvorbis', '-q:a', '4', '-f', 'ogg'],
  'ogg-opus-stereo-64k': ['-c:a', 'libopus', '-b:a', '64k', '-f', 'ogg'],
  'flac-44k-stereo': ['-c:a', 'flac', '-f', 'flac'],
  'm4a-aac-44k-stereo-128k': ['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-f', 'mp4'],
  'm4a-aac-moov-at-end': ['-c:a', 'aac', '-b:a', '128k', '-f', 'mp4'],
  'webm-opus-stereo-64k': ['-c:a', 'libopus', '-b:a', '64k', '-f', 'webm'],
  'aac-adts-44k-stereo-128k': ['-c:a', 'aac', '-b:a', '128k', '-f', 'adts'],
};

const ff = (args: string[]) =>
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: 'inherit',
  });

/** Creates `seconds` of speech in each requested encoding; call `cleanup` when done. */
export function makeInputs(seconds: number, names: string[] = Object.keys(ENCODINGS)) {
  const dir = mkdtempSync(path.join(tmpdir(), 'realtone-audio-bench-'));
  const speech = path.join(dir, 'speech.wav');
  execFileSync('espeak-ng', [
    '-v',
    'en-us',
    '-w',
    speech,
    'This is a benchmark recording for RealTone. The quick brown fox jumps over the lazy dog, twice.',
  ]);
  const source = path.join(dir, 'source.wav');
  ff(['-stream_loop', '-1', '-i', speech, '-t', String(seconds), '-ar', '44100', '-ac', '2', source]);
  const inputs: BenchInput[] = names.map((name) => {
    const file = path.join(dir, name);
    ff(['-i', source, ...ENCODINGS[name]!, file]);
    return { name, file, bytes: statSync(file).size };
  });
  rmSync(source);
  return { dir, inputs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
