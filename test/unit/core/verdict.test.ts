import { describe, expect, it } from 'vitest';
import { computeVerdict, labelFor } from '../../../functions/core/detection/verdict.ts';

const policy = { fraction: 1 / 3, thresholds: { likely_fake: 0.5, fake: 0.9 } };

describe('computeVerdict', () => {
  it('averages the top third of chunk scores and ignores unjudged chunks', () => {
    const v = computeVerdict([0.1, 0.2, null, 0.95, 0.3, 0.05, 0.15], policy)!;
    // 6 scored chunks → the top third: 0.95, 0.3
    expect(v.score).toBeCloseTo((0.95 + 0.3) / 2, 6);
    expect(v.label).toBe('likely_fake');
    expect(v.chunks_scored).toBe(6);
    expect(v.confidence).toBeCloseTo(1 / 6, 6);
  });

  it('flags a recording with a synthetic passage among real chunks', () => {
    const v = computeVerdict([0.02, 0.97, 0.99, 0.03, 0.01, 0.04], policy)!;
    expect(v.score).toBeCloseTo(0.98, 6);
    expect(v.label).toBe('fake');
    expect(v.confidence).toBeCloseTo(2 / 6, 6);
  });

  it('returns undefined when nothing was judged', () => {
    expect(computeVerdict([null, null], policy)).toBeUndefined();
  });

  it('labels by the thresholds', () => {
    expect(labelFor(0.49, policy.thresholds)).toBe('real');
    expect(labelFor(0.5, policy.thresholds)).toBe('likely_fake');
    expect(labelFor(0.9, policy.thresholds)).toBe('fake');
  });
});
