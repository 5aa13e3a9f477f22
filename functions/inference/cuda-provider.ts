import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * onnxruntime-node ships CPU binaries; the CUDA provider library exists only where its install script fetched it
 * (the GPU worker image). Probing for the file avoids a noisy native error on every CPU start, and lets a process
 * decide how to run the model without loading onnxruntime first.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}
