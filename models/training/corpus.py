"""Corpus builder for the default detector.

Fetches the allowed Debian packages (see shared model-corpus notes), decodes the human speech, synthesises
legacy TTS speech (espeak-ng, festival, flite) and vocoder copy-synthesis of human clips (SPTK MLSA, codec2),
builds 1-5 s connected stretches per speaker/voice, applies the *same* processing chain to both classes,
and writes per-split int16 shards plus a manifest of every clip.

Splits are by speaker or voice, never by clip:
  train / val / test : disjoint human speakers and disjoint TTS voices (copy-synthesis inherits the split of
                       the human speaker it was made from)
  heldout            : one whole human package (ktuberling-data) and two flite voices (slt, a statistical
                       parametric clustergen voice, and kal, a diphone voice), never used for training or
                       model selection; approximates evaluation on unseen sources. flite's other voices are
                       split like the festival voices (awb, kal16: train; rms: validation).

Usage: corpus.py --seed 1234 [--scale 1.0]
"""
import argparse
import csv
import glob
import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from multiprocessing import Pool

import numpy as np
import soundfile as sf
from scipy import signal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from added_corpus import ADDED_WEIGHTS, festival_jobs, synthesize_added  # noqa: E402
from added_engines import festival_setup_lines  # noqa: E402
from added_sources import ADDED_HUMAN_PACKAGES, PACKAGE_CAP_MIN, added_human_inventory, fetch_added, speaker_caps  # noqa: E402
from band_match import match_bands  # noqa: E402
from channels import MP3_16K, assign_native_channels, processed_voice, u8_11k  # noqa: E402
from common import CACHE, MODEL_DIR, SR, env_flag, stable_hash, write_json  # noqa: E402

PACKAGES = [
    "tuxpaint-stamps-default",
    "fillets-ng-data-cs",
    "fillets-ng-data-nl",
    "asterisk-core-sounds-en-wav",
    "asterisk-core-sounds-es-wav",
    "asterisk-core-sounds-fr-wav",
    "asterisk-core-sounds-it-wav",
    "asterisk-core-sounds-ru-wav",
    "klettres-data",
    "ktuberling-data",
]
HELDOUT_HUMAN_PACKAGE = "ktuberling-data"
SPTK = "/usr/libexec/sptk/bin"
FESTIVAL_VOICES = {
    # voice: (language of text, split)
    "kal_diphone": ("en", "train"),
    "ked_diphone": ("en", "val"),
    "czech_dita": ("cs", "train"),
    "czech_krb": ("cs", "train"),
    "czech_machac": ("cs", "val"),
    "czech_ph": ("cs", "test"),
    "suo_fi_lj_diphone": ("fi", "train"),
    "hy_fi_mv_diphone": ("fi", "test"),
    "lp_diphone": ("it", "train"),
    "pc_diphone": ("it", "test"),
    "hindi_NSK_diphone": ("hi", "train"),
    "marathi_NSK_diphone": ("hi", "val"),
}
# flite voices: (split). kal and kal16 share a speaker with festival's kal_diphone (train), so the held-out
# pair is slt (clustergen, a voice and speaker seen nowhere) and kal (8 kHz diphone, engine-distinct from festival)
FLITE_VOICES = {"awb": "train", "kal16": "train", "rms": "val", "slt": "heldout", "kal": "heldout"}
# synthetic speech made per second of human speech, before balancing: the training split keeps all of it
# (batches are class-balanced at training time), the evaluation splits are subsampled to equal counts
SYNTH_RATIO = {"train": 2.0, "val": 1.45, "test": 1.45, "heldout": 1.8}
CODEC2_MODES = ["3200", "2400", "1600", "1400", "1300", "1200", "700C"]
# codec conditions applied to both classes (name, ffmpeg encode args, container, probability)
CODECS = [
    ("none", None, None, 0.34),
    ("mp3", ["-c:a", "libmp3lame", "-b:a", "{br}k"], "mp3", 0.14),
    ("vorbis", ["-c:a", "libvorbis", "-q:a", "{q}"], "ogg", 0.12),
    ("opus", ["-c:a", "libopus", "-b:a", "{br}k"], "ogg", 0.12),
    ("aac", ["-c:a", "aac", "-b:a", "{br}k"], "adts", 0.08),
    ("gsm", ["-c:a", "libgsm", "-ar", "8000"], "gsm", 0.08),
    ("g711", ["-c:a", "{law}", "-ar", "8000"], "wav", 0.08),
    ("g722", ["-c:a", "g722"], "wav", 0.04),
    ("speex", ["-c:a", "libspeex", "-ar", "{sr}"], "ogg", 0.08),
]
CODEC_PARAMS = {
    "mp3": {"br": [24, 32, 48, 64, 96, 128]},
    "vorbis": {"q": [0, 1, 2, 4, 6]},
    "opus": {"br": [8, 12, 16, 24, 32, 48]},
    "aac": {"br": [24, 32, 48, 64, 96]},
    "gsm": {},
    "g711": {"law": ["pcm_mulaw", "pcm_alaw"]},
    "g722": {},
    "speex": {"sr": [8000, 16000]},
}


