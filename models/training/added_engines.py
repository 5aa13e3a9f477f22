"""Synthetic-class engines added in Dec 2026 (shared model-corpus notes, "Added sources"):

  unit selection   flite's awb_time (clunits), the sentences flite_time prints
  residual-LPC     festival's rab_diphone (16 kHz and 8 kHz builds) and don_diphone, from contrib, unpacked
  diphone          under models/.cache/src and loaded by path; their lexicon (festlex-oald) is non-free, so
                   festival/oald_from_cmu.scm stands in for it (CMU lexicon mapped to the MRPA phone set)
  HTS              open_jtalk with hts-voice-nitech-jp-atr503-m001 (Japanese, 48 kHz)
  copy-synthesis   Griffin-Lim (torchaudio) from the magnitude spectrogram of a human clip, a phase-vocoder
                   time stretch there and back (torchaudio.functional.phase_vocoder), and Praat's PSOLA
                   resynthesis (pitch x0.8-1.25) and KlattGrid formant resynthesis (praat/copy_synth.praat)
  cut-and-splice   pieces of one speaker's human recordings cut at low-energy frames and joined with short
                   crossfades, prosody left as it falls: what unit selection does, built from real speech

Every function takes one picklable job and returns float32 audio at 16 kHz (or None), like corpus.py's engines.
"""
import os
import shutil
import subprocess

import numpy as np
import soundfile as sf
from scipy import signal

SR = 16000
HERE = os.path.dirname(os.path.abspath(__file__))
OALD_STANDIN = os.path.join(HERE, "festival", "oald_from_cmu.scm")

# festival voice key -> (contrib package, voice directory inside it, voice function, *_dir variable)
RESIDUAL_LPC_VOICES = {
    "rab_diphone_16k": ("festvox-rablpc16k", "usr/share/festival/voices/english/rab_diphone", "rab_diphone", "rab_diphone_dir"),
    "rab_diphone_8k": ("festvox-rablpc8k", "usr/share/festival/voices/english/rab_diphone", "rab_diphone", "rab_diphone_dir"),
    "don_diphone": ("festvox-don", "usr/share/festival/voices/english/don_diphone", "don_diphone", "donovan_diphone_dir"),
}
HTS_VOICE = ("hts-voice-nitech-jp-atr503-m001", "usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice")
JTALK_DIC = "/var/lib/mecab/dic/open-jtalk/naist-jdic"


