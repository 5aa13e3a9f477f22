// @vitest-environment happy-dom
/**
 * Components in happy-dom, driven as a user would (Testing Library queries by role and accessible name, the names
 * the outside browser check relies on), against the real generated API client over a scripted fetch.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../web/src/api/client.ts';
import type { Chunk } from '../../web/src/api/types.ts';
import { AuthForm } from '../../web/src/components/AuthForm.tsx';
import { ChunksTable } from '../../web/src/components/ChunksTable.tsx';
import { History } from '../../web/src/components/History.tsx';
import { UploadPanel } from '../../web/src/components/UploadPanel.tsx';
import { VerdictPanel } from '../../web/src/components/VerdictPanel.tsx';
import { fakeFetch, LIMITS, on, TOKEN } from './fake-api.ts';

afterEach(() => {
  cleanup();
  localStorage.clear();
});

const THRESHOLDS = { likely_fake: 0.5, fake: 0.9 };
const file = (name: string, type: string, size = 100) => new File([new Uint8Array(size)], name, { type });

describe('UploadPanel', () => {
  it('refuses a wrong type with a readable alert and keeps Analyze disabled', async () => {
    const onAnalyze = vi.fn();
    render(<UploadPanel limits={LIMITS} onAnalyze={onAnalyze} />);
    await userEvent.upload(screen.getByLabelText('Audio file'), file('notes.txt', 'text/plain'), {
      applyAccept: false,
    });
    expect(screen.getByRole('alert').textContent).toMatch(
      /“notes\.txt” is not an audio file RealTone can read/,
    );
    expect((screen.getByRole('button', { name: 'Analyze' }) as HTMLButtonElement).disabled).toBe(true);
    expect(onAnalyze).not.toHaveBeenCalled();
  });

  it('refuses a file over the size limit', async () => {
    render(<UploadPanel limits={LIMITS} onAnalyze={vi.fn()} />);
    await userEvent.upload(screen.getByLabelText('Audio file'), file('big.wav', 'audio/wav', 2000));
    expect(screen.getByRole('alert').textContent).toBe('“big.wav” is 2.0 KB; the limit is 1000 B.');
  });

  it('takes a dropped file and hands it to Analyze with the content type to declare', async () => {
    const onAnalyze = vi.fn();
    render(<UploadPanel limits={LIMITS} onAnalyze={onAnalyze} />);
    const dropped = file('call.opus', '');
    fireEvent.drop(screen.getByLabelText('Audio file').closest('.dropzone')!, {
      dataTransfer: { files: [dropped] },
    });
    expect(screen.queryByRole('alert')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Analyze' }));
    expect(onAnalyze).toHaveBeenCalledWith(dropped, 'audio/ogg');
  });

  it('shows the upload as a progressbar and locks the picker meanwhile', () => {
    render(
      <UploadPanel
        limits={LIMITS}
        onAnalyze={vi.fn()}
        upload={{ fileName: 'a.wav', loaded: 250, total: 1000 }}
      />,
    );
    const bar = screen.getByRole('progressbar', { name: 'Uploading a.wav' }) as HTMLProgressElement;
    expect(bar.value).toBe(250);
    expect(bar.max).toBe(1000);
    expect((screen.getByLabelText('Audio file') as HTMLInputElement).disabled).toBe(true);
  });
});

describe('result', () => {
  const chunks: Chunk[] = [
    { index: 0, start_s: 0, end_s: 4, score: 0.12 },
    { index: 1, start_s: 4, end_s: 8, score: 0.63 },
    { index: 2, start_s: 8, end_s: 12, score: 0.95 },
    { index: 3, start_s: 12, end_s: 12.5, score: null, reason: 'too_short' },
  ];

  it('lists one row per chunk with time range, score and label', () => {
    render(<ChunksTable chunks={chunks} thresholds={THRESHOLDS} />);
    const rows = within(screen.getByRole('table', { name: 'Chunks' }))
      .getAllByRole('row')
      .slice(1);
    expect(
      rows.map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent),
      ),
    ).toEqual([
      ['1', '0:00.0–0:04.0', '0.120', 'real'],
      ['2', '0:04.0–0:08.0', '0.630', 'likely fake'],
      ['3', '0:08.0–0:12.0', '0.950', 'fake'],
      ['4', '0:12.0–0:12.5', '—', 'not judged (too short to judge)'],
    ]);
  });

  it('shows the verdict label, confidence and policy in the Verdict region', () => {
    render(
      <VerdictPanel
        verdict={{
          label: 'likely_fake',
          score: 0.79,
          confidence: 0.33,
          policy: 'top_fraction_mean(0.333)',
          chunks_scored: 3,
        }}
        thresholds={THRESHOLDS}
      />,
    );
    const region = screen.getByRole('region', { name: 'Verdict' });
    expect(region.textContent).toContain('likely fake');
    expect(region.textContent).toContain('confidence 33 %');
    expect(region.textContent).toContain('the highest third of the 3 scored chunks (1 of 3)');
    expect(region.textContent).toContain('0.500 or more reads as likely fake');
  });
});

describe('AuthForm', () => {
  it('creates the account, then logs in: the token lands in the session, not in storage', async () => {
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/auth/register', { status: 201, body: { id: 'x', email: 'a@b.co', created_at: '' } }),
      on('POST', '/v1/auth/login', { status: 200, body: TOKEN }),
    );
    const api = createApi('', fetcher);
    render(<AuthForm api={api} />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@b.co');
    await userEvent.type(screen.getByLabelText('Password'), 'long enough password');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(api.session.signedIn).toBe(true));
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v1/auth/register',
      'POST /v1/auth/login',
    ]);
    expect(calls[0]!.body).toEqual({ email: 'a@b.co', password: 'long enough password' });
    expect(JSON.stringify({ ...localStorage })).not.toContain(TOKEN.access_token);
    expect(await api.session.accessToken()).toBe(TOKEN.access_token);
  });

  it('says so when the address is taken, and does not log in', async () => {
    const { fetcher, calls } = fakeFetch(
      on('POST', '/v1/auth/register', {
        status: 409,
        body: { code: 'email_taken', status: 409, detail: 'x', title: 'Conflict', type: 'x' },
      }),
    );
    const api = createApi('', fetcher);
    render(<AuthForm api={api} />);
    await userEvent.type(screen.getByLabelText('Email'), 'a@b.co');
    await userEvent.type(screen.getByLabelText('Password'), 'long enough password');
    await userEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'An account with this email exists already. Log in instead.',
    );
    expect(calls).toHaveLength(1);
    expect(api.session.signedIn).toBe(false);
  });
});

describe('History', () => {
  const item = (id: string, filename: string) => ({
    id,
    filename,
    status: 'completed' as const,
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:01Z',
    overall: { label: 'real' as const, score: 0.1 },
    error_code: null,
  });
  const ID1 = '00000000-0000-4000-8000-000000000001';
  const ID2 = '00000000-0000-4000-8000-000000000002';
  const ID3 = '00000000-0000-4000-8000-000000000003';

  async function signedInApi(...routes: Parameters<typeof fakeFetch>) {
    const fake = fakeFetch(...routes);
    const api = createApi('', fake.fetcher);
    api.session.accept(TOKEN);
    return { api, calls: fake.calls };
  }

  it('lists file names, loads older pages with the cursor, and deletes after confirmation', async () => {
    const { api, calls } = await signedInApi(
      on('GET', '/v1/jobs', (call) =>
        call.query.get('cursor') === 'c1'
          ? { status: 200, body: { items: [item(ID3, 'old.mp3')], next_cursor: null } }
          : { status: 200, body: { items: [item(ID1, 'one.wav'), item(ID2, 'two.wav')], next_cursor: 'c1' } },
      ),
      on('DELETE', /^\/v1\/jobs\//, { status: 204 }),
    );
    const onDeleted = vi.fn();
    render(<History client={api.client} version={0} onDeleted={onDeleted} />);
    const region = screen.getByRole('region', { name: 'History' });
    await within(region).findByRole('link', { name: 'one.wav' });
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${TOKEN.access_token}`);
    await userEvent.click(within(region).getByRole('button', { name: 'Show older recordings' }));
    await within(region).findByRole('link', { name: 'old.mp3' });
    expect(within(region).queryByRole('button', { name: 'Show older recordings' })).toBeNull();

    await userEvent.click(within(region).getByRole('button', { name: 'Delete two.wav…' }));
    await userEvent.click(within(region).getByRole('button', { name: 'Delete two.wav' }));
    await waitFor(() => expect(within(region).queryByRole('link', { name: 'two.wav' })).toBeNull());
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/jobs/${ID2}` });
    expect(onDeleted).toHaveBeenCalledWith(ID2);
    expect(
      within(region)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['one.wav', 'old.mp3']);
  });
});
