import { describe, expect, it } from 'vitest';
import { acceptAttribute, checkFile } from '../../web/src/jobs/file-check.ts';
import { formatTime, policyInWords } from '../../web/src/lib/format.ts';
import { LIMITS } from './fake-api.ts';

describe('checkFile', () => {
  it('accepts a type the API lists and declares it', () => {
    expect(checkFile({ name: 'a.wav', type: 'audio/wav', size: 10 }, LIMITS)).toEqual({
      ok: true,
      contentType: 'audio/wav',
    });
  });

  it('falls back to the extension when the browser does not know the type', () => {
    expect(checkFile({ name: 'Call.OPUS', type: '', size: 10 }, LIMITS)).toEqual({
      ok: true,
      contentType: 'audio/ogg',
    });
    expect(checkFile({ name: 'a.mp3', type: 'audio/x-unknown', size: 10 }, LIMITS)).toEqual({
      ok: true,
      contentType: 'audio/mpeg',
    });
  });

  it('refuses other files with a sentence naming the file and what is accepted', () => {
    const result = checkFile({ name: 'notes.txt', type: 'text/plain', size: 10 }, LIMITS);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(
      /^“notes\.txt” is not an audio file RealTone can read \(text\/plain\)\. Choose a WAV, MP3/,
    );
    // A known extension does not rescue a type that says something else.
    expect(checkFile({ name: 'fake.wav', type: 'text/html', size: 10 }, LIMITS).ok).toBe(false);
  });

  it('refuses empty and oversized files with their size and the limit', () => {
    expect(checkFile({ name: 'a.wav', type: 'audio/wav', size: 0 }, LIMITS)).toEqual({
      ok: false,
      message: '“a.wav” is empty.',
    });
    expect(checkFile({ name: 'a.wav', type: 'audio/wav', size: 5000 }, LIMITS)).toEqual({
      ok: false,
      message: '“a.wav” is 4.9 KB; the limit is 1000 B.',
    });
  });

  it('builds the picker filter from the limits', () => {
    expect(acceptAttribute(LIMITS)).toBe('.wav,.mp3,.opus,audio/wav,audio/mpeg,audio/ogg');
  });
});

describe('display helpers', () => {
  it('formats times', () => {
    expect(formatTime(0)).toBe('0:00.0');
    expect(formatTime(65.25)).toBe('1:05.3');
    expect(formatTime(3725)).toBe('1:02:05');
  });

  it('says the policy in words, with thresholds when known', () => {
    expect(policyInWords({ policy: 'top_fraction_mean(0.333)', chunks_scored: 6 })).toMatch(
      /^The overall score is the average of the highest third of the 6 scored chunks \(2 of 6\)/,
    );
    expect(
      policyInWords({ policy: 'top_fraction_mean(1)', chunks_scored: 1 }, { likely_fake: 0.5, fake: 0.9 }),
    ).toBe(
      'The overall score is the average of all 1 scored chunk. A score of 0.500 or more reads as likely fake, 0.900 or more as fake. Confidence is the share of chunks that agree with the label.',
    );
  });
});
