import { useEffect, useState } from 'react';
import type { ActiveModel, Job } from '../api/types';
import { TERMINAL, type JobUpdates } from '../jobs/watch';
import { formatTime } from '../lib/format';
import type { Peaks } from '../lib/peaks';
import { jobErrorHeadline } from '../lib/problems';
import { ChunksTable } from './ChunksTable';
import { ProgressBar } from './ProgressBar';
import { VerdictPanel } from './VerdictPanel';
import { Waveform } from './Waveform';

interface Props {
  jobId: string;
  updates: JobUpdates;
  model: ActiveModel;
  /** Peaks of the file when it was uploaded from this tab (the API does not hand audio back). */
  peaks?: Peaks;
  onFinished: (job: Job) => void;
}

const STATUS_TEXT: Record<Job['status'], string> = {
  awaiting_upload: 'Waiting for the upload to arrive',
  queued: 'Queued: waiting for a detector',
  processing: 'Scoring chunks',
  completed: 'Done',
  failed: 'Failed',
};

/** One job: its progress while it runs, then the verdict, the waveform and the chunks, or why it failed. */
export function JobView({ jobId, updates, model, peaks, onFinished }: Props) {
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<number | undefined>();

  useEffect(() => {
    const controller = new AbortController();
    setJob(undefined);
    setError(undefined);
    setSelected(undefined);
    updates(jobId, setJob, controller.signal).then(onFinished, (e: Error) => {
      if (!controller.signal.aborted) setError(e.message);
    });
    return () => controller.abort();
    // onFinished is deliberately not a dependency: a new callback from the parent must not restart the watch.
  }, [jobId, updates]);

  if (error)
    return (
      <section className="card" aria-labelledby="job-title">
        <h2 id="job-title">Recording</h2>
        <p className="error" role="alert">
          {error}
        </p>
      </section>
    );
  if (!job)
    return (
      <section className="card" aria-busy="true">
        <ProgressBar label="Loading the job" />
      </section>
    );

  const result = job.result;
  const sameModel = result && result.model.name === model.name && result.model.version === model.version;
  const thresholds = model.thresholds;
  return (
    <section className="card job" aria-labelledby="job-title">
      <h2 id="job-title">{job.filename}</h2>
      {!TERMINAL.includes(job.status) && (
        <ProgressBar
          label="Processing"
          {...(job.progress.chunks_total
            ? { value: job.progress.chunks_done, max: job.progress.chunks_total }
            : {})}
          text={
            job.progress.chunks_total
              ? `${STATUS_TEXT[job.status]}: ${job.progress.chunks_done} of ${job.progress.chunks_total}`
              : STATUS_TEXT[job.status]
          }
        />
      )}
      {job.status === 'failed' && job.error && (
        <div className="error" role="alert">
          <p>
            <strong>{jobErrorHeadline(job.error.code)}</strong>
          </p>
          <p>{job.error.message}</p>
        </div>
      )}
      {result && (
        <>
          <VerdictPanel verdict={result.overall} thresholds={sameModel ? thresholds : undefined} />
          <p className="hint">
            {formatTime(result.duration_s)} of {result.format.toUpperCase()} audio, {result.sample_rate_in}{' '}
            Hz, {result.channels_in === 1 ? 'mono' : `${result.channels_in} channels`} · model{' '}
            {result.model.name} {result.model.version}
            {sameModel
              ? ''
              : ' (not the model this server runs now: chunk labels use the current thresholds)'}
          </p>
          {result.warnings?.map((w) => (
            <p key={w.code} className="hint" role="note">
              Note: {w.message}
            </p>
          ))}
          <Waveform
            chunks={result.chunks}
            duration={result.duration_s}
            thresholds={thresholds}
            peaks={peaks}
            selected={selected}
            onSelect={setSelected}
          />
          <ChunksTable
            chunks={result.chunks}
            thresholds={thresholds}
            selected={selected}
            onSelect={setSelected}
          />
        </>
      )}
    </section>
  );
}
