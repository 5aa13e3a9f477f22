import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { ManifestError } from './errors.ts';

/**
 * The model manifest (`model.json`) is the contract between a model file and the runtime: everything the runtime
 * does to audio before and after the graph is read from here. Unknown fields are rejected so a typo cannot be
 * silently ignored. docs/bring-your-own-model.md documents every field.
 */
const probability = z.number().gt(0).lt(1);
const dim = z.union([z.number().int().positive(), z.string().min(1)]);

export const manifestSchema = z
  .object({
    schema: z.literal('realtone.model/v1'),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    version: z.string().min(1).max(32),
    fixture: z.boolean(),
    description: z.string().max(500),
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    sample_rate: z.number().int().min(8000).max(48000),
    chunk: z
      .object({
        window_samples: z.number().int().min(1600),
        hop_samples: z.number().int().min(1),
        min_samples: z.number().int().min(1),
        tail: z.literal('end_aligned'),
        short_pad: z.literal('repeat'),
      })
      .strict()
      .refine((c) => c.hop_samples <= c.window_samples && c.min_samples <= c.window_samples, {
        message: 'hop_samples and min_samples must not exceed window_samples',
      }),
    normalization: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('zero_mean_unit_variance'), epsilon: z.number().positive() }).strict(),
      z.object({ kind: z.literal('none') }).strict(),
    ]),
    input: z
      .object({
        name: z.string().min(1),
        dtype: z.literal('float32'),
        shape: z.tuple([z.string().min(1), z.number().int().positive()]),
      })
      .strict(),
    output: z
      .object({
        name: z.string().min(1),
        kind: z.enum(['logit', 'probability', 'two_class_logits']),
        shape: z.array(dim).min(1).max(2),
        /** For two_class_logits: which of the two columns is "synthetic". */
        fake_index: z.union([z.literal(0), z.literal(1)]).optional(),
      })
      .strict(),
    thresholds: z
      .object({ likely_fake: probability, fake: probability })
      .strict()
      .refine((t) => t.fake >= t.likely_fake, {
        message: 'thresholds.fake must be >= thresholds.likely_fake',
      }),
    batch_size: z.number().int().min(1).max(256),
    parameters: z.number().int().nonnegative(),
    flops_per_chunk: z.number().int().nonnegative(),
    training: z.object({ corpus: z.string(), card: z.string() }).strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.input.shape[1] !== m.chunk.window_samples) {
      ctx.addIssue({
        code: 'custom',
        path: ['input', 'shape'],
        message: 'input length must equal chunk.window_samples',
      });
    }
    const expected = m.output.kind === 'two_class_logits' ? 2 : 1;
    const last = m.output.shape.length === 2 ? m.output.shape[1] : 1;
    if (last !== expected) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'shape'],
        message: `output kind ${m.output.kind} needs ${expected} value(s) per chunk`,
      });
    }
    if (m.output.kind === 'two_class_logits' && m.output.fake_index === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'fake_index'],
        message: 'required for two_class_logits',
      });
    }
  });

export type ModelManifest = z.infer<typeof manifestSchema>;

export interface LoadedManifest {
  manifest: ModelManifest;
  manifestPath: string;
  modelPath: string;
}

/** Reads and validates a manifest; the model path is resolved relative to the manifest's folder. */
export async function loadManifest(manifestPath: string): Promise<LoadedManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (cause) {
    throw new ManifestError(`cannot read model manifest ${manifestPath}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ManifestError(`model manifest ${manifestPath} is invalid: ${issues}`);
  }
  const modelPath = path.resolve(path.dirname(manifestPath), parsed.data.file);
  return { manifest: parsed.data, manifestPath, modelPath };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  // Large reads: with the default 64 KiB a 6 MB model took ~100 turns of an event loop that is busy decoding the
  // first file meanwhile, and checking it took 150 ms instead of 15.
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
