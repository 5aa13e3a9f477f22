import type { ActiveModel } from '../api/types';
import { Link } from './Link';

/** What the model in use can and cannot tell, in a few honest sentences, with its card one click away. */
export function ModelNote({ model }: { model: ActiveModel }) {
  if (model.fixture)
    return (
      <aside className="note" aria-label="About the model">
        <p>
          <strong>This server runs a test fixture model ({model.name}).</strong> Its scores measure loudness,
          not synthetic speech: they mean nothing about your recording.
        </p>
      </aside>
    );
  if (model.name === 'realtone-wavlm-small')
    return (
      <aside className="note" aria-label="About the model">
        <p>
          <strong>What this model can and cannot detect.</strong> The default model ({model.name}{' '}
          {model.version}) was trained on legacy synthetic speech only: formant, diphone and vocoder voices
          such as eSpeak and Festival, from a few dozen human speakers. On such voices its equal error rate is
          1.5 % for speakers it never heard and 6.9 % on held-out sources. It has never seen modern neural
          text-to-speech or voice conversion, so a <em>real</em> verdict on such audio means nothing. Treat
          every result as one signal among others, never as proof.{' '}
          <Link href="/model">Read the model card</Link>.
        </p>
      </aside>
    );
  return (
    <aside className="note" aria-label="About the model">
      <p>
        Scores come from {model.name} {model.version}, a model chosen by this server's operator; ask them for
        its card and what it was trained on. <Link href="/model">The default model's card</Link> explains how
        RealTone scores.
      </p>
    </aside>
  );
}
