import { afterEach, describe, expect, it } from 'vitest';
import { closeApiDeps, perProcess } from '../../../functions/api/deps/process.ts';

afterEach(() => closeApiDeps());

describe('API adapters per process', () => {
  it('makes each adapter once, closes every one made, and makes new ones after closing', async () => {
    const closed: string[] = [];
    let made = 0;
    const pool = () =>
      perProcess(
        'test-pool',
        () => ({ n: ++made }),
        async (p) => void closed.push(`pool ${p.n}`),
      );
    const first = pool();
    expect(pool()).toBe(first);
    perProcess('test-plain', () => 'no closer');
    perProcess(
      'test-failing',
      () => 1,
      async () => {
        throw new Error('close failed');
      },
    );
    await closeApiDeps(); // one failing close does not stop the others
    expect(closed).toEqual(['pool 1']);
    const second = pool();
    expect(second).not.toBe(first);
    expect(second.n).toBe(2);
  });
});
