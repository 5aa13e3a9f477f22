import { useState, type FormEvent } from 'react';
import type { Api } from '../api/client';
import { problemMessage } from '../lib/problems';

type Action = 'login' | 'register';

/**
 * Log in or create an account in one form: both buttons submit it (Enter logs in). Creating an account logs in
 * right away. The access token goes to the session's memory; the refresh cookie is set by the server.
 */
export function AuthForm({ api, notice }: { api: Api; notice?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<Action | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const action: Action = submitter?.value === 'register' ? 'register' : 'login';
    setBusy(action);
    setError(undefined);
    setStatus(action === 'register' ? 'Creating your account…' : 'Logging in…');
    try {
      const credentials = { email: email.trim(), password };
      if (action === 'register') {
        const created = await api.session.authClient.POST('/v1/auth/register', { body: credentials });
        if (!created.data) throw new Error(problemMessage(created.error, created.response));
      }
      const {
        data,
        error: problem,
        response,
      } = await api.session.authClient.POST('/v1/auth/login', {
        body: credentials,
      });
      if (!data) throw new Error(problemMessage(problem, response));
      api.session.accept(data, credentials.email);
    } catch (caught) {
      setError(caught instanceof TypeError ? problemMessage(caught) : (caught as Error).message);
      setStatus(undefined);
      setBusy(undefined);
    }
  }

  return (
    <section className="card auth" aria-labelledby="auth-title">
      <h2 id="auth-title">Log in or create an account</h2>
      {notice && <p className="notice">{notice}</p>}
      <form onSubmit={submit} noValidate={false}>
        <label htmlFor="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          minLength={10}
          maxLength={256}
          aria-describedby="password-hint"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id="password-hint" className="hint">
          At least 10 characters.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <p className="sr-only" role="status">
          {status}
        </p>
        <div className="actions">
          <button type="submit" value="login" disabled={busy !== undefined}>
            Log in
          </button>
          <button type="submit" value="register" className="secondary" disabled={busy !== undefined}>
            Create account
          </button>
        </div>
      </form>
    </section>
  );
}
