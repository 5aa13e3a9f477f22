/**
 * A labelled progress bar (role progressbar). Without `value` it is indeterminate: the work has started but its
 * size is not known yet (a job waiting for a worker).
 */
export function ProgressBar({
  label,
  value,
  max = 1,
  text,
}: {
  label: string;
  value?: number;
  max?: number;
  text?: string;
}) {
  const percent = value === undefined ? undefined : Math.round((100 * value) / Math.max(max, 1e-9));
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span aria-hidden="true">{text ?? (percent === undefined ? '' : `${percent} %`)}</span>
      </div>
      <progress
        aria-label={label}
        aria-valuetext={text}
        max={max}
        {...(value === undefined ? {} : { value })}
      />
    </div>
  );
}
