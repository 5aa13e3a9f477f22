/**
 * Validates actual HTTP responses against proto/openapi.json (OpenAPI 3.1 schemas are JSON Schema 2020-12) and
 * records which (route, method, status) combinations were seen, so a test can require every route to be covered.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from './local-stack-process.ts';

const spec = JSON.parse(readFileSync(path.join(ROOT, 'proto/openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ ...spec, $id: 'openapi' });

export const seen = new Set<string>();

function templateFor(pathname: string): string | undefined {
  for (const template of Object.keys(spec.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(pathname)) return template;
  }
  return undefined;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Throws with the schema errors when the response does not match the documented one. */
export function validateResponse(
  method: string,
  pathname: string,
  status: number,
  contentType: string | null,
  body: unknown,
) {
  const template = templateFor(pathname);
  if (!template) throw new Error(`${pathname} is not in the OpenAPI document`);
  const operation = spec.paths[template][method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${template} is not in the OpenAPI document`);
  let response = operation.responses[String(status)];
  if (!response) throw new Error(`${method} ${template} answered ${status}, which is not documented`);
  let responsePath = pointer('paths', template, method.toLowerCase(), 'responses', String(status));
  if (response.$ref) {
    responsePath = response.$ref.slice(2);
    response = response.$ref
      .split('/')
      .slice(1)
      .reduce((o: any, k: string) => o[k], spec);
  }
  seen.add(`${method.toUpperCase()} ${template} ${status}`);
  if (!response.content) {
    if (body !== undefined && body !== '')
      throw new Error(`${method} ${template} ${status} should have no body`);
    return;
  }
  const media = (contentType ?? '').split(';')[0]!;
  if (!response.content[media])
    throw new Error(`${method} ${template} ${status}: content type ${media} not documented`);
  const ref = `openapi#/${responsePath}/content/${pointer(media)}/schema`;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema at ${ref}`);
  if (!validate(body))
    throw new Error(
      `${method} ${template} ${status} does not match the contract: ${ajv.errorsText(validate.errors)}`,
    );
}

export const documentedRoutes = (): string[] =>
  Object.entries(spec.paths).flatMap(([template, ops]) =>
    Object.keys(ops as object)
      .filter((m) => m !== 'parameters')
      .map((m) => `${m.toUpperCase()} ${template}`),
  );
