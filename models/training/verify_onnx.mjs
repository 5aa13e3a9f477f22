// Optional check used by scripts/model-build.sh: run model.onnx in onnxruntime-node (the runtime's engine)
// on the committed parity inputs and compare with the PyTorch logits. Usage: node verify_onnx.mjs MODEL_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const dir = process.argv[2];
const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');
const meta = JSON.parse(readFileSync(join(dir, 'parity', 'parity.json'), 'utf8'));
const f32 = (p) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const x = f32(join(dir, 'parity', meta.inputs));
const want = f32(join(dir, 'parity', meta.outputs));
const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
const feeds = { waveform: new ort.Tensor('float32', x, meta.shape) };
const out = await session.run(feeds);
const got = out.logit.data;
let maxDiff = 0;
for (let i = 0; i < meta.n; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
console.log(JSON.stringify({ dir, dims: out.logit.dims, got: Array.from(got), want: Array.from(want), maxDiff, atol: meta.atol }));
if (!(maxDiff <= meta.atol) || out.logit.dims.length !== 1 || out.logit.dims[0] !== meta.n) process.exit(1);
