import type { Problem } from '../api/types';

/** Turns an API error (RFC 9457 problem+json) or a network failure into a sentence for the page. */
export function problemMessage(error: unknown, response?: Response): string {
  const problem = (error ?? {}) as Partial<Problem>;
  switch (problem.code) {
    case 'invalid_credentials':
      return 'The email or password is incorrect.';
    case 'email_taken':
      return 'An account with this email exists already. Log in instead.';
    case 'too_many_attempts': {
      const wait = response?.headers.get('retry-after');
      return `Too many attempts. Try again${wait ? ` in ${wait} s` : ' later'}.`;
    }
    case 'invalid_request':
      if (problem.errors?.length)
        return problem.errors.map((e) => `${e.field ? `${e.field}: ` : ''}${e.message}`).join('; ');
      break;
  }
  if (problem.detail && problem.status !== undefined && problem.status < 500)
    return capitalise(problem.detail);
  if (problem.status !== undefined && problem.status >= 500)
    return `The service failed (${problem.status}). Try again in a moment${problem.request_id ? `; request ${problem.request_id}` : ''}.`;
  if (error instanceof TypeError)
    return 'Cannot reach the RealTone API. Check your connection and try again.';
  return response ? `The request failed (${response.status}).` : 'The request failed.';
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** Headlines for the error codes a job can end with (README, Error codes; docs/api.md). */
const JOB_ERRORS: Record<string, string> = {
  unsupported_format: 'RealTone cannot read this file.',
  corrupt_audio: 'The file is damaged or truncated.',
  empty_audio: 'There is no sound in this file.',
  too_short: 'The recording is shorter than one second.',
  too_long: 'The recording is longer than this service accepts.',
  too_large: 'The file is larger than this service accepts.',
  upload_missing: 'The uploaded file was gone before it could be processed.',
};

export function jobErrorHeadline(code: string): string {
  return JOB_ERRORS[code] ?? 'The service could not process this file. Try again later.';
}