def log(*a):
    print("[corpus]", *a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# ----------------------------------------------------------------------------------------------- fetching
def fetch(src_dir):
    deb_dir = os.path.join(CACHE, "debs")
    os.makedirs(deb_dir, exist_ok=True)
    missing = [p for p in PACKAGES if not glob.glob(os.path.join(deb_dir, p + "_*.deb"))]
    if missing:
        log("apt-get download", " ".join(missing))
        subprocess.run(["apt-get", "download"] + missing, cwd=deb_dir, check=True)
    versions = {}
    for p in PACKAGES:
        deb = sorted(glob.glob(os.path.join(deb_dir, p + "_*.deb")))[-1]
        versions[p] = os.path.basename(deb)
        out = os.path.join(src_dir, p)
        if not os.path.isdir(out):
            tmp = out + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            run(["dpkg-deb", "-x", deb, tmp])
            os.rename(tmp, out)
    return versions


# ----------------------------------------------------------------------------------------------- inventory
def human_inventory(src):
    units = []
    # tuxpaint: spoken descriptions, one reader per language
    for p in sorted(glob.glob(os.path.join(src, "tuxpaint-stamps-default", "**", "*_desc_*.ogg"), recursive=True)):
        m = re.match(r".*_desc_([a-zA-Z_@]+)\.ogg$", p)
        if not m:
            continue
        units.append(dict(path=p, package="tuxpaint-stamps-default", speaker="tuxpaint/" + m.group(1), lang=m.group(1)))
    for lang in ("cs", "nl"):
        pkg = "fillets-ng-data-" + lang
        for p in sorted(glob.glob(os.path.join(src, pkg, "**", "*.ogg"), recursive=True)):
            parts = os.path.basename(p)[:-4].split("-")
            code = parts[1] if len(parts) > 2 else "misc"
            units.append(dict(path=p, package=pkg, speaker="fillets-%s/%s" % (lang, code), lang=lang))
    for lang in ("en", "es", "fr", "it", "ru"):
        pkg = "asterisk-core-sounds-%s-wav" % lang
        for p in sorted(glob.glob(os.path.join(src, pkg, "**", "*.wav"), recursive=True)):
            d = [x for x in p.split("/") if re.match(r"^[a-z]{2}_[A-Z]{2}_[fm]_", x)]
            who = d[0].split("_", 3)[3] if d else lang
            units.append(dict(path=p, package=pkg, speaker="asterisk/" + who, lang=lang))
    for p in sorted(glob.glob(os.path.join(src, "klettres-data", "usr", "share", "klettres", "*", "*", "*.ogg"))):
        lang = p.split("/")[-3]
        units.append(dict(path=p, package="klettres-data", speaker="klettres/" + lang, lang=lang))
    for p in sorted(glob.glob(os.path.join(src, "ktuberling-data", "usr", "share", "ktuberling", "sounds", "*", "*.*"))):
        lang = p.split("/")[-2]
        if "@" in lang or not p.endswith((".ogg", ".wav", ".flac")):
            continue
        units.append(dict(path=p, package="ktuberling-data", speaker="ktuberling/" + lang, lang=lang))
    return units


def text_pool(src):
    """Sentences per language from tuxpaint's description files, plus words/phrases from file names."""
    pool = defaultdict(list)
    for p in sorted(glob.glob(os.path.join(src, "tuxpaint-stamps-default", "**", "*.txt"), recursive=True)):
        try:
            lines = open(p, encoding="utf-8", errors="ignore").read().splitlines()
        except OSError:
            continue
        if lines and "=" not in lines[0] and lines[0].strip():
            pool["en"].append(lines[0].strip())
        for ln in lines[1:]:
            m = re.match(r"^([a-zA-Z_@]+)\.utf8=(.+)$", ln)
            if m and len(m.group(2).strip()) > 3:
                pool[m.group(1)].append(m.group(2).strip())
    for lang in ("en", "es", "fr", "it", "ru"):
        for p in sorted(glob.glob(os.path.join(src, "asterisk-core-sounds-%s-wav" % lang, "**", "*.wav"), recursive=True)):
            name = os.path.basename(p)[:-4]
            words = [w for w in re.split(r"[-_]", name) if w.isalpha() and len(w) > 1]
            if len(words) >= 2:
                pool["phrase/" + lang].append(" ".join(words))
    for k in list(pool):
        pool[k] = sorted(set(pool[k]))
    return pool


# ----------------------------------------------------------------------------------------------- audio utils
def resample(x, sr_in, sr_out):
    if sr_in == sr_out:
        return x.astype(np.float32)
    g = math.gcd(int(sr_in), int(sr_out))
    up, down = sr_out // g, sr_in // g
    # Kaiser-windowed polyphase FIR (high quality, ~80 dB stop band)
    y = signal.resample_poly(x.astype(np.float64), up, down, window=("kaiser", 10.0))
    return y.astype(np.float32)


def trim(x, top_db=38.0, margin=0.04):
    fl = 160
    n = len(x) // fl
    if n < 3:
        return x
    e = (x[: n * fl].reshape(n, fl) ** 2).mean(1) + 1e-12
    db = 10 * np.log10(e)
    keep = np.where(db > db.max() - top_db)[0]
    if len(keep) == 0:
        return x[:0]
    m = int(margin * SR)
    a = max(0, keep[0] * fl - m)
    b = min(len(x), (keep[-1] + 1) * fl + m)
    return x[a:b]


def load_audio(path):
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    return x.mean(1), sr


def decode_unit(u):
    try:
        x, sr = load_audio(u["path"])
    except Exception:
        return None
    x = resample(x, sr, SR)
    x = trim(x)
    if len(x) < int(0.15 * SR):
        return None
    return x, sr


# ----------------------------------------------------------------------------------------------- synthesis
def espeak_variants():
    vdir = None
    for d in ("/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v", "/usr/share/espeak-ng-data/voices/!v"):
        if os.path.isdir(d):
            vdir = d
    vs = sorted(os.listdir(vdir)) if vdir else []
    return [v for v in vs if re.match(r"^[A-Za-z0-9_]+$", v)]


def espeak_languages():
    out = run(["espeak-ng", "--voices"]).stdout.decode().splitlines()[1:]
    return sorted({ln.split()[1] for ln in out if len(ln.split()) > 1})


ESPEAK_LANG_MAP = {"en_GB": "en-gb", "en_AU": "en-gb", "pt_BR": "pt-br", "zh_CN": "cmn", "zh_TW": "yue",
                   "fr": "fr-fr", "es": "es", "ca@valencia": "ca", "sr@latin": "sr"}


def synth_espeak(job):
    text, lang, variant, speed, pitch, out = job
    try:
        run(["espeak-ng", "-v", "%s+%s" % (lang, variant), "-s", str(speed), "-p", str(pitch), "-w", out, text], timeout=60)
        x, sr = load_audio(out)
        os.remove(out)
        return resample(x, sr, SR), sr
    except Exception:
        return None


def synth_flite(job):
    text, voice, out = job
    try:
        run(["flite", "-voice", voice, "-t", text, "-o", out], timeout=60)
        x, sr = load_audio(out)
        os.remove(out)
        return resample(x, sr, SR), sr
    except Exception:
        return None


def scm_str(s):
    return '"' + s.replace("\\", "").replace('"', "") + '"'


def synth_festival(job):
    """One festival process per voice, synthesising a list of texts. A text that crashes festival itself
    (seen with the Hindi and Marathi front ends) loses only that utterance: the batch resumes after it."""
    voice, texts, tmpdir = job
    os.makedirs(tmpdir, exist_ok=True)
    setup = festival_setup_lines(voice, os.path.join(CACHE, "src"))
    enc = "iso-8859-2" if voice.startswith("czech") else ("iso-8859-1" if voice in ("lp_diphone", "pc_diphone", "suo_fi_lj_diphone", "hy_fi_mv_diphone") else "utf-8")
    start, crashes = 0, 0
    while start < len(texts) and crashes < 50:
        lines = list(setup)
        for i in range(start, len(texts)):
            wav = os.path.join(tmpdir, "%05d.wav" % i)
            # unwind-protect: a text festival cannot handle skips that utterance instead of ending the batch
            lines.append('(unwind-protect (utt.save.wave (utt.synth (Utterance Text %s)) "%s" (quote riff)) nil)' % (scm_str(texts[i]), wav))
        scm = os.path.join(tmpdir, "job.scm")
        with open(scm, "w", encoding=enc, errors="ignore") as f:
            f.write("\n".join(lines) + "\n")
        try:
            rc = subprocess.run(["festival", "-b", scm], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        if rc == 0:
            break
        # festival died: resume after the last utterance it wrote
        done = [i for i in range(start, len(texts)) if os.path.exists(os.path.join(tmpdir, "%05d.wav" % i))]
        skipped = max(done) + 1 if done else start
        log("festival %s: exit %s at utterance %d of %d; resuming after it" % (voice, rc, skipped, len(texts)))
        start = skipped + 1
        crashes += 1
    res = []
    for i in range(len(texts)):
        wav = os.path.join(tmpdir, "%05d.wav" % i)
        if os.path.exists(wav):
            try:
                x, sr = load_audio(wav)
                res.append((resample(x, sr, SR), sr))
            except Exception:
                res.append(None)
        else:
            res.append(None)
    shutil.rmtree(tmpdir, ignore_errors=True)
    return res


def copy_synth_sptk(job):
    """Mel-cepstral analysis + pitch extraction + MLSA-filter resynthesis (HTS-style vocoder) of a human unit."""
    x, order, method, noise_exc, tmpdir = job
    os.makedirs(tmpdir, exist_ok=True)
    try:
        fin = os.path.join(tmpdir, "in.f")
        (x * 20000.0).astype(np.float32).tofile(fin)
        mc = os.path.join(tmpdir, "mc")
        pit = os.path.join(tmpdir, "pit")
        sh = (
            "{S}/frame -l 400 -p 80 {fin} | {S}/window -l 400 -L 512 -w 1 | {S}/fftcep -l 512 -m {m} | {S}/freqt -m {m} -M {m} -A 0.42 > {mc} && "
            "{S}/pitch -a {a} -s 16 -p 80 -L 60 -H 400 -o 0 {fin} > {pit} && "
            "{S}/excite -p 80 {nz} {pit} | {S}/mlsadf -m {m} -a 0.42 -p 80 {mc}"
        ).format(S=SPTK, fin=fin, mc=mc, pit=pit, m=order, a=method, nz="-n" if noise_exc else "")
        out = subprocess.run(["bash", "-c", sh], check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120).stdout
        y = np.frombuffer(out, dtype=np.float32).astype(np.float32)
        y = np.nan_to_num(y)
        if len(y) < SR // 4 or not np.isfinite(y).all() or np.abs(y).max() == 0:
            return None
        return y / (np.abs(y).max() + 1e-9) * 0.8
    except Exception:
        return None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def copy_synth_codec2(job):
    x, mode = job
    pcm = (np.clip(resample(x, SR, 8000), -1, 1) * 30000).astype("<i2").tobytes()
    try:
        enc = subprocess.run(["c2enc", mode, "-", "-"], input=pcm, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        dec = subprocess.run(["c2dec", mode, "-", "-"], input=enc, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
        y = np.frombuffer(dec, dtype="<i2").astype(np.float32) / 32768.0
        if len(y) < 2000:
            return None
        return resample(y, 8000, SR)
    except Exception:
        return None


# ----------------------------------------------------------------------------------------------- stretches
def build_stretches(units, rng, short_frac=0.2, max_len=5.0):
    """Concatenate a speaker's/voice's trimmed units (in random order) into connected stretches:
    most 3-5 s, a fraction 1-3 s (these become repeat-padded windows at run time)."""
    order = rng.permutation(len(units))
    pieces = []
    for i in order:
        x = units[i]
        seg = int(max_len * SR)
        if len(x) > seg:  # long unit: split into pieces
            for a in range(0, len(x) - SR, seg):
                pieces.append(x[a:a + seg])
        else:
            pieces.append(x)
    out = []
    cur, cur_len, target, n_units = [], 0, None, 0
    for x in pieces:
        if target is None:
            target = rng.uniform(1.2, 3.0) if rng.random() < short_frac else rng.uniform(3.0, max_len)
            target = int(target * SR)
        if cur:
            gap = int(rng.uniform(0.05, 0.3) * SR)
            cur.append(np.zeros(gap, np.float32))
            cur_len += gap
        cur.append(x)
        cur_len += len(x)
        n_units += 1
        if cur_len >= target:
            y = np.concatenate(cur)[:target]
            out.append((y, n_units))
            cur, cur_len, target, n_units = [], 0, None, 0
    if cur and cur_len >= 1.2 * SR:
        out.append((np.concatenate(cur), n_units))
    return out


# ----------------------------------------------------------------------------------------------- augmentation
def colored_noise(n, kind, rng):
    w = rng.standard_normal(n)
    if kind == "white":
        return w
    f = np.fft.rfft(w)
    k = np.arange(len(f), dtype=np.float64)
    k[0] = 1
    f = f / (np.sqrt(k) if kind == "pink" else k)
    y = np.fft.irfft(f, n)
    return y / (y.std() + 1e-12)


def band_limit(x, bw, rng):
    if bw >= 8000:
        return x
    if bw == 3400:  # telephone band 300-3400 Hz at 8 kHz
        y = resample(x, SR, 8000)
        sos = signal.butter(4, [300, 3400], btype="band", fs=8000, output="sos")
        y = signal.sosfilt(sos, y)
        return resample(y, 8000, SR)
    sr2 = {4000: 8000, 5512: 11025, 6000: 12000}[bw]
    return resample(resample(x, SR, sr2), sr2, SR)


def augment(job):
    """Identical chain for both classes: speed/pitch, band limit, EQ, reverb-ish filter, level, noise.
    (Codecs are applied afterwards in batches.) Returns (audio, description dict)."""
    x, seed, bw = job[:3]
    processed = len(job) > 3 and job[3]
    rng = np.random.default_rng(seed)
    desc = {}
    x = x.astype(np.float64)
    if rng.random() < 0.35:
        f = float(rng.choice([0.88, 0.92, 0.95, 0.97, 1.03, 1.05, 1.08, 1.12]))
        up, down = 100, int(round(100 * f))
        x = signal.resample_poly(x, up, down, window=("kaiser", 10.0))
        desc["speed"] = f
    x = band_limit(x, bw, rng)
    desc["bw"] = bw
    if rng.random() < 0.3:
        fc = rng.uniform(150, 6000)
        g = rng.uniform(-8, 8)
        b, a = peaking_eq(fc, g, rng.uniform(0.5, 2.0))
        x = signal.lfilter(b, a, x)
        desc["eq"] = "%.0fHz%+.0fdB" % (fc, g)
    if processed:  # compression, pitch shift, radio band (channels.py); no draws at all when off (v5's corpus)
        x = processed_voice(x, rng, desc)
    if rng.random() < 0.2:
        rt = rng.uniform(0.1, 0.5)
        n = int(rt * SR)
        t = np.arange(n) / SR
        ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt)
        ir[0] = 0.0
        ir = ir / (np.abs(ir).sum() + 1e-9) * rng.uniform(0.3, 1.0)
        ir[0] = 1.0
        x = signal.fftconvolve(x, ir)[: len(x)]
        desc["reverb"] = round(rt, 2)
    rms = np.sqrt((x ** 2).mean()) + 1e-9
    if rng.random() < 0.65:
        kind = str(rng.choice(["white", "pink", "brown"]))
        snr = rng.uniform(12, 55)
        nz = colored_noise(len(x), kind, rng)
        if bw < 8000:
            nz = band_limit(nz, bw, rng)[: len(x)]
            nz = nz / (nz.std() + 1e-12)
        x = x + nz * rms / (10 ** (snr / 20))
        desc["noise"] = "%s@%.0fdB" % (kind, snr)
    level = rng.uniform(-32, -14)
    x = x / (np.sqrt((x ** 2).mean()) + 1e-9) * 10 ** (level / 20)
    peak = np.abs(x).max()
    if peak > 0.99:
        x = x * 0.99 / peak
    desc["level"] = round(level, 1)
    return x.astype(np.float32), desc


def peaking_eq(fc, gain_db, q):
    A = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * fc / SR
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * A, -2 * np.cos(w0), 1 - alpha * A])
    a = np.array([1 + alpha / A, -2 * np.cos(w0), 1 - alpha / A])
    return b / a[0], a / a[0]


def codec_group(job):
    """Encode/decode a whole group of clips (both classes mixed) as one stream, then cut the clips back out."""
    name, args, container, clips, tmpdir = job
    os.makedirs(tmpdir, exist_ok=True)
    lens = [len(c) for c in clips]
    pad = int(0.5 * SR)
    sig = np.concatenate([np.concatenate([c, np.zeros(pad, np.float32)]) for c in clips]).astype(np.float32)
    fin = os.path.join(tmpdir, "in.f32")
    sig.tofile(fin)
    enc = os.path.join(tmpdir, "enc." + container)
    dec = os.path.join(tmpdir, "dec.f32")
    try:
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR), "-ac", "1", "-i", fin] + args + [enc])
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", enc, "-ac", "1", "-ar", str(SR), "-f", "f32le", dec])
        y = np.fromfile(dec, dtype=np.float32)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    # align (codec delay) by cross-correlation on the first 20 s
    n = min(len(sig), len(y), 20 * SR)
    corr = signal.correlate(y[:n], sig[:n], mode="full", method="fft")
    mid = n - 1
    lag = int(np.argmax(corr[mid - 4000: mid + 4001])) - 4000
    if lag > 0:
        y = y[lag:]
    elif lag < 0:
        y = np.concatenate([np.zeros(-lag, np.float32), y])
    if len(y) < len(sig):
        y = np.concatenate([y, np.zeros(len(sig) - len(y), np.float32)])
    out = []
    a = 0
    for L in lens:
        c = y[a:a + L].copy()
        peak = np.abs(c).max() + 1e-9
        if peak > 0.999:
            c = c * 0.999 / peak
        out.append(c)
        a += L + pad
    return out, lag


