import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';

/** Repository root: the Docker build context, the esbuild project root and the base of relative paths. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type DetectorMode = 'gpu' | 'cpu';

/**
 * Everything a deployment can choose, read from CDK context (`-c key=value` or cdk.json). Values from the command
 * line arrive as strings; each is parsed and range-checked here so a typo fails synthesis with one clear message
 * instead of producing a stack that misbehaves later. docs/deploy.md lists every parameter.
 */
export interface RealToneConfig {
  stackName: string;
  detectorMode: DetectorMode;
  /** Browser origins allowed to call the API and to POST uploads to the bucket. */
  webOrigins: string[];
  /** Deploy the web app (CloudFront + S3, with the API under /v1/* on its origin). */
  webApp: boolean;
  /** Raw uploads under uploads/ are deleted after this many days. */
  uploadExpiryDays: number;
  /**
   * How long a worker holds a message without a heartbeat (WORKER_VISIBILITY_TIMEOUT_SECONDS; the job lease is 5 s
   * less, renewed every third of it). Short, so a crashed worker's job restarts within it; long jobs are carried by
   * the heartbeat. Also the queue's visibility timeout, except in CPU mode (below).
   */
  visibilityTimeoutSeconds: number;
  /**
   * CPU mode: the function timeout, sized to the longest job. AWS requires the queue's visibility timeout to be at
   * least this; the function shortens each message's visibility to `visibilityTimeoutSeconds` when it starts on it.
   */
  cpuFunctionTimeoutSeconds: number;
  maxReceiveCount: number;
  natGateways: number;
  dbInstanceClass: string;
  dbAllocatedStorageGb: number;
  dbMultiAz: boolean;
  deletionProtection: boolean;
  cacheNodeType: string;
  gpuInstanceType: string;
  gpuTaskMemoryMiB: number;
  maxGpuTasks: number;
  /** Queued or in-flight jobs per GPU task before another task is started. */
  jobsPerGpuTask: number;
  /** Minutes with an empty queue before the GPU service scales to zero. */
  scaleInMinutes: number;
  cpuMemoryMb: number;
  cpuMaxConcurrency: number;
  apiMemoryMb: number;
  apiThrottleRate: number;
  apiThrottleBurst: number;
  logRetentionDays: number;
  alarmEmail?: string;
  oldestMessageAlarmSeconds: number;
  /** Model manifest baked into the detector image, relative to the repository root. */
  modelManifest: string;
  /** s3://bucket/prefix/ holding model.json and the file it names; fetched by the worker at start-up. */
  modelS3Uri?: string;
  workerMaxAttempts: number;
  workerDrainSeconds: number;
  uploadUrlTtlSeconds: number;
  maxUploadBytes: number;
  maxDurationSeconds: number;
  resultTtlSeconds: number;
  jwtTtlSeconds: number;
  /** The streaming service (ECS behind an ALB); present only when streamDomain and streamCertificateArn are set. */
  stream?: StreamDeployConfig;
  /** The gRPC service (ECS behind an internal NLB, VPC only); present only with -c grpc=true. */
  grpc?: GrpcDeployConfig;
}

/** The gRPC service for callers inside the VPC (docs/grpc.md): task counts and, in CPU mode, the task size. */
export interface GrpcDeployConfig {
  minTasks: number;
  maxTasks: number;
  taskCpu: number;
  taskMemoryMiB: number;
  /** Grace after SIGTERM: running streams get their summary, calls in flight finish. */
  drainSeconds: number;
}

/**
 * The WebSocket streaming service. Both the domain and an ACM certificate for it are needed (an ALB's own DNS name
 * cannot carry a certificate); without them the service, its load balancer and the ticket route are not deployed.
 */
