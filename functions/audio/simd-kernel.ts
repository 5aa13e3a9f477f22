/**
 * The resampler's inner product in WebAssembly SIMD (f32x4), hand-assembled here so there is no build step and no
 * native dependency. Why: the JavaScript loop tops out near 440× real time for 44.1 kHz → 16 kHz on one core, which
 * left no room for decoding within the ≥ 300× WAV target; four lanes and two accumulators run it several times
 * faster (docs/audio.md has the numbers).
 *
 * Exported function `run(pairs, count, out, taps)`: for i in [0, count): reads two i32 byte addresses at
 * pairs + 8i (input position, filter row), writes out[i] = Σ_k input[k] · row[k] over `taps` floats (a multiple of
 * 8; rows are zero-padded to it). Addresses are byte offsets into the exported memory `mem`.
 */

// Opcodes used below (WebAssembly core 2.0 and the fixed-width SIMD proposal, shipped in Node ≥ 16.4).
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Load: 0x28,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  f32Add: 0x92,
  void: 0x40,
  i32: 0x7f,
  v128: 0x7b,
} as const;
const simd = (op: number) => (op < 0x80 ? [0xfd, op] : [0xfd, (op & 0x7f) | 0x80, op >> 7]);
const V128_LOAD = (offset: number) => [...simd(0x00), 0, offset]; // align hint 1 byte: loads may be unaligned
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const LANE = (i: number) => [...simd(0x1f), i];

// Locals: params 0 pairs, 1 count, 2 out, 3 taps; then 4 b, 5 t, 6 end (i32); 7 acc0, 8 acc1 (v128).
const [PAIRS, COUNT, OUT, TAPS, B, T, END, ACC0, ACC1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const g = (i: number) => [OP.get, i];
const s = (i: number) => [OP.set, i];
const mac = (acc: number, offset: number) => [
  ...g(acc),
  ...g(B),
  ...V128_LOAD(offset),
  ...g(T),
  ...V128_LOAD(offset),
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...s(acc),
];

const body = [
  2, 3, OP.i32, 2, OP.v128, // local declarations: 3 × i32, 2 × v128
  OP.block, OP.void,
  ...g(COUNT), OP.i32Eqz, OP.brIf, 0,
  OP.loop, OP.void,
  ...g(PAIRS), OP.i32Load, 2, 0, ...s(B),
  ...g(PAIRS), OP.i32Load, 2, 4, ...s(T),
  ...g(B), ...g(TAPS), OP.i32Const, 2, OP.i32Shl, OP.i32Add, ...s(END),
  ...V128_ZERO, ...s(ACC0),
  ...V128_ZERO, ...s(ACC1),
  OP.loop, OP.void,
  ...mac(ACC0, 0),
  ...mac(ACC1, 16),
  ...g(T), OP.i32Const, 32, OP.i32Add, ...s(T),
  ...g(B), OP.i32Const, 32, OP.i32Add, OP.tee, B,
  ...g(END), OP.i32LtU, OP.brIf, 0,
  OP.end,
  ...g(OUT),
  ...g(ACC0), ...g(ACC1), ...F32X4_ADD, OP.tee, ACC0, ...LANE(0),
  ...g(ACC0), ...LANE(1), OP.f32Add,
  ...g(ACC0), ...LANE(2), OP.f32Add,
  ...g(ACC0), ...LANE(3), OP.f32Add,
  OP.f32Store, 2, 0,
  ...g(OUT), OP.i32Const, 4, OP.i32Add, ...s(OUT),
  ...g(PAIRS), OP.i32Const, 8, OP.i32Add, ...s(PAIRS),
  ...g(COUNT), OP.i32Const, 1, OP.i32Sub, OP.tee, COUNT,
  OP.brIf, 0,
  OP.end,
  OP.end,
  OP.end, // function
]; // prettier-ignore

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (text: string) => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 4, OP.i32, OP.i32, OP.i32, OP.i32, 0]), // type: (i32 × 4) → ()
  ...section(3, [1, 0]), // one function of type 0
  ...section(5, [1, 0x00, 1]), // one memory, at least one page, no maximum
  ...section(7, [2, ...name('run'), 0x00, 0, ...name('mem'), 0x02, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

/** The slice of the WebAssembly JS API used here (@types/node 20 does not declare the global). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export interface SimdKernel {
  memory: WasmMemory;
  run: (pairs: number, count: number, out: number, taps: number) => void;
}

let compiled: object | null | undefined;

/** A fresh kernel instance (own memory), or undefined where the runtime lacks WebAssembly SIMD. */
export function createSimdKernel(): SimdKernel | undefined {
  if (compiled === undefined) compiled = wasm?.validate(MODULE) ? new wasm.Module(MODULE) : null;
  if (!compiled || !wasm) return undefined;
  const { exports } = new wasm.Instance(compiled, {});
  return { memory: exports.mem as WasmMemory, run: exports.run as SimdKernel['run'] };
}
