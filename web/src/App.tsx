import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, type Api } from './api/client';
import type { Job, Models } from './api/types';
import { AuthForm } from './components/AuthForm';
import { Header } from './components/Header';
import { History } from './components/History';
import { JobView } from './components/JobView';
import { LiveMic } from './components/LiveMic';
import { ModelCardPage } from './components/ModelCardPage';
import { ModelNote } from './components/ModelNote';
import { UploadPanel, type UploadState } from './components/UploadPanel';
import { uploadForAnalysis } from './jobs/analyze';
import { eventUpdates } from './jobs/events';
import type { JobUpdates } from './jobs/watch';
import { decodePeaks, type Peaks } from './lib/peaks';
import { problemMessage } from './lib/problems';
import { navigate, parseRoute, usePath } from './lib/router';

interface Boot {
  api: Api;
  models: Models;
}

/** Reads /config.json (the API origin the deployment wrote), the model and limits, and resumes a session. */
async function boot(): Promise<Boot> {
  const config = (await fetch('/config.json').then((r) => (r.ok ? r.json() : {}))) as { apiOrigin?: string };
  const api = createApi(typeof config.apiOrigin === 'string' ? config.apiOrigin.replace(/\/$/, '') : '');
  const [{ data, error, response }] = await Promise.all([api.client.GET('/v1/models'), api.session.resume()]);
  if (!data) throw new Error(problemMessage(error, response));
  return { api, models: data };
}

/** Live mode needs a microphone API and AudioWorklet (any current browser, in a secure context). */
const canCapture = () =>
  typeof AudioWorkletNode !== 'undefined' && typeof navigator !== 'undefined' && !!navigator.mediaDevices;

export function App() {
  const [booted, setBooted] = useState<Boot | undefined>();
  const [bootError, setBootError] = useState<string | undefined>();
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setBootError(undefined);
    boot().then(setBooted, (e: Error) =>
      setBootError(e instanceof TypeError ? problemMessage(e) : e.message),
    );
  }, [attempt]);

  if (bootError)
    return (
      <main className="page">
        <Header />
        <section className="card">
          <p className="error" role="alert">
            RealTone could not start: {bootError}
          </p>
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </section>
      </main>
    );
  if (!booted)
    return (
      <main className="page" aria-busy="true">
        <Header />
        <p className="hint">Loading…</p>
      </main>
    );
  return <Signed api={booted.api} models={booted.models} />;
}

function Signed({ api, models }: Boot) {
  const [signedIn, setSignedIn] = useState(api.session.signedIn);
  const [notice, setNotice] = useState<string | undefined>();
  const [upload, setUpload] = useState<UploadState | undefined>();
  const [uploadError, setUploadError] = useState<string | undefined>();
  const [peaks, setPeaks] = useState<Record<string, Peaks>>({});
  const [historyVersion, setHistoryVersion] = useState(0);
  const route = parseRoute(usePath());
  const updates: JobUpdates = useMemo(() => eventUpdates(api.client), [api]);

  useEffect(
    () =>
      api.session.onChange((now, reason) => {
        setSignedIn(now);
        setNotice(now ? undefined : reason);
        if (!now) setPeaks({});
      }),
    [api],
  );

  const analyze = useCallback(
    async (file: File, contentType: string) => {
      setUploadError(undefined);
      setUpload({ fileName: file.name, loaded: 0, total: file.size });
      const decoded = decodePeaks(file);
      try {
        const jobId = await uploadForAnalysis(api.client, file, contentType, ({ loaded, total }) =>
          setUpload({ fileName: file.name, loaded, total }),
        );
        const result = await decoded;
        if (result) setPeaks((old) => ({ ...old, [jobId]: result }));
        setHistoryVersion((v) => v + 1);
        navigate(`/jobs/${jobId}`);
      } catch (error) {
        setUploadError((error as Error).message);
      } finally {
        setUpload(undefined);
      }
    },
    [api],
  );

  const finished = useCallback((_job: Job) => setHistoryVersion((v) => v + 1), []);
  const deleted = useCallback(
    (id: string) => {
      if (route.name === 'job' && route.id === id) navigate('/');
    },
    [route],
  );

  const logout = () => {
    void api.session.logout();
    navigate('/');
  };

  if (route.name === 'model')
    return (
      <main className="page">
        <Header email={api.session.email} onLogout={signedIn ? logout : undefined} />
        <ModelCardPage />
      </main>
    );

  return (
    <main className="page">
      <Header email={api.session.email} onLogout={signedIn ? logout : undefined} />
      <p className="lede">
        How likely is this speech to be synthetic? Upload a recording and read the verdict, chunk by chunk.
      </p>
      {!signedIn ? (
        <AuthForm api={api} notice={notice} />
      ) : (
        <>
          <UploadPanel limits={models.limits} upload={upload} uploadError={uploadError} onAnalyze={analyze} />
          {canCapture() && (
            <LiveMic
              client={api.client}
              model={models.active}
              onRecorded={() => setHistoryVersion((v) => v + 1)}
            />
          )}
          {route.name === 'job' && (
            <JobView
              key={route.id}
              jobId={route.id}
              updates={updates}
              model={models.active}
              peaks={peaks[route.id]}
              onFinished={finished}
            />
          )}
          <History
            client={api.client}
            version={historyVersion}
            currentJobId={route.name === 'job' ? route.id : undefined}
            onDeleted={deleted}
          />
        </>
      )}
      <ModelNote model={models.active} />
    </main>
  );
}
