/**
 * The two gRPC contracts, loaded from proto/ at start-up with @grpc/proto-loader: `audioanalyzer` (the original
 * service's contract, kept byte for byte) and `realtone.v1`. The same definitions feed server reflection.
 */
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROJECT_ROOT } from '../shared/config.ts';

export const PROTO_DIR = path.join(PROJECT_ROOT, 'proto');
export const LEGACY_PROTO = 'audio_analyzer.proto';
export const DETECTOR_PROTO = 'realtone/v1/detector.proto';

/** Plain JavaScript messages: field names as written in the .proto, 64-bit numbers as numbers, enums as names. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export interface LoadedProtos {
  /** Both files' definitions in one object (what reflection serves). */
  definition: protoLoader.PackageDefinition;
  legacy: grpc.ServiceDefinition;
  detector: grpc.ServiceDefinition;
}

let loaded: LoadedProtos | undefined;

export function loadProtos(): LoadedProtos {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync([LEGACY_PROTO, DETECTOR_PROTO], LOADER_OPTIONS);
  const service = (name: string) => {
    const found = definition[name];
    if (!found) throw new Error(`proto/ defines no service ${name}`);
    return found as grpc.ServiceDefinition;
  };
  loaded = {
    definition,
    legacy: service('audioanalyzer.AudioAnalysis'),
    detector: service('realtone.v1.DetectorService'),
  };
  return loaded;
}
