import { describe, expect, it } from 'vitest';
import { LazyObjectStore } from '../../../functions/adapters/lazy-object-store.ts';
import type { ObjectStore } from '../../../functions/ports/storage.ts';

/** A store that records its calls; enough to see what the lazy wrapper forwards. */
function recordingStore(calls: string[]): ObjectStore {
  return {
    createUploadForm: async (key) => ({ url: `post:${key}`, fields: {}, expiresAt: new Date(0) }),
    head: async (key) => (calls.push(`head ${key}`), { size: 3, contentType: 'audio/wav' }),
    read: async () => (async function* () {})(),
    delete: async (key) => void calls.push(`delete ${key}`),
    put: async (key, body) => void calls.push(`put ${key} ${body}`),
    presignGet: async (key, seconds) => `get:${key}:${seconds}`,
  };
}

describe('LazyObjectStore', () => {
  it('loads its adapter on the first call only, once for concurrent callers, and forwards every call', async () => {
    const calls: string[] = [];
    let loads = 0;
    const store = new LazyObjectStore(async () => (loads++, recordingStore(calls)));
    expect(loads).toBe(0);
    const [head, url] = await Promise.all([store.head('a'), store.presignGet('b', 60)]);
    await store.put('c', 'x', 'text/plain');
    await store.delete('d');
    expect(loads).toBe(1);
    expect(head).toEqual({ size: 3, contentType: 'audio/wav' });
    expect(url).toBe('get:b:60');
    expect(
      (await store.createUploadForm('e', { contentType: 'a', maxBytes: 1, expiresSeconds: 1 })).url,
    ).toBe('post:e');
    expect(calls).toEqual(['head a', 'put c x', 'delete d']);
  });

  it('tries the load again after it failed', async () => {
    let loads = 0;
    const store = new LazyObjectStore(async () => {
      if (++loads === 1) throw new Error('module not loaded');
      return recordingStore([]);
    });
    await expect(store.head('a')).rejects.toThrow('module not loaded');
    expect(await store.presignGet('a', 5)).toBe('get:a:5');
    expect(loads).toBe(2);
  });
});
