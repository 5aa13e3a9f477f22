/**
 * Builds the Go caller of the original contract (go-audio-analyzer-client/main.go) offline, from Debian's packaged
 * Go toolchain and libraries: GOPATH mode over /usr/share/gocode, so no module proxy is needed. The stubs are
 * generated from proto/audio_analyzer.proto by protoc with Debian's protoc-gen-go (1.28) and protoc-gen-go-grpc,
 * into a temporary GOPATH; nothing generated is committed. The binary is cached under .local/ (git-ignored), keyed
 * by everything that goes into it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from './local-stack-process.ts';

const run = promisify(execFile);
/** Debian's go, or another by its path (not a name looked up on PATH: the file must exist). */
export const GO = process.env.GO ?? '/usr/bin/go';
const PROTOC = '/usr/bin/protoc';
const PROTOC_GEN_GO = '/usr/bin/protoc-gen-go';
const PROTOC_GEN_GO_GRPC = '/usr/bin/protoc-gen-go-grpc';
/** Where Debian's golang-*-dev packages install their sources. */
const GOCODE = '/usr/share/gocode/src';
const SOURCE = path.join(ROOT, 'test/support/go-audio-analyzer-client/main.go');
const PROTO_DIR = path.join(ROOT, 'proto');
const PROTO = 'audio_analyzer.proto';
/** The proto has no go_package option (the original contract has none), so the import path is given to protoc. */
const IMPORT_PATH = 'realtone.local/audioanalyzer';
const CACHE = path.join(ROOT, '.local/go-audio-analyzer-client');

/** The apt line that provides everything; .ci/run runs it. */
export const GO_PACKAGES =
  'golang-go protobuf-compiler protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev';

/** Why the Go client cannot be built on this machine, or null when it can. */
export function goClientMissing(): string | null {
  const need: [string, string][] = [
    [GO, 'golang-go'],
    [PROTOC, 'protobuf-compiler'],
    [PROTOC_GEN_GO, 'protoc-gen-go'],
    [PROTOC_GEN_GO_GRPC, 'protoc-gen-go-grpc'],
    [`${GOCODE}/google.golang.org/grpc/go.mod`, 'golang-google-grpc-dev'],
    [`${GOCODE}/google.golang.org/protobuf/go.mod`, 'golang-google-protobuf-dev'],
  ];
  const missing = need.filter(([file]) => !existsSync(file)).map(([file, pkg]) => `${pkg} (${file})`);
  // golang-google-grpc-dev is satisfied by golang-github-golang-protobuf-1-3-dev by default, whose codec panics
  // decoding the messages protoc-gen-go 1.28 generates; 1-5 (a shim over google.golang.org/protobuf) replaces it.
  const shim = `${GOCODE}/github.com/golang/protobuf/go.mod`;
  if (!existsSync(shim) || !readFileSync(shim, 'utf8').includes('google.golang.org/protobuf'))
    missing.push(`golang-github-golang-protobuf-1-5-dev (${shim} is not the 1.4+ shim)`);
  if (missing.length === 0) return null;
  return `needs Debian's ${missing.join(', ')}: apt-get install -y --no-install-recommends ${GO_PACKAGES}`;
}

/** Runs a command of the Go build, low priority: it overlaps the stack's own analysis in the test. */
async function build(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  try {
    await run('nice', ['-n', '5', command, ...args], { env, cwd });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stderr ?? String(error)}`);
  }
}

/** The path of the built client, building it first unless a binary for the same inputs is cached. */
export async function buildGoClient(): Promise<string> {
  const hash = createHash('sha256');
  const tools: [string, string][] = [
    [GO, 'version'],
    [PROTOC, '--version'],
    [PROTOC_GEN_GO, '--version'],
    [PROTOC_GEN_GO_GRPC, '--version'],
  ];
  for (const [tool, flag] of tools) hash.update((await run(tool, [flag])).stdout).update('\0');
  // This file is part of the key too: it holds the build's flags and import path.
  for (const file of [path.join(PROTO_DIR, PROTO), SOURCE, fileURLToPath(import.meta.url)])
    hash.update(await readFile(file)).update('\0');
  const name = `client-${hash.digest('hex').slice(0, 16)}`;
  const binary = path.join(CACHE, name);
  if (existsSync(binary)) return binary;

  await mkdir(CACHE, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), 'realtone-gostubs-'));
  // Built beside its final name, then renamed: a concurrent run never sees half a binary.
  const partial = `${binary}.${process.pid}.tmp`;
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: `${path.join(work, 'gopath')}:${path.dirname(GOCODE)}`,
    GOFLAGS: '',
    // Kept between runs, so a rebuild after an edit compiles only what changed.
    GOCACHE: path.join(CACHE, 'go-build'),
    // A static binary needs no C compiler (--no-install-recommends does not bring gcc).
    CGO_ENABLED: '0',
  };
  try {
    const out = path.join(work, 'gopath/src');
    await mkdir(out, { recursive: true });
    const mapping = `M${PROTO}=${IMPORT_PATH}`;
    await build(
      PROTOC,
      [
        `--plugin=protoc-gen-go=${PROTOC_GEN_GO}`,
        `--plugin=protoc-gen-go-grpc=${PROTOC_GEN_GO_GRPC}`,
        `-I${PROTO_DIR}`,
        `--go_out=${out}`,
        `--go_opt=${mapping}`,
        `--go-grpc_out=${out}`,
        `--go-grpc_opt=${mapping}`,
        PROTO,
      ],
      env,
      work,
    );
    await build(GO, ['build', '-o', partial, SOURCE], env, work);
    await rename(partial, binary);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
  // Binaries of earlier inputs are of no further use.
  for (const entry of await readdir(CACHE))
    if (entry.startsWith('client-') && entry !== name && !entry.endsWith('.tmp'))
      await rm(path.join(CACHE, entry), { force: true });
  return binary;
}