export interface StreamDeployConfig {
  /** Public host name of the socket (a CNAME or alias to the load balancer): wss://{domain}/v1/stream. */
  domain: string;
  /** ACM certificate for `domain`, in the region of the stack. */
  certificateArn: string;
  minTasks: number;
  maxTasks: number;
  /** Target of the sessions-per-task scaling policy (ALB active connections per running task). */
  sessionsPerTask: number;
  /** Hard cap per task (STREAM_MAX_SESSIONS): further streams are refused with too_many_sessions. */
  maxSessionsPerTask: number;
  /** Grace after SIGTERM (STREAM_DRAIN_SECONDS); the container's stop timeout is this plus 10 s. */
  drainSeconds: number;
  /** How long a task leaving the target group keeps its running streams before ECS stops it. */
  deregistrationDelaySeconds: number;
  /** CPU mode (Fargate): task size. */
  taskCpu: number;
  taskMemoryMiB: number;
}

/** The socket's public address, handed out with tickets (the API's STREAM_PUBLIC_URL). */
export const streamPublicUrl = (stream: StreamDeployConfig): string => `wss://${stream.domain}/v1/stream`;

/** Seconds between SIGTERM and SIGKILL on ECS (both launch types allow at most 120). */
export const ECS_MAX_STOP_TIMEOUT_SECONDS = 120;
/** Stop timeout of a stream task: the drain plus time to close the pool and exit. */
export const STREAM_STOP_MARGIN_SECONDS = 10;

