/** The upload bucket (S3) and the presigned manifest links of job views. */
import { LazyObjectStore } from '../../adapters/lazy-object-store.ts';
import { ManifestLinks } from '../../core/jobs/manifest-links.ts';
import type { ConfigOf } from '../../shared/config.ts';
import { perProcess } from './process.ts';

type Config = ConfigOf<'aws' | 'storage'>;

/** S3, imported on the first call that needs it (a poll of a running job never does). */
export const objectStore = (c: Config) =>
  perProcess(
    'storage',
    () =>
      new LazyObjectStore(async () =>
        (await import('../../adapters/s3-object-store.ts')).objectStoreFromConfig(c),
      ),
  );

/** Presigned manifest URLs for job views, memoised per job for half their life. */
export const manifestLinks = (c: Config) =>
  perProcess('manifestLinks', () => new ManifestLinks(objectStore(c), c.MANIFEST_URL_TTL_SECONDS));
