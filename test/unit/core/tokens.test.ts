import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../functions/core/auth/errors.ts';
import { hashPassword, verifyPassword } from '../../../functions/core/auth/passwords.ts';
import { issueToken, verifyAuthorization } from '../../../functions/core/auth/tokens.ts';

const config = { secret: 'x'.repeat(40), ttlSeconds: 60, issuer: 'realtone', audience: 'realtone-api' };
const user = '3b241101-e2bb-4255-8caf-4136c566a962';

describe('tokens', () => {
  it('issues an HS256 token whose subject verifies back', () => {
    const { token, expiresIn } = issueToken(user, config);
    expect(expiresIn).toBe(60);
    expect(jwt.decode(token, { complete: true })!.header.alg).toBe('HS256');
    expect(verifyAuthorization(`Bearer ${token}`, config)).toBe(user);
    expect(verifyAuthorization(`Bearer ${token}`, config)).toBe(user); // second time from the verified cache
  });

  it('rejects a token signed with another secret even after a valid one was cached', () => {
    const { token } = issueToken(user, config);
    verifyAuthorization(`Bearer ${token}`, config);
    expect(() => verifyAuthorization(`Bearer ${token}`, { ...config, secret: 'y'.repeat(40) })).toThrow(
      UnauthorizedError,
    );
  });

  it('rejects malformed headers and expired tokens', () => {
    expect(() => verifyAuthorization(undefined, config)).toThrow('a Bearer token is required');
    expect(() => verifyAuthorization('Basic abc', config)).toThrow(UnauthorizedError);
    const expired = jwt.sign({ exp: Math.floor(Date.now() / 1000) - 5 }, config.secret, {
      algorithm: 'HS256',
      subject: user,
      issuer: 'realtone',
      audience: 'realtone-api',
    });
    expect(() => verifyAuthorization(`Bearer ${expired}`, config)).toThrow('the token has expired');
  });
});

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterx', a)).toBe(false);
    expect(await verifyPassword('anything', 'md5$abc')).toBe(false);
  });
});
