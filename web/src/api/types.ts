import type { components } from './schema';

/** Shapes of the API, named once from the generated OpenAPI types (proto/openapi.json). */
export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobSummary = Schemas['JobSummary'];
export type JobResult = NonNullable<Job['result']>;
export type Chunk = Schemas['Chunk'];
export type Verdict = Schemas['Verdict'];
export type Problem = Schemas['Problem'];
export type UploadSlot = Schemas['UploadSlot'];
export type Models = Schemas['Models'];
export type UploadLimits = Models['limits'];
export type ActiveModel = Models['active'];
export type Token = Schemas['Token'];
