import type { Client } from 'openapi-fetch';
import type { paths } from './schema';
import type { Token } from './types';

/** Refresh this long before the access token expires, so a request never leaves with a token about to lapse. */
const EARLY_MS = 60_000;
const LOCK = 'realtone-refresh';
/**
 * A hint, not a secret: whether this browser has logged in and not out. Without it the app does not ask for a
 * refresh at start, which would only earn a 401 (and a console error) for a visitor who never logged in.
 */
const HINT = 'realtone.session';

function hint(value?: boolean): boolean {
  try {
    if (value === true) localStorage.setItem(HINT, '1');
    else if (value === false) localStorage.removeItem(HINT);
    return localStorage.getItem(HINT) === '1';
  } catch {
    return true; // storage unavailable: ask the server
  }
}

type Listener = (signedIn: boolean, reason?: string) => void;

/**
 * The signed-in state of this tab. The access token lives only in this object's memory: never in storage, never
 * in a URL. The refresh token is an HttpOnly cookie this code cannot read; `refresh()` spends it for a new access
 * token and the server sets its successor. Refreshes are single-flight in the tab and serialised across tabs with
 * the Web Locks API: refresh tokens work once, and two tabs presenting the same one would revoke the session.
 */
export class Session {
  private token: string | undefined;
  private expiresAt = 0;
  private inFlight: Promise<boolean> | undefined;
  private readonly listeners = new Set<Listener>();

  /** Who logged in, when this tab saw the login (a refresh after a reload does not say). */
  email: string | undefined;

  /** A client without the session middleware, for the auth endpoints: they take no Bearer token. */
  constructor(readonly authClient: Client<paths>) {}

  get signedIn(): boolean {
    return this.token !== undefined;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores a token from login or refresh and tells the listeners. */
  accept(token: Token, email?: string): void {
    const was = this.signedIn;
    if (email) this.email = email;
    hint(true);
    this.token = token.access_token;
    this.expiresAt = Date.now() + token.expires_in * 1000;
    if (!was) this.emit(true);
  }

  /** A token good for the next request, refreshing first when it is about to expire; undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    if (this.token && Date.now() < this.expiresAt - EARLY_MS) return this.token;
    if (!this.token && !this.inFlight) return undefined;
    return (await this.refresh()) ? this.token : undefined;
  }

  /** Resumes the session after a reload, when this browser has one to resume. */
  resume(): Promise<boolean> {
    return hint() ? this.refresh() : Promise.resolve(false);
  }

  /** Exchanges the refresh cookie for a new access token; false (and signed out) when there is no session. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.withLock(() => this.refreshNow()).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Revokes the session on the server and forgets the token, even when the server cannot be reached. */
  async logout(): Promise<void> {
    try {
      await this.authClient.DELETE('/v1/auth/refresh');
    } finally {
      this.clear('You are logged out.');
    }
  }

  /** The server refused the token (expired session, revoked family): forget it. */
  clear(reason?: string): void {
    const was = this.signedIn;
    hint(false);
    this.token = undefined;
    this.email = undefined;
    this.expiresAt = 0;
    if (was) this.emit(false, reason);
  }

  private async refreshNow(): Promise<boolean> {
    const { data } = await this.authClient.POST('/v1/auth/refresh');
    if (data) {
      this.accept(data);
      return true;
    }
    this.clear('Your session has ended. Please log in again.');
    return false;
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    return locks ? (locks.request(LOCK, fn) as Promise<T>) : fn();
  }

  private emit(signedIn: boolean, reason?: string): void {
    for (const listener of this.listeners) listener(signedIn, reason);
  }
}
