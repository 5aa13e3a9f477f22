// Where the esbuild bundles of the entry points live and whether they are current. Imported on the hot path of
// `realtone` (scripts/realtone.mjs), so it uses only Node built-ins and does no more than one stat per source file
// in the common case: a bundle is current when no source it was built from is newer than its stamp. Only when one
// is newer (a checkout, an edit) are the sources hashed; an unchanged hash refreshes the stamp instead of building.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Two levels below the root, like functions/shared/: the bundled config.ts finds the project root (models, .local)
 * as `../..` of its own URL, exactly as the sources do. `.local/` is git-ignored local state.
 */
export const BUNDLE_DIR = path.join(ROOT, '.local', 'bundles');
export const STAMP = path.join(BUNDLE_DIR, 'stamp.json');

/** Files outside the esbuild inputs that change what a bundle does. */
export const EXTRA_INPUTS = ['package-lock.json', 'scripts/bundle.mjs', 'scripts/bundle-state.mjs'];

/** Content hash of the given files (paths relative to ROOT), in order; a missing file hashes as absent. */
export function hashInputs(inputs) {
  const hash = createHash('sha256');
  for (const rel of inputs) {
    hash.update(rel + '\0');
    try {
      hash.update(readFileSync(path.join(ROOT, rel)));
    } catch {
      hash.update('\u0000absent');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * `state`: 'fresh' when the bundles match the sources, 'stale' when they must be rebuilt, 'missing' when none were
 * built; `dir`: the directory of the current build. `stamp.json` names that directory and holds the inputs
 * (relative paths) and their hash.
 */
export function bundleState() {
  let stamp;
  let builtAt;
  try {
    builtAt = statSync(STAMP).mtimeMs;
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return { state: 'missing' };
  }
  if (!Array.isArray(stamp.inputs) || typeof stamp.hash !== 'string' || typeof stamp.dir !== 'string')
    return { state: 'stale' };
  const dir = path.join(BUNDLE_DIR, stamp.dir);
  if (!existsSync(dir)) return { state: 'stale' };
  const state = currentState(stamp, builtAt);
  return { state, dir };
}

function currentState(stamp, builtAt) {
  let newer = false;
  for (const rel of stamp.inputs) {
    try {
      if (statSync(path.join(ROOT, rel)).mtimeMs > builtAt) {
        newer = true;
        break;
      }
    } catch {
      return 'stale'; // a source was removed or renamed
    }
  }
  if (!newer) return 'fresh';
  if (hashInputs(stamp.inputs) !== stamp.hash) return 'stale';
  const now = new Date();
  utimesSync(STAMP, now, now); // same content, newer times (a checkout): next time the stat check suffices
  return 'fresh';
}
