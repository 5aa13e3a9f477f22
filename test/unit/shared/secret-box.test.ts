/**
 * The secret box (functions/shared/secret-box.ts): AES-256-GCM under a key derived from a configured string, bound
 * to its row's id, in a versioned text form; a previous key opens but never seals.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { transportFor } from '../../../functions/shared/error-table.ts';
import { ConfigError } from '../../../functions/shared/errors.ts';
import {
  SecretBox,
  SecretUnreadableError,
  type UnreadableReason,
} from '../../../functions/shared/secret-box.ts';

const LABEL = 'realtone test secrets v1';
const KEY_A = 'a'.repeat(20) + 'generated-password-one-0123456789';
const KEY_B = 'b'.repeat(20) + 'generated-password-two-0123456789';
const ROW = '7b0e3f0c-3a51-4a4e-9d0e-5c1f6b2a9e11';
const OTHER_ROW = '0c3d1e8a-6f2b-4c9d-8e7a-1b2c3d4e5f60';
const PLAINTEXT = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const box = (current: string, previous?: string) => new SecretBox({ current, previous, label: LABEL });

function unreadable(fn: () => unknown): { code: string; reason: UnreadableReason } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretUnreadableError);
    const e = error as SecretUnreadableError;
    expect(e.message).not.toContain(PLAINTEXT);
    return { code: e.code, reason: e.reason };
  }
  throw new Error('expected the value not to open');
}

describe('secret box', () => {
  it('round-trips, with a fresh IV each time, in the versioned format', () => {
    const b = box(KEY_A);
    const one = b.seal(PLAINTEXT, ROW);
    const two = b.seal(PLAINTEXT, ROW);
    expect(one).not.toBe(two);
    expect(one).not.toContain(PLAINTEXT);
    expect(one.split('.')[2]).not.toBe(two.split('.')[2]);
    for (const sealed of [one, two]) {
      expect(sealed).toMatch(/^rtbox1\.[0-9a-f]{8}\.[\w-]{16}\.[\w-]+$/);
      expect(b.open(sealed, ROW)).toBe(PLAINTEXT);
    }
    const [, keyId, iv, body] = one.split('.');
    expect(keyId).toBe(b.keyId);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    // Ciphertext as long as the plaintext, then the 16-byte tag.
    expect(Buffer.from(body!, 'base64url')).toHaveLength(Buffer.byteLength(PLAINTEXT) + 16);
    expect(b.open(b.seal('', ROW), ROW)).toBe('');
    expect(b.open(b.seal('é ✓ 𝄞', ROW), ROW)).toBe('é ✓ 𝄞');
  });

  it('derives the key with HKDF-SHA256 and names it by the first 8 hex digits of its SHA-256', () => {
    const key = Buffer.from(hkdfSync('sha256', Buffer.from(KEY_A), Buffer.alloc(0), LABEL, 32));
    expect(box(KEY_A).keyId).toBe(createHash('sha256').update(key).digest('hex').slice(0, 8));
    // Same configured string, another purpose: another key.
    expect(new SecretBox({ current: KEY_A, label: 'another purpose' }).keyId).not.toBe(box(KEY_A).keyId);
    expect(box(KEY_A).keyId).not.toBe(box(KEY_B).keyId);
  });

  it('does not open a value copied to another row', () => {
    const sealed = box(KEY_A).seal(PLAINTEXT, ROW);
    expect(unreadable(() => box(KEY_A).open(sealed, OTHER_ROW))).toEqual({
      code: 'secret_unreadable',
      reason: 'rejected',
    });
  });

  it('refuses a value altered anywhere: IV, ciphertext, tag or key id', () => {
    const b = box(KEY_A, KEY_B);
    const sealed = b.seal(PLAINTEXT, ROW);
    const [version, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
    const flip = (text: string, at: number) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[at]! ^= 0x01;
      return bytes.toString('base64url');
    };
    const bodyLength = Buffer.from(body, 'base64url').length;
    for (const altered of [
      [version, keyId, flip(iv, 0), body],
      [version, keyId, iv, flip(body, 0)],
      [version, keyId, iv, flip(body, bodyLength - 1)],
    ])
      expect(unreadable(() => b.open(altered.join('.'), ROW)).reason).toBe('rejected');
    // Relabelled as the other key this box holds: the header is authenticated, and that key is another one anyway.
    const other = box(KEY_B).keyId;
    expect(unreadable(() => b.open([version, other, iv, body].join('.'), ROW)).reason).toBe('rejected');
    // A tag cut short is no longer this format's.
    const short = Buffer.from(body, 'base64url').subarray(0, 10).toString('base64url');
    expect(unreadable(() => b.open([version, keyId, iv, short].join('.'), ROW)).reason).toBe('malformed');
  });

  it('refuses a value sealed under a key it does not hold', () => {
    const sealed = box(KEY_B).seal(PLAINTEXT, ROW);
    expect(unreadable(() => box(KEY_A).open(sealed, ROW))).toEqual({
      code: 'secret_unreadable',
      reason: 'unknown_key',
    });
  });

  it('opens with the previous key, seals with the current one only', () => {
    const before = box(KEY_A).seal(PLAINTEXT, ROW);
    const rotated = box(KEY_B, KEY_A);
    expect(rotated.open(before, ROW)).toBe(PLAINTEXT);
    expect(rotated.isCurrent(before)).toBe(false);
    const after = rotated.seal(PLAINTEXT, ROW);
    expect(after.split('.')[1]).toBe(box(KEY_B).keyId);
    expect(rotated.isCurrent(after)).toBe(true);
    // Once the previous key is retired, what it sealed no longer opens; what the new one sealed still does.
    expect(unreadable(() => box(KEY_B).open(before, ROW)).reason).toBe('unknown_key');
    expect(box(KEY_B).open(after, ROW)).toBe(PLAINTEXT);
  });

  it('refuses anything that is not its format as malformed', () => {
    const b = box(KEY_A);
    const sealed = b.seal(PLAINTEXT, ROW);
    const [, keyId, iv, body] = sealed.split('.') as [string, string, string, string];
    for (const value of [
      '',
      PLAINTEXT,
      `rtbox2.${keyId}.${iv}.${body}`,
      `rtbox1.${keyId.toUpperCase()}.${iv}.${body}`,
      `rtbox1.${keyId}.${iv}`,
      `rtbox1.${keyId}.${iv}.${body}.x`,
      `rtbox1.${keyId}.${iv}.${body.replace(/.$/, '+')}`,
      `rtbox1.${keyId}.${iv.slice(1)}.${body}`,
      ` ${sealed}`,
    ])
      expect(
        unreadable(() => b.open(value, ROW)),
        JSON.stringify(value),
      ).toEqual({
        code: 'secret_unreadable',
        reason: 'malformed',
      });
    expect(b.isCurrent(PLAINTEXT)).toBe(false);
  });

  it('accepts only the canonical base64url of the IV and body', () => {
    const b = box(KEY_A);
    // 4 + 16 bytes are 27 base64url characters: the last one carries 2 bits the decoder ignores, so another
    // string decodes to the same bytes.
    const sealed = b.seal('abcd', ROW);
    const body = sealed.split('.')[3]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = [...alphabet]
      .map((c) => body.slice(0, -1) + c)
      .find((t) => t !== body && Buffer.from(t, 'base64url').equals(Buffer.from(body, 'base64url')));
    expect(twin).toBeDefined();
    expect(unreadable(() => b.open(sealed.replace(body, twin!), ROW)).reason).toBe('malformed');
  });

  it('refuses a key shorter than 32 characters, and is a server fault when a value does not open', () => {
    expect(() => box('x'.repeat(31))).toThrow(ConfigError);
    expect(() => box(KEY_A, 'short')).toThrow(ConfigError);
    expect(transportFor('secret_unreadable').http).toBe(500);
  });
});
