import { RealToneError } from '../../shared/errors.ts';

/**
 * A webhook URL the policy refuses: not https (in AWS), or naming or resolving to a private, loopback, link-local or
 * metadata address. Raised at registration and on each delivery (the attempt fails, nothing is sent).
 */
export class WebhookUrlForbiddenError extends RealToneError {
  readonly code = 'webhook_url_forbidden';
}

/** The URL's host does not resolve. */
export class WebhookUrlUnresolvableError extends RealToneError {
  readonly code = 'webhook_url_unresolvable';
}

/** The user has WEBHOOK_MAX_PER_USER endpoints already. */
export class WebhookLimitError extends RealToneError {
  readonly code = 'webhook_limit_reached';
}
