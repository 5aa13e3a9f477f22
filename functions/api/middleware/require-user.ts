import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { verifyAuthorization, type TokenConfig } from '../../core/auth/tokens.ts';
import type { HttpEvent, HttpResult } from '../http.ts';

export interface AuthContext extends Context {
  userId: string;
}

/** Verifies the Bearer token before the handler runs and puts the user id on the context. */
export function requireUser(
  tokens: () => TokenConfig,
): middy.MiddlewareObj<HttpEvent, HttpResult, Error, AuthContext> {
  return {
    before: (request) => {
      request.context.userId = verifyAuthorization(request.event.headers?.authorization, tokens());
    },
  };
}
