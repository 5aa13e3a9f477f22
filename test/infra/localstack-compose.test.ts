/**
 * localstack-compose.yml cannot be started on the machines this project is developed and tested on (no Docker), so
 * its structure is checked instead: the four services, pinned images, loopback-only ports, health checks, the
 * LocalStack auth token required from the environment (never written into the file), and the settings `npm test`
 * expects from Postgres and Redis.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../infra/lib/config.ts';

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(path.join(REPO_ROOT, 'localstack-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

describe('localstack-compose.yml', () => {
  it('defines LocalStack, an S3-compatible server, Postgres and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['localstack', 'postgres', 'redis', 's3']);
    expect(compose.services.localstack!.image).toMatch(/^localstack\/localstack:/);
    expect(compose.services.s3!.command).toEqual(expect.arrayContaining(['server', '-s3']));
    expect(compose.services.postgres!.image).toMatch(/^postgres:/);
    expect(compose.services.redis!.image).toMatch(/^(redis|valkey\/valkey):/);
  });

  it('pins every image and gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image, name).toMatch(/:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
  });

  it('requires LOCALSTACK_AUTH_TOKEN from the environment and contains no token', () => {
    const token = compose.services.localstack!.environment!.LOCALSTACK_AUTH_TOKEN!;
    expect(token).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN:\?.+\}$/);
    expect(readFileSync(path.join(REPO_ROOT, 'localstack-compose.yml'), 'utf8')).not.toMatch(
      /ls-[A-Za-z0-9]{8,}/,
    );
  });

  it('publishes ports on 127.0.0.1 only, at the addresses the tests and docs use', () => {
    const published = Object.fromEntries(
      Object.entries(compose.services).map(([name, s]) => [name, s.ports ?? []]),
    );
    for (const ports of Object.values(published)) for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    expect(published.localstack).toContain('127.0.0.1:4566:4566');
    expect(published.s3).toContain('127.0.0.1:8333:8333');
    expect(published.postgres).toContain('127.0.0.1:5432:5432');
    expect(published.redis).toContain('127.0.0.1:6379:6379');
  });

  it('gives Postgres the database and auth `npm test` expects (postgres://postgres@127.0.0.1:5432/test)', () => {
    expect(compose.services.postgres!.environment).toMatchObject({
      POSTGRES_DB: 'test',
      POSTGRES_HOST_AUTH_METHOD: 'trust',
    });
  });

  it('declares every named volume it mounts', () => {
    for (const service of Object.values(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('/')) expect(compose.volumes).toHaveProperty(source);
      }
  });
});
