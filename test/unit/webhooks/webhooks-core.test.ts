/** Signing, the retry schedule and the SSRF guard, as pure functions. */
import { describe, expect, it } from 'vitest';
import { nextAttemptAt, RETRY_DELAYS_SECONDS } from '../../../functions/core/webhooks/schedule.ts';
import { newSecret, sign, signedHeaders } from '../../../functions/core/webhooks/signing.ts';
import { addressProblem, resolveAllowed } from '../../../functions/core/webhooks/url-guard.ts';

describe('signing', () => {
  it('matches the Standard Webhooks test vector', () => {
    // The example of the Standard Webhooks specification and its reference libraries.
    expect(
      sign(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every valid secret, space-separated, and makes 32-byte secrets', () => {
    const [a, b] = [newSecret(), newSecret()];
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    const h = signedHeaders([a, b], 'msg_1', 1700000000, '{}');
    expect(h).toEqual({
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': `${sign(a, 'msg_1', 1700000000, '{}')} ${sign(b, 'msg_1', 1700000000, '{}')}`,
    });
  });
});

describe('retry schedule', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const after = (s: number) => new Date(t0.getTime() + s * 1000);
  it('retries first within 10 s, then about 1 min, 5 min, 30 min, 2 h, with ±20 % jitter', () => {
    expect(RETRY_DELAYS_SECONDS.slice(0, 5)).toEqual([5, 60, 300, 1800, 7200]);
    const first = (r: number) => (nextAttemptAt(1, t0, t0, () => r)!.getTime() - t0.getTime()) / 1000;
    expect(first(0)).toBeCloseTo(4, 5);
    expect(first(0.5)).toBeCloseTo(5, 5);
    expect(first(0.999999)).toBeLessThan(6.001);
    expect((nextAttemptAt(2, t0, after(5), () => 0.5)!.getTime() - after(5).getTime()) / 1000).toBe(60);
    expect((nextAttemptAt(5, t0, after(100), () => 0.5)!.getTime() - after(100).getTime()) / 1000).toBe(7200);
    expect((nextAttemptAt(20, t0, after(100), () => 0.5)!.getTime() - after(100).getTime()) / 1000).toBe(
      36000,
    );
  });

  it('makes a last try at 24 h, then gives up', () => {
    expect(nextAttemptAt(7, t0, after(20 * 3600), () => 0.5)).toEqual(after(24 * 3600));
    expect(nextAttemptAt(8, t0, after(24 * 3600), () => 0.5)).toBeUndefined();
  });
});

describe('SSRF guard', () => {
  const none = async () => [] as string[];
  it('refuses private, loopback, link-local, metadata and reserved addresses in AWS mode', () => {
    for (const a of [
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '127.9.9.9',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
    ])
      expect(addressProblem(a, 'public'), a).toBeDefined();
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])
      expect(addressProblem(a, 'public'), a).toBeUndefined();
  });

  it('allows loopback only in loopback mode, and never private ranges', () => {
    expect(addressProblem('127.0.0.1', 'loopback')).toBeUndefined();
    expect(addressProblem('::1', 'loopback')).toBeUndefined();
    expect(addressProblem('10.0.0.1', 'loopback')).toBeDefined();
    expect(addressProblem('169.254.169.254', 'loopback')).toBeDefined();
  });

  it('checks scheme, credentials and every resolved address', async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    const resolvesTo =
      (...a: string[]) =>
      async () =>
        a;
    expect(await code(resolveAllowed('http://93.184.216.34/x', 'public', none))).toBe(
      'webhook_url_forbidden',
    );
    expect(await code(resolveAllowed('https://93.184.216.34/x', 'public', none))).toBe('ok');
    expect(await code(resolveAllowed('https://u:p@93.184.216.34/x', 'public', none))).toBe(
      'webhook_url_forbidden',
    );
    expect(await code(resolveAllowed('https://[::1]/x', 'public', none))).toBe('webhook_url_forbidden');
    // Other spellings of loopback and private addresses are normalised by the URL parser, then refused.
    for (const u of [
      'https://2130706433/',
      'https://0x7f.1/',
      'https://0177.0.0.1/',
      'https://[::ffff:a00:1]/',
    ])
      expect(await code(resolveAllowed(u, 'public', none)), u).toBe('webhook_url_forbidden');
    expect(await code(resolveAllowed('https://localhost/x', 'public', resolvesTo('127.0.0.1')))).toBe(
      'webhook_url_forbidden',
    );
    // A public-looking name that resolves, even partly, to a private address (DNS rebinding) is refused.
    expect(
      await code(
        resolveAllowed('https://hooks.example.com/x', 'public', resolvesTo('93.184.216.34', '10.0.0.7')),
      ),
    ).toBe('webhook_url_forbidden');
    expect(
      await code(resolveAllowed('https://hooks.example.com/x', 'public', resolvesTo('93.184.216.34'))),
    ).toBe('ok');
    expect(await code(resolveAllowed('https://nowhere.invalid/x', 'public', none))).toBe(
      'webhook_url_unresolvable',
    );
    expect(await code(resolveAllowed('http://127.0.0.1:8080/x', 'loopback', none))).toBe('ok');
    expect(await code(resolveAllowed('ftp://127.0.0.1/x', 'loopback', none))).toBe('webhook_url_forbidden');
  });
});

describe('docs/webhooks.md', () => {
  it('verifies a delivery with the JavaScript it shows, and refuses a forged or stale one', async () => {
    const { readFile, writeFile, mkdtemp } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const doc = await readFile(path.join(import.meta.dirname, '../../../docs/webhooks.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(doc)![1]!;
    expect(code.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(14);
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'wh-doc-')), 'verify.mjs');
    await writeFile(file, code);
    const { verify } = (await import(file)) as {
      verify: (s: string, h: Record<string, string>, b: string) => boolean;
    };
    const secret = newSecret();
    const body = '{"type":"job.completed"}';
    const now = Math.floor(Date.now() / 1000);
    expect(verify(secret, signedHeaders([secret], 'msg_a', now, body), body)).toBe(true);
    expect(verify(secret, signedHeaders([newSecret(), secret], 'msg_a', now, body), body)).toBe(true);
    expect(verify(secret, signedHeaders([secret], 'msg_a', now, body), `${body} `)).toBe(false);
    expect(verify(secret, signedHeaders([newSecret()], 'msg_a', now, body), body)).toBe(false);
    expect(verify(secret, signedHeaders([secret], 'msg_a', now - 3600, body), body)).toBe(false);
  });
});
