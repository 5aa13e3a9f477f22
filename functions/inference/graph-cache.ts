/**
 * Where onnxruntime's optimised graph of a model is kept between processes. Optimising the default model's graph
 * (fusions, the NCHWc layout) takes about half of creating its session, 50 of 100 ms on a 2-core machine; a process
 * that finds the graph already optimised creates its session from it with optimisation off. The optimised graph
 * fits only the onnxruntime build and the CPU features it was made with (onnxruntime says so when it writes one),
 * so the file name carries the model's sha256, onnxruntime's version and a digest of the CPU's features.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

let cpuKey: string | undefined;

/** A digest of what the optimised graph depends on in the CPU: its model and its feature flags. */
function cpuFeatures(): string {
  if (cpuKey) return cpuKey;
  let features = `${os.arch()} ${os.cpus()[0]?.model ?? 'unknown'}`;
  try {
    // The model name alone is not enough: the same "AMD EPYC" has come with and without AVX-512.
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (flags) features += flags[1];
  } catch {
    // not Linux: the model name stands for the features
  }
  cpuKey = createHash('sha256').update(features).digest('hex').slice(0, 16);
  return cpuKey;
}

function onnxruntimeVersion(): string {
  return createRequire(import.meta.url)('onnxruntime-node/package.json').version as string;
}

/** The cached optimised graph for a model with this sha256, in `dir`. */
export function optimizedGraphPath(dir: string, modelSha256: string): string {
  return path.join(dir, `${modelSha256.slice(0, 32)}-ort${onnxruntimeVersion()}-${cpuFeatures()}.onnx`);
}
