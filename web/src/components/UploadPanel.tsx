import { useId, useRef, useState, type DragEvent } from 'react';
import type { UploadLimits } from '../api/types';
import { acceptAttribute, checkFile } from '../jobs/file-check';
import { formatBytes } from '../lib/format';
import { ProgressBar } from './ProgressBar';

export interface UploadState {
  fileName: string;
  loaded: number;
  total: number;
}

interface Props {
  limits: UploadLimits;
  /** The upload in progress, if any (its bar tracks the S3 POST). */
  upload?: UploadState;
  /** Why the last upload failed, if it did. */
  uploadError?: string;
  onAnalyze: (file: File, contentType: string) => void;
}

/**
 * Choose a recording by drag-and-drop or the file picker; its type and size are checked against the API's limits
 * at once, so a wrong file is refused with a reason before anything is sent. Analyze starts the upload.
 */
export function UploadPanel({ limits, upload, uploadError, onAnalyze }: Props) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [contentType, setContentType] = useState<string | undefined>();
  const [dragging, setDragging] = useState(false);

  function choose(files: FileList | null) {
    const chosen = files?.[0];
    setFile(chosen);
    setContentType(undefined);
    setProblem(undefined);
    if (!chosen) return;
    const check = checkFile(chosen, limits);
    if (check.ok) setContentType(check.contentType);
    else setProblem(check.message);
    if (files && files.length > 1)
      setProblem((p) => p ?? `One file at a time: “${chosen.name}” is the one chosen.`);
  }

  function drop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    if (upload) return;
    choose(event.dataTransfer.files);
  }

  function analyze() {
    if (!file || !contentType) return;
    onAnalyze(file, contentType);
    setFile(undefined);
    setContentType(undefined);
    if (input.current) input.current.value = '';
  }

  return (
    <section className="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Analyze a recording</h2>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <label htmlFor={inputId}>Audio file</label>
        <input
          ref={input}
          id={inputId}
          type="file"
          accept={acceptAttribute(limits)}
          aria-describedby={`${inputId}-hint`}
          disabled={upload !== undefined}
          onChange={(e) => choose(e.target.files)}
        />
        <p id={`${inputId}-hint`} className="hint">
          Drop a recording here or choose one: WAV, MP3, Ogg, FLAC, M4A, AAC, WebM or AIFF, up to{' '}
          {formatBytes(limits.max_upload_bytes)} and {Math.round(limits.max_duration_seconds / 60)} minutes.
        </p>
      </div>
      {file && contentType && !problem && (
        <p className="chosen">
          <strong>{file.name}</strong> · {formatBytes(file.size)} · {contentType}
        </p>
      )}
      {(problem ?? uploadError) && (
        <p className="error" role="alert">
          {problem ?? uploadError}
        </p>
      )}
      {upload && (
        <ProgressBar
          label={`Uploading ${upload.fileName}`}
          value={upload.loaded}
          max={upload.total}
          text={`${formatBytes(upload.loaded)} of ${formatBytes(upload.total)}`}
        />
      )}
      <div className="actions">
        <button type="button" onClick={analyze} disabled={!file || !contentType || upload !== undefined}>
          Analyze
        </button>
      </div>
    </section>
  );
}