/** Fargate task sizes: CPU units → [min, max, step] memory in MiB. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

export const DEFAULT_MODEL_MANIFEST = 'models/realtone-wavlm-small/model.json';
export const FIXTURE_MODEL_MANIFEST = 'test/fixtures/models/energy-fixture/model.json';

class ContextReader {
  readonly problems: string[] = [];
  constructor(private readonly get: (key: string) => unknown) {}

  string(key: string, fallback: string, pattern?: RegExp): string {
    const raw = this.get(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    const value = String(raw).trim();
    if (pattern && !pattern.test(value)) this.problems.push(`${key}=${value} does not match ${pattern}`);
    return value;
  }

  optional(key: string, pattern: RegExp): string | undefined {
    const raw = this.get(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const value = String(raw).trim();
    if (!pattern.test(value)) this.problems.push(`${key}=${value} does not match ${pattern}`);
    return value;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const raw = this.get(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${key}=${String(raw)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.get(key);
    if (raw === undefined || raw === null || raw === '') return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    this.problems.push(`${key}=${String(raw)} must be true or false`);
    return fallback;
  }

  list(key: string): string[] {
    const raw = this.get(key);
    if (raw === undefined || raw === null || raw === '') return [];
    const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
    return items.map((s) => s.trim()).filter(Boolean);
  }
}

/** Reads and validates the deployment parameters; throws one error naming every bad value. */
export function readConfig(node: Pick<Node, 'tryGetContext'>): RealToneConfig {
  const c = new ContextReader((key) => node.tryGetContext(key));
  const detectorMode = c.string('detectorMode', 'gpu', /^(gpu|cpu)$/) as DetectorMode;
  const webOrigins = c.list('webOrigins');
  for (const origin of webOrigins) {
    if (!/^https?:\/\/[^/\s*]+$/.test(origin))
      c.problems.push(
        `webOrigins: ${origin} must be an origin such as https://app.example.com (no path, no *)`,
      );
  }
  const visibilityTimeoutSeconds = c.int('visibilityTimeoutSeconds', 30, 20, 43200);
  const config: RealToneConfig = {
    stackName: c.string('stackName', 'RealTone', /^[A-Za-z][A-Za-z0-9-]{0,127}$/),
    detectorMode,
    webOrigins,
    webApp: c.bool('webApp', true),
    uploadExpiryDays: c.int('uploadExpiryDays', 7, 1, 3650),
    visibilityTimeoutSeconds,
    cpuFunctionTimeoutSeconds: c.int('cpuFunctionTimeoutSeconds', 900, 60, 900),
    maxReceiveCount: c.int('maxReceiveCount', 5, 1, 1000),
    natGateways: c.int('natGateways', 1, 0, 3),
    dbInstanceClass: c.string('dbInstanceClass', 't4g.micro', /^[a-z0-9]+\.[a-z0-9]+$/),
    dbAllocatedStorageGb: c.int('dbAllocatedStorageGb', 20, 20, 65536),
    dbMultiAz: c.bool('dbMultiAz', false),
    deletionProtection: c.bool('deletionProtection', true),
    cacheNodeType: c.string('cacheNodeType', 'cache.t4g.micro', /^cache\.[a-z0-9]+\.[a-z0-9]+$/),
    gpuInstanceType: c.string('gpuInstanceType', 'g4dn.xlarge', /^(g4dn|g5|g6|g6e|g5g|p3|p4d)\.[a-z0-9]+$/),
    gpuTaskMemoryMiB: c.int('gpuTaskMemoryMiB', 12288, 1024, 786432),
    maxGpuTasks: c.int('maxGpuTasks', 2, 1, 100),
    jobsPerGpuTask: c.int('jobsPerGpuTask', 5, 1, 1000),
    scaleInMinutes: c.int('scaleInMinutes', 10, 1, 1440),
    cpuMemoryMb: c.int('cpuMemoryMb', 4096, 1024, 10240),
    cpuMaxConcurrency: c.int('cpuMaxConcurrency', 5, 2, 1000),
    apiMemoryMb: c.int('apiMemoryMb', 1024, 128, 10240),
    apiThrottleRate: c.int('apiThrottleRate', 50, 1, 10000),
    apiThrottleBurst: c.int('apiThrottleBurst', 100, 1, 5000),
    logRetentionDays: c.int('logRetentionDays', 30, 1, 3653),
    alarmEmail: c.optional('alarmEmail', /^[^@\s]+@[^@\s]+\.[^@\s]+$/),
    oldestMessageAlarmSeconds: c.int('oldestMessageAlarmSeconds', 1800, 60, 1209600),
    modelManifest: c.string('modelManifest', DEFAULT_MODEL_MANIFEST, /^[\w./-]+\/model\.json$/),
    modelS3Uri: c.optional('modelS3Uri', /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([\w.\-/]*\/)?$/),
    workerMaxAttempts: c.int('workerMaxAttempts', 3, 1, 20),
    workerDrainSeconds: c.int('workerDrainSeconds', 90, 1, 600),
    uploadUrlTtlSeconds: c.int('uploadUrlTtlSeconds', 300, 30, 3600),
    maxUploadBytes: c.int('maxUploadBytes', 200 * 1024 * 1024, 1024, 5 * 1024 ** 3),
    maxDurationSeconds: c.int('maxDurationSeconds', 3600, 1, 6 * 3600),
    resultTtlSeconds: c.int('resultTtlSeconds', 86400, 60, 30 * 86400),
    jwtTtlSeconds: c.int('jwtTtlSeconds', 900, 60, 86400),
  };
  if (config.modelManifest.startsWith('/') || config.modelManifest.includes('..'))
    c.problems.push('modelManifest must be a path inside the repository');
  if (detectorMode === 'gpu' && config.workerDrainSeconds + 15 > 120)
    c.problems.push(
      `workerDrainSeconds=${config.workerDrainSeconds}: in gpu mode the drain plus 15 s must fit the 120 s ECS allows between SIGTERM and SIGKILL`,
    );
  config.stream = readStreamConfig(c);
  config.grpc = readGrpcConfig(c);
  if (c.problems.length) throw new Error(`invalid RealTone context: ${c.problems.join('; ')}`);
  return config;
}

