/**
 * `realtone analyze --manifest DIR`: one audio_manifest_v1 per input file, the same document the worker writes to
 * S3 (functions/core/manifests/audio-manifest.ts), named after the file: DIR/<name>.json, with -2, -3… when two
 * inputs share a name. Written atomically (temporary file, then rename), so a reader never sees half a manifest.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildManifest, serializeManifest, type ExtractorVersion } from '../core/manifests/audio-manifest.ts';
import type { AnalysisResult } from '../core/detection/analyze.ts';
import type { ModelManifest } from '../inference/manifest.ts';

export class ManifestWriter {
  private readonly used = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly model: ModelManifest,
    /** The extractors chosen on the command line, for the manifests of files that failed. */
    private readonly extractors: readonly ExtractorVersion[],
  ) {}

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private nameFor(file: string): string {
    const base = path.basename(file).replace(/[^A-Za-z0-9._-]+/g, '_') || 'audio';
    let name = `${base}.json`;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}.json`;
    this.used.add(name);
    return name;
  }

  /** Writes the manifest of one file; returns its path. */
  async write(
    file: string,
    outcome: { result: AnalysisResult } | { error: { code: string; message: string } },
    timings: Record<string, number>,
  ): Promise<string> {
    const size = await stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    const manifest = buildManifest({
      component: 'cli',
      model: this.model,
      extractors: this.extractors,
      file: { name: path.basename(file), sizeBytes: size },
      outcome,
      timings: 'result' in outcome ? { ...outcome.result.timings, ...timings } : timings,
    });
    const target = path.join(this.dir, this.nameFor(file));
    const partial = `${target}.partial`;
    await writeFile(partial, serializeManifest(manifest));
    await rename(partial, target);
    return target;
  }
}
