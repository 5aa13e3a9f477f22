"""Channels of processed voices, applied to both classes alike (issue 28, corpus.py `--processed-aug 1`).

Native channels. Some human sources come through a channel of their own: drascula as 8-bit PCM at 11,025 Hz,
flight-of-the-amazon-queen as 16 kbit/s MP3 at 11,025 Hz. If only human clips had them, the channel would mark
the class. So each synthetic clip of a split gets one of these channels with the probability that a human clip
of the same split has it natively (other human clips get none), and its band is then capped like an 11 kHz
recording: every channel is as frequent in both classes of a split.

Processed-voice augmentation (any clip, either class, same probabilities): dynamic-range compression, pitch shift
by granular overlap-add (not a phase vocoder, whose artefacts are a synthetic family of their own), and a "radio"
band (300-3000 Hz band-pass with soft clipping). Band limits at 4, 5.5 and 8 kHz, EQ, reverberation, GSM and
low-bitrate codecs are corpus.py's own chain.
"""
from collections import Counter, defaultdict

import numpy as np
from scipy import signal

from common import SR, stable_hash

NATIVE_CHANNEL = {"drascula": "u8-11k", "drascula-spanish": "u8-11k", "drascula-italian": "u8-11k",
                  "flight-of-the-amazon-queen": "mp3-16k-11k"}
# ffmpeg arguments of the MP3 channel (corpus.codec_group runs it on long mixed streams)
MP3_16K = (["-c:a", "libmp3lame", "-ar", "11025", "-b:a", "16k"], "mp3")


def assign_native_channels(clips, seed):
    """Sets c['channel'] on every clip ('' = none) and returns {split: {channel: share of human clips}}."""
    shares = {}
    by_split = defaultdict(list)
    for c in clips:
        by_split[c["split"]].append(c)
    for split, cs in sorted(by_split.items()):
        hum = [c for c in cs if c["label"] == "human"]
        cnt = Counter(NATIVE_CHANNEL.get(c["package"], "") for c in hum)
        share = {ch: cnt[ch] / max(1, len(hum)) for ch in ("u8-11k", "mp3-16k-11k")}
        shares[split] = share
        for i, c in enumerate(cs):
            if c["label"] == "human":
                c["channel"] = NATIVE_CHANNEL.get(c["package"], "")
                continue
            u = np.random.default_rng(stable_hash(seed, "channel", split, c["speaker"], c["copy"], i)).random()
            c["channel"] = "u8-11k" if u < share["u8-11k"] else ("mp3-16k-11k" if u < share["u8-11k"] + share["mp3-16k-11k"] else "")
            if c["channel"]:
                c["native_sr"] = min(int(c["native_sr"]), 11025)  # band capped like an 11 kHz recording
    return shares


def u8_11k(x):
    """8-bit unsigned PCM at 11,025 Hz and back (as the drascula clips were stored)."""
    y = signal.resample_poly(x.astype(np.float64), 441, 640)
    g = (np.abs(y).max() + 1e-9) / 0.95  # recorded near full scale, as game audio is; the level is restored after
    y = np.round(y / g * 127.0) / 127.0 * g
    return signal.resample_poly(y, 640, 441)[: len(x)].astype(np.float32)


def compress(x, rng):
    """Feed-forward compressor: threshold 10-25 dB under the peak envelope, ratio 2-8, attack 5 ms, release 50-200 ms."""
    env = np.abs(x)
    a_att, a_rel = np.exp(-1.0 / (0.005 * SR)), np.exp(-1.0 / (rng.uniform(0.05, 0.2) * SR))
    e = signal.lfilter([1 - a_rel], [1, -a_rel], env)  # release-smoothed envelope (attack approximated below)
    e = np.maximum(e, signal.lfilter([1 - a_att], [1, -a_att], env))
    db = 20 * np.log10(e + 1e-9)
    thr = db.max() - rng.uniform(10, 25)
    ratio = rng.uniform(2, 8)
    gain_db = np.where(db > thr, (thr - db) * (1 - 1 / ratio), 0.0)
    return x * 10 ** (gain_db / 20)


def pitch_shift_ola(x, semitones, grain=0.03):
    """Pitch shift at constant duration: resample by the pitch factor, then restore the duration by overlap-adding
    Hann grains at a rescaled hop (granular; no phase estimation)."""
    f = 2 ** (semitones / 12.0)
    y = signal.resample_poly(x.astype(np.float64), 1000, int(round(1000 * f)))
    n = int(grain * SR)
    hop_out = n // 2
    hop_in = max(1, int(round(hop_out * len(y) / max(1, len(x)))))
    w = np.hanning(n)
    out = np.zeros(len(x) + n)
    norm = np.zeros(len(x) + n)
    i, o = 0, 0
    while o + n <= len(out) and i + n <= len(y):
        out[o:o + n] += y[i:i + n] * w
        norm[o:o + n] += w
        i += hop_in
        o += hop_out
    return (out / np.maximum(norm, 1e-3))[: len(x)]


def radio(x, rng):
    sos = signal.butter(4, [300, 3000], btype="band", fs=SR, output="sos")
    y = signal.sosfilt(sos, x)
    drive = rng.uniform(2, 8)
    y = np.tanh(drive * y / (np.abs(y).max() + 1e-9)) / np.tanh(drive)
    return y


def processed_voice(x, rng, desc):
    """The processed-voice draws for one clip (either class); records what it applied in desc."""
    if rng.random() < 0.15:
        x = compress(x, rng)
        desc["compress"] = 1
    if rng.random() < 0.08:
        st = float(rng.choice([-4, -3, -2, 2, 3, 4]))
        x = pitch_shift_ola(x, st)
        desc["pitch"] = st
    if rng.random() < 0.05:
        x = radio(x, rng)
        desc["radio"] = 1
    return x
