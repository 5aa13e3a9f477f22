/**
 * Encryption of short secrets the application must read back (webhook signing secrets), for values kept in the
 * database: AES-256-GCM with a fresh 12-byte IV per seal, bound to a context string (the id of the row the value
 * belongs to) as additional authenticated data, so a value copied to another row does not open. The text form is
 * versioned:
 *
 *   rtbox1.<keyId>.<base64url IV>.<base64url ciphertext and 16-byte tag>
 *
 * The AES key is derived with HKDF-SHA256 from a configured secret string (at least 32 characters; a generated
 * password works as is) and a label naming the purpose, so one configured secret never yields the same key for two
 * purposes. keyId is the first 8 hex digits of the SHA-256 of the derived key: it says which key opens a value
 * without revealing it. A box seals with its current key and opens with it or with the previous one, so that
 * values sealed before a key rotation stay readable until they are sealed again.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError, RealToneError } from './errors.ts';

export const SEALED_VERSION = 'rtbox1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** 12 IV bytes are exactly 16 base64url characters; ciphertext and tag at least 22. */
const SEALED = /^rtbox1\.([0-9a-f]{8})\.([\w-]{16})\.([\w-]{22,})$/;
export const MIN_KEY_CHARS = 32;

/** Why a value did not open: not this format, a key this box does not hold, or authentication failed. */
export type UnreadableReason = 'malformed' | 'unknown_key' | 'rejected';

/**
 * A sealed value that cannot be opened: a server fault (a key missing from the configuration, or the stored value
 * was altered), never the caller's. The message names no secret.
 */
export class SecretUnreadableError extends RealToneError {
  readonly code = 'secret_unreadable';
  constructor(
    readonly reason: UnreadableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(secret: string, label: string): Key {
  if (secret.length < MIN_KEY_CHARS)
    throw new ConfigError(`a key for ${label} must be at least ${MIN_KEY_CHARS} characters`);
  const bytes = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), label, 32));
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

/** The header is authenticated too, so a value cannot be relabelled to another version or key id. */
const aad = (keyId: string, context: string) => Buffer.from(`${SEALED_VERSION}.${keyId}.${context}`, 'utf8');

export interface SecretBoxKeys {
  /** Seals and opens. */
  current: string;
  /** The key before the last rotation: opens only. */
  previous?: string | undefined;
  /** HKDF info: the purpose the keys are derived for. */
  label: string;
}

export class SecretBox {
  readonly #current: Key;
  readonly #keys = new Map<string, Key>();

  constructor(keys: SecretBoxKeys) {
    this.#current = deriveKey(keys.current, keys.label);
    if (keys.previous !== undefined) {
      const previous = deriveKey(keys.previous, keys.label);
      this.#keys.set(previous.id, previous);
    }
    this.#keys.set(this.#current.id, this.#current);
  }

  /** Id of the current key, the one every new value is sealed under. */
  get keyId(): string {
    return this.#current.id;
  }

  seal(plaintext: string, context: string): string {
    const { id, bytes } = this.#current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', bytes, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_VERSION}.${id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext of a value sealed under either key for the same context; SecretUnreadableError otherwise. */
  open(sealed: string, context: string): string {
    const match = SEALED.exec(sealed);
    const iv = match && Buffer.from(match[2]!, 'base64url');
    const body = match && Buffer.from(match[3]!, 'base64url');
    // Only the canonical encoding is accepted: Node's decoder ignores stray trailing bits, which would let two
    // different strings open to the same value.
    if (!match || iv!.toString('base64url') !== match[2] || body!.toString('base64url') !== match[3])
      throw new SecretUnreadableError('malformed', 'not a sealed value of a known format');
    const key = this.#keys.get(match[1]!);
    if (!key)
      throw new SecretUnreadableError(
        'unknown_key',
        `sealed under key ${match[1]}, which is neither the current nor the previous key`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, iv!, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(key.id, context));
      decipher.setAuthTag(body!.subarray(body!.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body!.subarray(0, body!.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new SecretUnreadableError(
        'rejected',
        `a value sealed under key ${key.id} does not authenticate: altered, or moved from another row`,
        { cause },
      );
    }
  }

  /** Whether a stored value is sealed under the current key; anything else is due to be sealed again. */
  isCurrent(value: string): boolean {
    return value.startsWith(`${SEALED_VERSION}.${this.#current.id}.`);
  }
}