function readGrpcConfig(c: ContextReader): GrpcDeployConfig | undefined {
  if (!c.bool('grpc', false)) return undefined;
  const grpc: GrpcDeployConfig = {
    minTasks: c.int('grpcMinTasks', 1, 1, 100),
    maxTasks: c.int('grpcMaxTasks', 4, 1, 100),
    taskCpu: c.int('grpcTaskCpu', 2048, 1024, 16384),
    taskMemoryMiB: c.int('grpcTaskMemoryMiB', 4096, 2048, 122880),
    drainSeconds: c.int('grpcDrainSeconds', 30, 1, ECS_MAX_STOP_TIMEOUT_SECONDS - STREAM_STOP_MARGIN_SECONDS),
  };
  if (grpc.maxTasks < grpc.minTasks)
    c.problems.push(`grpcMaxTasks=${grpc.maxTasks} must be at least grpcMinTasks=${grpc.minTasks}`);
  const memory = FARGATE_MEMORY[grpc.taskCpu];
  if (!memory) c.problems.push(`grpcTaskCpu=${grpc.taskCpu} must be one of ${Object.keys(FARGATE_MEMORY)}`);
  else if (grpc.taskMemoryMiB < memory[0] || grpc.taskMemoryMiB > memory[1] || grpc.taskMemoryMiB % memory[2])
    c.problems.push(`grpcTaskMemoryMiB=${grpc.taskMemoryMiB} does not fit grpcTaskCpu=${grpc.taskCpu}`);
  return grpc;
}

function readStreamConfig(c: ContextReader): StreamDeployConfig | undefined {
  const domain = c.optional(
    'streamDomain',
    /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  );
  const certificateArn = c.optional(
    'streamCertificateArn',
    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
  );
  if (!domain !== !certificateArn) {
    c.problems.push(
      'streamDomain and streamCertificateArn go together: the streaming service needs its host name and an ACM ' +
        'certificate for it (set both, or neither to deploy without streaming)',
    );
    return undefined;
  }
  if (!domain || !certificateArn) return undefined;
  const stream: StreamDeployConfig = {
    domain,
    certificateArn,
    minTasks: c.int('streamMinTasks', 1, 1, 100),
    maxTasks: c.int('streamMaxTasks', 4, 1, 100),
    sessionsPerTask: c.int('streamSessionsPerTask', 50, 1, 10000),
    maxSessionsPerTask: c.int('streamMaxSessionsPerTask', 200, 1, 100000),
    drainSeconds: c.int(
      'streamDrainSeconds',
      20,
      1,
      ECS_MAX_STOP_TIMEOUT_SECONDS - STREAM_STOP_MARGIN_SECONDS,
    ),
    deregistrationDelaySeconds: c.int('streamDeregistrationDelaySeconds', 300, 0, 3600),
    taskCpu: c.int('streamTaskCpu', 2048, 1024, 16384),
    taskMemoryMiB: c.int('streamTaskMemoryMiB', 4096, 2048, 122880),
  };
  if (stream.maxTasks < stream.minTasks)
    c.problems.push(`streamMaxTasks=${stream.maxTasks} must be at least streamMinTasks=${stream.minTasks}`);
  if (stream.maxSessionsPerTask < stream.sessionsPerTask)
    c.problems.push(
      `streamMaxSessionsPerTask=${stream.maxSessionsPerTask} must be at least streamSessionsPerTask=${stream.sessionsPerTask}`,
    );
  const memory = FARGATE_MEMORY[stream.taskCpu];
  if (!memory)
    c.problems.push(`streamTaskCpu=${stream.taskCpu} must be one of ${Object.keys(FARGATE_MEMORY)}`);
  else if (
    stream.taskMemoryMiB < memory[0] ||
    stream.taskMemoryMiB > memory[1] ||
    stream.taskMemoryMiB % memory[2] !== 0
  )
    c.problems.push(
      `streamTaskMemoryMiB=${stream.taskMemoryMiB} does not fit streamTaskCpu=${stream.taskCpu}: Fargate takes ` +
        `${memory[0]}–${memory[1]} MiB in steps of ${memory[2]}`,
    );
  return stream;
}

/** Whether the configured model manifest is present in the checkout (the detector image copies its directory). */
export function modelManifestPresent(config: RealToneConfig): boolean {
  return existsSync(path.join(REPO_ROOT, config.modelManifest));
}

/** Lambda's maximum timeout (the CPU detector's cpuFunctionTimeoutSeconds is at most this). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