def _resample(x, sr_in, sr_out=SR):
    if sr_in == sr_out:
        return x.astype(np.float32)
    from math import gcd
    g = gcd(int(sr_in), int(sr_out))
    return signal.resample_poly(x.astype(np.float64), sr_out // g, sr_in // g, window=("kaiser", 10.0)).astype(np.float32)


def _load(path):
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    return x.mean(1), sr


# ----------------------------------------------------------------------------------------------- festival
def festival_setup_lines(voice, src_dir):
    """Scheme lines that select `voice`: a packaged voice by its function, a contrib residual-LPC voice by path."""
    if voice not in RESIDUAL_LPC_VOICES:
        return ["(voice_%s)" % voice]
    pkg, rel, fn, dirvar = RESIDUAL_LPC_VOICES[voice]
    d = os.path.join(src_dir, pkg, rel) + "/"
    return ['(load "%s")' % OALD_STANDIN, '(defvar %s "%s")' % (dirvar, d),
            '(load "%sfestvox/%s.scm")' % (d, fn), "(voice_%s)" % fn]


# ----------------------------------------------------------------------------------------------- flite awb_time
def time_phrase(hh, mm):
    """flite_time's own sentence for HH:MM (it prints the sentence before playing it; the play fails harmlessly
    without a sound card): the wording the awb_time unit-selection database was recorded for."""
    r = subprocess.run(["flite_time", "%02d:%02d" % (hh, mm)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
    line = r.stdout.decode(errors="ignore").splitlines()[0] if r.stdout else ""
    if not line.startswith("The time is now"):
        raise RuntimeError("flite_time printed %r for %02d:%02d" % (line, hh, mm))
    return " ".join(line.replace(", .", ".").split())


def synth_flite_voice(job):
    text, voice, out = job
    try:
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", out], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        x, sr = _load(out)
        os.remove(out)
        return _resample(x, sr), sr
    except Exception:
        return None


# ----------------------------------------------------------------------------------------------- open_jtalk (HTS)
def synth_open_jtalk(job):
    """One Japanese utterance: (text, src_dir, speed, half-tone shift, all-pass alpha, tmp wav)."""
    text, src_dir, speed, tone, alpha, out = job
    voice = os.path.join(src_dir, HTS_VOICE[0], HTS_VOICE[1])
    txt = out + ".txt"
    try:
        with open(txt, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        subprocess.run(["open_jtalk", "-x", JTALK_DIC, "-m", voice, "-r", "%.2f" % speed, "-fm", "%.1f" % tone,
                        "-a", "%.2f" % alpha, "-ow", out, txt], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        x, sr = _load(out)
        return _resample(x, sr), sr
    except Exception:
        return None
    finally:
        for p in (out, txt):
            if os.path.exists(p):
                os.remove(p)


# ----------------------------------------------------------------------------------------------- copy-synthesis
def copy_synth_griffinlim(job):
    """Griffin-Lim reconstruction from the STFT magnitude of a human clip (phase discarded):
    (audio, n_fft, hop fraction, iterations, momentum, seed)."""
    x, n_fft, hop_frac, n_iter, momentum, seed = job
    import torch
    import torchaudio

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    hop = max(1, int(n_fft * hop_frac))
    win = torch.hann_window(n_fft)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    mag = torch.stft(t, n_fft, hop, window=win, return_complex=True).abs()
    gl = torchaudio.transforms.GriffinLim(n_fft=n_fft, hop_length=hop, n_iter=n_iter, momentum=momentum, power=1.0,
                                          rand_init=True, length=len(x))
    y = gl(mag).numpy().astype(np.float32)
    if not np.isfinite(y).all() or np.abs(y).max() == 0:
        return None
    return y / (np.abs(y).max() + 1e-9) * 0.8


def copy_synth_phase_vocoder(job):
    """Phase-vocoder time stretch by `rate` and back by 1/rate (torchaudio): phases re-estimated twice.
    (audio, n_fft, rate)."""
    x, n_fft, rate = job
    import torch
    import torchaudio.functional as AF

    torch.set_num_threads(1)
    hop = n_fft // 4
    win = torch.hann_window(n_fft)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    spec = torch.stft(t, n_fft, hop, window=win, return_complex=True)
    adv = torch.linspace(0, np.pi * hop, spec.shape[-2])[..., None]
    s2 = AF.phase_vocoder(AF.phase_vocoder(spec, rate, adv), 1.0 / rate, adv)
    y = torch.istft(s2, n_fft, hop, window=win).numpy().astype(np.float32)
    if len(y) < SR // 4 or not np.isfinite(y).all() or np.abs(y).max() == 0:
        return None
    return y / (np.abs(y).max() + 1e-9) * 0.8


PRAAT_SCRIPT = os.path.join(HERE, "praat", "copy_synth.praat")


def copy_synth_praat(job):
    """Praat copy-synthesis of a human clip: (audio, method 'psola' or 'klattgrid', pitch factor, tmp prefix)."""
    x, method, shift, tmp = job
    fin, fout = tmp + "_in.wav", tmp + "_out.wav"
    try:
        sf.write(fin, np.clip(x, -1, 1).astype(np.float32), SR, subtype="PCM_16")
        subprocess.run(["praat", "--run", PRAAT_SCRIPT, fin, fout, "%.3f" % shift, method], check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        y, sr = _load(fout)
        y = _resample(y, sr)
        if len(y) < SR // 4 or not np.isfinite(y).all() or np.abs(y).max() == 0:
            return None
        return y / (np.abs(y).max() + 1e-9) * 0.8
    except Exception:
        return None
    finally:
        for p in (fin, fout):
            if os.path.exists(p):
                os.remove(p)


# ----------------------------------------------------------------------------------------------- cut-and-splice
def low_energy_cuts(x, frame=160, min_gap=800):
    """Sample positions of local minima of 10 ms frame energy, at least `min_gap` samples apart."""
    n = len(x) // frame
    if n < 5:
        return np.array([0, len(x)])
    e = np.log((x[: n * frame].reshape(n, frame) ** 2).mean(1) + 1e-10)
    e = np.convolve(e, np.ones(3) / 3, mode="same")
    mins = [i for i in range(1, n - 1) if e[i] <= e[i - 1] and e[i] <= e[i + 1]]
    cuts, last = [0], 0
    for i in mins:
        p = i * frame + frame // 2
        if p - last >= min_gap:
            cuts.append(p)
            last = p
    if len(x) - cuts[-1] < min_gap // 2:
        cuts[-1] = len(x)
    else:
        cuts.append(len(x))
    return np.array(cuts)


def splice_units(job):
    """Unit concatenation from one speaker's human units: (units, seed, how many outputs, target seconds range).
    Each output joins 4-16 pieces of 60-500 ms, cut at low-energy frames of randomly chosen units, with 2-12 ms
    raised-cosine crossfades and no prosody smoothing (the joins and pitch jumps are what it teaches)."""
    units, seed, n_out, (lo, hi) = job
    rng = np.random.default_rng(seed)
    pieces = []
    for x in units:
        c = low_energy_cuts(x)
        for a, b in zip(c[:-1], c[1:]):
            if 0.06 * SR <= b - a <= 0.5 * SR:
                pieces.append(x[a:b])
            elif b - a > 0.5 * SR:  # a long voiced run: take a random 150-450 ms slice of it
                L = int(rng.uniform(0.15, 0.45) * SR)
                s = int(rng.integers(a, b - L))
                pieces.append(x[s:s + L])
    if len(pieces) < 4:
        return []
    out = []
    for _ in range(n_out):
        target = int(rng.uniform(lo, hi) * SR)
        y = np.zeros(0, np.float32)
        k = 0
        while len(y) < target and k < 40:
            p = pieces[int(rng.integers(len(pieces)))].astype(np.float32)
            p = p / (np.sqrt((p ** 2).mean()) + 1e-6) * rng.uniform(0.05, 0.12)  # level of each unit as it falls
            xf = int(rng.uniform(0.002, 0.012) * SR)
            if len(y) > xf and len(p) > 2 * xf:
                w = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, xf, dtype=np.float32))
                y = np.concatenate([y[:-xf], y[-xf:] * (1 - w) + p[:xf] * w, p[xf:]])
            else:
                y = np.concatenate([y, p])
            k += 1
        if len(y) >= SR:
            out.append(y[:target].astype(np.float32))
    return out


def tool_available(name):
    return shutil.which(name) is not None
