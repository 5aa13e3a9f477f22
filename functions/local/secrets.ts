/**
 * Secrets of the local stack: each is its environment variable when set, else a random value generated once into a
 * file of the data directory (mode 0600) and read from it after, so that it survives restarts: tokens stay valid,
 * and webhook secrets sealed under the key keep opening.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function localSecret(
  dataDir: string,
  file: string,
  fromEnv: string | undefined,
): Promise<string> {
  if (fromEnv) return fromEnv;
  const at = path.join(dataDir, file);
  try {
    return (await readFile(at, 'utf8')).trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await writeFile(at, secret, { mode: 0o600 });
    return secret;
  }
}