# ----------------------------------------------------------------------------------------------- main
def assign_human_splits(speakers_secs, seed):
    """Speaker-disjoint train/val/test within each package (largest speakers spread deterministically)."""
    split = {}
    by_pkg = defaultdict(list)
    for (pkg, spk), secs in speakers_secs.items():
        by_pkg[pkg].append((secs, spk))
    for pkg, lst in by_pkg.items():
        if pkg == HELDOUT_HUMAN_PACKAGE:
            for _, spk in lst:
                split[spk] = "heldout"
            continue
        lst.sort(key=lambda t: (-t[0], stable_hash(seed, t[1])))
        if pkg.startswith("asterisk"):
            continue
        # round-robin-like pattern keeps ~70/15/15 by speakers and by time
        pattern = ["train", "val", "test", "train", "train", "train", "val", "train", "test", "train"]
        if len(lst) <= 2:
            pattern = ["train", "test"]
        off = stable_hash(seed, pkg) % 3 if len(lst) > 3 else 0
        for i, (_, spk) in enumerate(lst):
            split[spk] = pattern[(i + off) % len(pattern)] if i > 0 else "train"
    return split


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the corpus to build (tests)")
    ap.add_argument("--cap-min", type=float, default=12.0, help="minutes of gross audio per human speaker")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--train-copies", type=int, default=2,
                    help="connected-stretch arrangements per training speaker/voice, each augmented independently")
    ap.add_argument("--band-match", type=int, choices=(0, 1), default=env_flag("CORPUS_BAND_MATCH", 1),
                    help="1 (default; the committed corpus, since model v5): synthetic bands filled to the human "
                         "band quotas of the split (band_match.py); 0: drawn from the human bands and capped at the "
                         "native band (v4's corpus)")
    ap.add_argument("--added-sources", type=int, choices=(0, 1), default=env_flag("CORPUS_ADDED", 0),
                    help="1: also the sources added in Dec 2026 (drascula x3, flight-of-the-amazon-queen; flite awb_time, "
                         "residual-LPC diphone voices, open_jtalk HTS, Griffin-Lim and phase-vocoder copy-synthesis, "
                         "cut-and-splice; added_corpus.py); 0 (default): v5's corpus")
    ap.add_argument("--processed-aug", type=int, choices=(0, 1), default=None,
                    help="1: processed-voice channels and augmentation for both classes (channels.py); "
                         "default: env CORPUS_PROCESSED_AUG, else the value of --added-sources")
    ap.add_argument("--out", default=os.path.join(CACHE, "corpus"))
    args = ap.parse_args()
    if args.processed_aug is None:
        args.processed_aug = env_flag("CORPUS_PROCESSED_AUG", args.added_sources)
    t0 = time.time()
    seed = args.seed
    rng = np.random.default_rng(seed)
    src = os.path.join(CACHE, "src")
    os.makedirs(src, exist_ok=True)
    versions = fetch(src)
    if args.added_sources:
        versions.update(fetch_added(CACHE, src))
    log("fetched/extracted %d packages in %.0fs" % (len(versions), time.time() - t0))
    tmp_root = tempfile.mkdtemp(prefix="corpus-", dir=CACHE)
    pool = Pool(args.workers)

    # ---------------- human units: inventory, per-speaker caps, speaker-disjoint split
    units = human_inventory(src) + (added_human_inventory(src, args.workers) if args.added_sources else [])
    spk_lang = {u["speaker"]: u["lang"] for u in units}
    info_secs = []
    for u in units:
        try:
            i = sf.info(u["path"])
            u["secs"] = i.frames / i.samplerate
        except Exception:
            u["secs"] = 0.0
    units = [u for u in units if u["secs"] > 0.2]
    by_spk = defaultdict(list)
    for u in units:
        by_spk[u["speaker"]].append(u)
    spk_pkg = {}
    selected = []
    cap = args.cap_min * 60 * args.scale
    # per-package caps (added sources only: FOTAQ) lower the speaker caps of that package (added_sources.py)
    caps = speaker_caps({s: sum(u["secs"] for u in us) for s, us in by_spk.items()},
                        {s: us[0]["package"] for s, us in by_spk.items()}, cap,
                        {p: m * 60 * args.scale for p, m in PACKAGE_CAP_MIN.items()})
    for spk in sorted(by_spk):
        # hash the path inside the package tree, not the absolute one: the corpus must not depend on where
        # the repository is checked out (it did: a clone elsewhere selected other units under the cap)
        lst = sorted(by_spk[spk], key=lambda u: stable_hash(seed, os.path.relpath(u["path"], src)))
        tot = 0.0
        for u in lst:
            if tot >= caps[spk]:
                break
            selected.append(u)
            tot += u["secs"]
        spk_pkg[spk] = (lst[0]["package"], tot)
    # asterisk: merge Allison (en_US and es_MX are the same woman); speakers -> fixed split by voice
    split_of = assign_human_splits({(p, s): t for s, (p, t) in spk_pkg.items()}, seed)
    asterisk_split = {"asterisk/Allison": "train", "asterisk/June": "val", "asterisk/Carlo": "train",
                      "asterisk/IvrvoiceRU": "test"}
    for s in spk_pkg:
        if s.startswith("asterisk/"):
            split_of[s] = asterisk_split.get(s, "train")
    # tiny speakers (< 20 s) carry little; fold them into train to keep val/test meaningful
    log("human speakers: %d, selected units %d (%.1f min gross)" % (len(spk_pkg), len(selected), sum(u["secs"] for u in selected) / 60))
    t1 = time.time()
    dec = pool.map(decode_unit, selected, chunksize=16)
    human_units = defaultdict(list)
    native_sr = defaultdict(list)
    for u, r in zip(selected, dec):
        if r is None:
            continue
        human_units[u["speaker"]].append(r[0])
        native_sr[u["speaker"]].append(r[1])
    log("decoded human units in %.0fs" % (time.time() - t1))

    # ---------------- stretches (human)
    clips = []  # dicts with audio + metadata

    def add_stretches(unit_list, meta, srs=None):
        # training speakers/voices get several arrangements of their units (new unit order, gaps and window
        # content), each later augmented on its own draw: more distinct examples from the same recordings
        copies = args.train_copies if meta["split"] == "train" else 1
        for k in range(copies):
            r = np.random.default_rng(stable_hash(seed, "stretch", meta["speaker"], *([k] if k else [])))
            for y, n in build_stretches(unit_list, r):
                d = dict(meta)
                d["audio"] = y
                d["units"] = n
                d["copy"] = k
                clips.append(d)

    for spk in sorted(human_units):
        pkg = spk_pkg[spk][0]
        nsr = int(np.median(native_sr[spk]))
        add_stretches(human_units[spk], dict(label="human", package=pkg, engine="recording", speaker=spk,
                                             split=split_of[spk], native_sr=nsr, lang=spk_lang[spk] if pkg in ADDED_HUMAN_PACKAGES else spk.split("/")[-1]))
    human_secs = defaultdict(float)  # seconds of distinct human audio (first arrangement only): synthesis budgets
    for c in clips:
        if c["copy"] == 0:
            human_secs[c["split"]] += len(c["audio"]) / SR
    log("human stretches: %d; seconds per split %s" % (len(clips), {k: int(v) for k, v in human_secs.items()}))

    # ---------------- synthetic speech
    pool_txt = text_pool(src)
    t2 = time.time()
    # budget in seconds of synthetic speech per split (≈ human), by family
    fam_w = {"espeak-ng": 0.32, "festival": 0.30, "flite": 0.08, "sptk-mlsa": 0.17, "codec2": 0.13}
    if args.added_sources:  # the added engines take their share (added_corpus.ADDED_WEIGHTS) from the others
        fam_w = {k: v * (1.0 - sum(ADDED_WEIGHTS.values())) for k, v in fam_w.items()}
    synth_units = defaultdict(list)  # voice key -> list of arrays
    voice_meta = {}

    def pick_text(lang, r, unit_style):
        sents = pool_txt.get(lang) or pool_txt["en"]
        if unit_style == "word":
            s = sents[int(r.integers(len(sents)))]
            words = [w for w in re.split(r"\s+", s) if len(w) > 0]
            return words[int(r.integers(len(words)))] if words else s
        if unit_style == "letter":
            s = sents[int(r.integers(len(sents)))]
            letters = [ch for ch in s if ch.isalpha()]
            return letters[int(r.integers(len(letters)))] if letters else s
        if unit_style == "phrase" and pool_txt.get("phrase/" + lang[:2]):
            ph = pool_txt["phrase/" + lang[:2]]
            return ph[int(r.integers(len(ph)))]
        return sents[int(r.integers(len(sents)))]

    def unit_style(r):
        return str(r.choice(["sentence", "sentence", "sentence", "phrase", "word", "letter"], p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1]))

    # espeak-ng: voices = language x variant; variants split train/val/test
    variants = espeak_variants()
    es_langs = set(espeak_languages())
    langs = []
    for lang in sorted(pool_txt):
        if lang.startswith("phrase/"):
            continue
        code = ESPEAK_LANG_MAP.get(lang, lang.replace("_", "-").lower())
        if code in es_langs and len(pool_txt[lang]) >= 20:
            langs.append((lang, code))
    var_split = {}
    for v in variants:
        h = stable_hash(seed, "variant", v) % 100
        var_split[v] = "train" if h < 70 else ("val" if h < 85 else "test")
    jobs, keys = [], []
    for split in ("train", "val", "test"):
        budget = human_secs[split] * fam_w["espeak-ng"] * SYNTH_RATIO[split]
        n_voices = int(budget / 1.8 / 5) + 1
        vs = [v for v in variants if var_split[v] == split]
        for i in range(n_voices):
            # one voice = language + variant + speed + pitch, speaking 5 utterances
            r = np.random.default_rng(stable_hash(seed, "espeak", split, i))
            v = vs[int(r.integers(len(vs)))]
            lang, code = langs[int(r.integers(len(langs)))]
            speed, pitch = int(r.integers(120, 230)), int(r.integers(20, 80))
            key = "espeak-ng/%s+%s/s%d-p%d" % (code, v, speed, pitch)
            voice_meta[key] = dict(engine="espeak-ng", split=split, lang=lang, native_sr=22050, package="espeak-ng")
            for j in range(5):
                text = pick_text(lang, r, unit_style(r))
                jobs.append((text, code, v, speed, pitch, os.path.join(tmp_root, "es%06d_%s.wav" % (len(jobs), split))))
                keys.append(key)
    for key, res in zip(keys, pool.imap(synth_espeak, jobs, chunksize=8)):
        if res is not None and len(res[0]) > 0.15 * SR:
            synth_units[key].append(trim(res[0]))
    log("espeak-ng: %d utterances, %d voices in %.0fs" % (len(jobs), len({k for k in keys}), time.time() - t2))

    # festival: diphone voices, fixed voice split
    t3 = time.time()
    fjobs = []
    for voice, (lang, split) in FESTIVAL_VOICES.items():
        nv = sum(1 for v in FESTIVAL_VOICES.values() if v[1] == split)
        budget = human_secs[split] * fam_w["festival"] * SYNTH_RATIO[split] / nv
        n_utt = int(budget / 2.0) + 1
        r = np.random.default_rng(stable_hash(seed, "festival", voice))
        texts = []
        for i in range(n_utt):
            st = unit_style(r)
            t = pick_text(lang if lang in pool_txt else "en", r, st)
            texts.append(t[:300])
        key = "festival/" + voice
        voice_meta[key] = dict(engine="festival", split=split, lang=lang, native_sr=16000, package="festvox")
        fjobs.append((voice, texts, os.path.join(tmp_root, "fest_" + voice)))
    if args.added_sources:
        fjobs += festival_jobs(human_secs, SYNTH_RATIO, seed, pick_text, unit_style, tmp_root, voice_meta)
    for (voice, _, _), res in zip(fjobs, pool.imap(synth_festival, fjobs)):
        for rr in res:
            if rr is not None and len(rr[0]) > 0.15 * SR:
                y = trim(rr[0])
                if len(y) > 0.15 * SR:
                    synth_units["festival/" + voice].append(y)
    log("festival: %s in %.0fs" % ({k.split('/')[1]: len(v) for k, v in synth_units.items() if k.startswith("festival")}, time.time() - t3))

    # flite: voices split like festival's (FLITE_VOICES); slt and kal are the held-out synthetic sources
    t4 = time.time()
    ljobs, lkeys = [], []
    for voice, split in FLITE_VOICES.items():
        nv = sum(1 for v in FLITE_VOICES.values() if v == split)
        # the held-out split has no other synthetic engine: flite fills its whole synthetic budget there
        share = 1.0 if split == "heldout" else fam_w["flite"]
        n_per = int(human_secs.get(split, 0.0) * share * SYNTH_RATIO[split] / 2.0 / nv) + 1
        r = np.random.default_rng(stable_hash(seed, "flite", voice))
        for i in range(n_per):
            ljobs.append((pick_text("en", r, unit_style(r))[:300], voice, os.path.join(tmp_root, "fl_%s_%d.wav" % (voice, i))))
            lkeys.append("flite/" + voice)
        voice_meta["flite/" + voice] = dict(engine="flite", split=split, lang="en", native_sr=8000 if voice == "kal" else 16000, package="flite")
    for key, res in zip(lkeys, pool.imap(synth_flite, ljobs, chunksize=8)):
        if res is not None and len(res[0]) > 0.15 * SR:
            synth_units[key].append(trim(res[0]))
    log("flite: %d utterances in %.0fs" % (len(ljobs), time.time() - t4))

    # copy-synthesis of human units (SPTK MLSA vocoder, codec2): inherits the human speaker's split
    t5 = time.time()
    cjobs, ckeys, c2jobs, c2keys = [], [], [], []
    for spk in sorted(human_units):
        split = split_of[spk]
        if split == "heldout":
            continue
        spk_share = sum(len(x) for x in human_units[spk]) / SR / max(human_secs[split], 1)
        r = np.random.default_rng(stable_hash(seed, "copysynth", spk))
        us = human_units[spk]
        for fam, jl, kl in (("sptk-mlsa", cjobs, ckeys), ("codec2", c2jobs, c2keys)):
            budget = human_secs[split] * fam_w[fam] * SYNTH_RATIO[split] * spk_share
            got = 0.0
            for j in r.permutation(len(us)):
                if got >= budget:
                    break
                x = us[j]
                got += len(x) / SR
                if fam == "sptk-mlsa":
                    jl.append((x, int(r.choice([20, 24, 30])), int(r.choice([0, 1])), bool(r.random() < 0.1), os.path.join(tmp_root, "sp%06d" % len(jl))))
                else:
                    jl.append((x, str(r.choice(CODEC2_MODES))))
                kl.append("%s/%s" % (fam, spk))
                voice_meta["%s/%s" % (fam, spk)] = dict(engine=fam, split=split, lang=spk.split("/")[-1], native_sr=8000 if fam == "codec2" else int(np.median(native_sr[spk])), package=spk_pkg[spk][0])
    for key, y in zip(ckeys, pool.imap(copy_synth_sptk, cjobs, chunksize=4)):
        if y is not None:
            synth_units[key].append(trim(y))
    log("sptk copy-synthesis: %d units in %.0fs" % (len(cjobs), time.time() - t5))
    t6 = time.time()
    for key, y in zip(c2keys, pool.imap(copy_synth_codec2, c2jobs, chunksize=16)):
        if y is not None:
            synth_units[key].append(trim(y))
    log("codec2 copy-synthesis: %d units in %.0fs" % (len(c2jobs), time.time() - t6))
    if args.added_sources:
        synthesize_added(pool, human_units, split_of, spk_pkg, native_sr, human_secs, SYNTH_RATIO, seed, pool_txt,
                         pick_text, unit_style, tmp_root, synth_units, voice_meta, log)
        for key in synth_units:
            if voice_meta[key]["engine"] in ("griffin-lim", "phase-vocoder", "psola", "klattgrid", "open-jtalk", "flite-unitsel", "festival-rlpc"):
                synth_units[key] = [y for y in (trim(u) for u in synth_units[key]) if len(y) > 0.15 * SR]

    n_human = Counter(c["split"] for c in clips)
    for key in sorted(synth_units):
        m = voice_meta[key]
        add_stretches(synth_units[key], dict(label="synthetic", package=m["package"], engine=m["engine"], speaker=key,
                                             split=m["split"], native_sr=m["native_sr"], lang=m["lang"]))
    # evaluation splits: balance synthetic to human clip counts (deterministic subsample); the training split
    # keeps every clip (training draws class-balanced batches)
    bal = []
    for split in ("train", "val", "test", "heldout"):
        hs = [c for c in clips if c["split"] == split and c["label"] == "human"]
        ss = [c for c in clips if c["split"] == split and c["label"] == "synthetic"]
        ss.sort(key=lambda c: stable_hash(seed, "bal", c["speaker"], c["copy"], len(c["audio"]), float(c["audio"][:50].sum())))
        hs.sort(key=lambda c: stable_hash(seed, "balh", c["speaker"], c["copy"], len(c["audio"]), float(c["audio"][:50].sum())))
        if split == "train":
            bal += hs + ss
            log("split %s: %d human + %d synthetic clips (all kept)" % (split, len(hs), len(ss)))
        else:
            n = min(len(hs), len(ss))
            bal += hs[:n] + ss[:n]
            log("split %s: %d human + %d synthetic clips (had %d / %d)" % (split, n, n, len(hs), len(ss)))
    clips = bal

    # ---------------- identical processing chain for both classes
    t7 = time.time()
    if args.processed_aug:
        # native channels of the game sources (8-bit 11 kHz, 16 kbit/s MP3) given to synthetic clips at the human rate
        shares = assign_native_channels(clips, seed)
        log("native channels (share of human clips, given to synthetic clips alike): %s" % json.dumps(shares))
        syn_u8 = [c for c in clips if c["label"] == "synthetic" and c["channel"] == "u8-11k"]
        for c in syn_u8:
            c["audio"] = u8_11k(c["audio"])
        syn_mp3 = [i for i, c in enumerate(clips) if c["label"] == "synthetic" and c["channel"] == "mp3-16k-11k"]
        mjobs = [("mp3-16k-11k", MP3_16K[0], MP3_16K[1], [clips[i]["audio"] for i in syn_mp3[a:a + 150]],
                  os.path.join(tmp_root, "chan%04d" % a)) for a in range(0, len(syn_mp3), 150)]
        for a, (outs, _) in zip(range(0, len(syn_mp3), 150), pool.imap(codec_group, mjobs)):
            for i, y in zip(syn_mp3[a:a + 150], outs):
                clips[i]["audio"] = y
        log("channels: %d synthetic clips to 8-bit 11 kHz, %d to 16 kbit/s MP3" % (len(syn_u8), len(syn_mp3)))
    # bandwidth: human clips take min(native, random target); synthetic clips draw their bandwidth from the
    # empirical distribution of the human clips of the same split, so band-limiting is no class cue
    bw_choices = [8000, 8000, 8000, 6000, 5512, 4000, 3400]
    native_bw = lambda sr: 8000 if sr >= 16000 else (5512 if sr >= 11025 else 4000)  # noqa: E731
    human_bw = defaultdict(list)
    for i, c in enumerate(clips):
        r = np.random.default_rng(stable_hash(seed, "bw", i))
        if c["label"] == "human":
            tgt = int(r.choice(bw_choices))
            nb = native_bw(c["native_sr"])
            c["bw"] = tgt if tgt <= nb else nb
            if nb < 8000 and tgt == 3400:
                c["bw"] = 3400
            human_bw[c["split"]].append(c["bw"])
    if args.band_match:
        # quotas from the human bands of the split, so the native-band cap cannot skew synthetic bands (band_match.py)
        for split in sorted(human_bw):
            syn = [c for c in clips if c["label"] == "synthetic" and c["split"] == split]
            got = match_bands(human_bw[split], [native_bw(c["native_sr"]) for c in syn],
                              np.random.default_rng(stable_hash(seed, "bwmatch", split)))
            for c, b in zip(syn, got):
                c["bw"] = b
    else:
        for i, c in enumerate(clips):
            if c["label"] == "synthetic":
                r = np.random.default_rng(stable_hash(seed, "bw", i))
                hb = human_bw[c["split"]]
                tgt = int(hb[int(r.integers(len(hb)))])
                nb = native_bw(c["native_sr"])
                c["bw"] = tgt if tgt <= nb else nb
    for split in sorted(human_bw):
        for lab in ("human", "synthetic"):
            bws = Counter(c["bw"] for c in clips if c["split"] == split and c["label"] == lab)
            n = sum(bws.values())
            log("bands %s %s: %s" % (split, lab, ", ".join("%d %.1f%%" % (b, 100 * k / n) for b, k in sorted(bws.items()))))
    aug_jobs = [(c["audio"], stable_hash(seed, "aug", i), c["bw"], args.processed_aug) for i, c in enumerate(clips)]
    for c, (y, desc) in zip(clips, pool.imap(augment, aug_jobs, chunksize=8)):
        c["audio"] = y
        c["aug"] = desc
        if args.processed_aug and c.get("channel"):
            desc["channel"] = c["channel"]
    log("augmentation (speed, band, eq, reverb, noise, level): %.0fs" % (time.time() - t7))
    t8 = time.time()
    names = [c[0] for c in CODECS]
    probs = np.array([c[3] for c in CODECS])
    probs = probs / probs.sum()
    groups = defaultdict(list)
    for i, c in enumerate(clips):
        r = np.random.default_rng(stable_hash(seed, "codec", i))
        k = int(r.choice(len(names), p=probs))
        name = names[k]
        params = {p: vals[int(r.integers(len(vals)))] for p, vals in CODEC_PARAMS.get(name, {}).items()}
        c["codec"] = name
        c["codec_params"] = params
        if name != "none":
            groups[(name, json.dumps(params, sort_keys=True))].append(i)
    cjobs = []
    gkeys = []
    for (name, pj), idx in sorted(groups.items()):
        spec = [c for c in CODECS if c[0] == name][0]
        params = json.loads(pj)
        fargs = [a.format(**params) for a in spec[1]]
        for a in range(0, len(idx), 150):
            sub = idx[a:a + 150]
            cjobs.append((name, fargs, spec[2], [clips[i]["audio"] for i in sub], os.path.join(tmp_root, "codec%04d" % len(cjobs))))
            gkeys.append(sub)
    lags = []
    for sub, (outs, lag) in zip(gkeys, pool.imap(codec_group, cjobs)):
        lags.append(lag)
        for i, y in zip(sub, outs):
            clips[i]["audio"] = y
    log("codecs: %d streams in %.0fs (alignment lags %s)" % (len(cjobs), time.time() - t8, sorted(set(lags))[:10]))
    pool.close()
    shutil.rmtree(tmp_root, ignore_errors=True)

    # ---------------- write shards + manifest
    # (speed-up can shorten a stretch: keep only clips the runtime would score, >= 1 s)
    clips = [c for c in clips if len(c["audio"]) >= 16000]
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for split in ("train", "val", "test", "heldout"):
        idx = [i for i, c in enumerate(clips) if c["split"] == split]
        r = np.random.default_rng(stable_hash(seed, "order", split))
        idx = [idx[j] for j in r.permutation(len(idx))]
        lens = np.array([len(clips[i]["audio"]) for i in idx], dtype=np.int64)
        offs = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        data = np.zeros(int(offs[-1]), dtype=np.int16)
        for j, i in enumerate(idx):
            a = clips[i]["audio"]
            data[offs[j]:offs[j + 1]] = np.clip(np.round(a * 32767.0), -32768, 32767).astype(np.int16)
        np.save(os.path.join(args.out, "%s_audio.npy" % split), data)
        np.save(os.path.join(args.out, "%s_offsets.npy" % split), offs)
        np.save(os.path.join(args.out, "%s_labels.npy" % split), np.array([1 if clips[i]["label"] == "synthetic" else 0 for i in idx], np.int8))
        for j, i in enumerate(idx):
            c = clips[i]
            aug = dict(c["aug"])
            aug["codec"] = c["codec"] + ("(" + ",".join("%s=%s" % kv for kv in sorted(c["codec_params"].items())) + ")" if c["codec_params"] else "")
            rows.append(dict(
                clip_id="%s-%05d" % (split, j), split=split, index=j, label=c["label"], source_package=c["package"],
                engine=c["engine"], speaker_or_voice=c["speaker"], lang=c["lang"], native_sr=c["native_sr"],
                units=c["units"], copy=c["copy"], samples=len(c["audio"]), seconds=round(len(c["audio"]) / SR, 3),
                codec=c["codec"], bandwidth_hz=c["bw"],
                augmentation=";".join("%s=%s" % (k, v) for k, v in aug.items()),
            ))
    fields = list(rows[0].keys())
    with open(os.path.join(args.out, "manifest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    summary = dict(
        train_copies=args.train_copies,
        seed=seed, scale=args.scale, packages=versions,
        tools=tool_versions(),
        clips={s: dict(Counter((r["label"]) for r in rows if r["split"] == s)) for s in ("train", "val", "test", "heldout")},
        minutes={s: round(sum(r["seconds"] for r in rows if r["split"] == s) / 60, 1) for s in ("train", "val", "test", "heldout")},
        speakers={s: sorted({r["speaker_or_voice"] for r in rows if r["split"] == s and r["label"] == "human"}) for s in ("train", "val", "test", "heldout")},
        voices={s: len({r["speaker_or_voice"] for r in rows if r["split"] == s and r["label"] == "synthetic"}) for s in ("train", "val", "test", "heldout")},
        engines={s: dict(Counter(r["engine"] for r in rows if r["split"] == s and r["label"] == "synthetic")) for s in ("train", "val", "test", "heldout")},
        codecs=dict(Counter(r["codec"] for r in rows)),
        seconds=round(time.time() - t0, 1),
    )
    write_json(os.path.join(args.out, "summary.json"), summary)
    log("wrote %d clips; summary: %s" % (len(rows), json.dumps({k: summary[k] for k in ("clips", "minutes", "voices")})))
    compare_with_committed(os.path.join(args.out, "manifest.csv"))
    log("total %.0fs" % (time.time() - t0))


def compare_with_committed(manifest_path):
    """Say whether this corpus is the one the committed model was trained on (same seed, packages and tools
    should give the identical manifest, wherever the repository is checked out)."""
    committed = os.path.join(MODEL_DIR, "corpus-manifest.csv.gz")
    if not os.path.exists(committed):
        return
    with gzip.open(committed, "rt", newline="") as f:
        old = f.read().splitlines()
    with open(manifest_path, newline="") as f:
        new = f.read().splitlines()
    if old == new:
        log("manifest identical to the committed model's corpus-manifest.csv.gz (%d clips)" % (len(new) - 1))
        return
    # rows are numbered per split, so one changed clip shifts every row after it: report where they part
    first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    log("manifest differs from the committed model's corpus-manifest.csv.gz from row %d on (%d clips here, %d there; "
        "other seed, package or tool versions, or a changed recipe)" % (first, len(new) - 1, len(old) - 1))


def tool_versions():
    out = {}
    for name, cmd in (("espeak-ng", ["espeak-ng", "--version"]), ("flite", ["flite", "--version"]),
                      ("festival", ["festival", "--version"]), ("ffmpeg", ["ffmpeg", "-version"]),
                      ("sox", ["sox", "--version"])):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
            out[name] = r.stdout.decode(errors="ignore").splitlines()[0].strip()
        except Exception:
            out[name] = "unknown"
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "codec2", "sptk", "python3-torch", "python3-numpy", "python3-scipy"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for ln in r.stdout.decode().splitlines():
            p, v = ln.split(" ", 1)
            out[p] = v
    except Exception:
        pass
    return out


if __name__ == "__main__":
    main()
