"""The sources added to the allowed corpus in Dec 2026 (shared model-corpus notes, "Added sources"): fetching,
and turning the game data into WAV files that the corpus builder's human inventory reads like any other clip.

Human speech:
  drascula, drascula-spanish, drascula-italian: raw unsigned 8-bit mono at 11,025 Hz (`*.ALS`); the file-name
      prefix names the character (digits only: the hero, John Hacker; B, BJ, D, E, F, I, L, P, S, T, VB: the
      others). Each language is a separate dub with its own actors.
  flight-of-the-amazon-queen: `queen.1c`, a table of entries ("QTBL") whose `*.SB` entries are MP3 at 16 kbit/s,
      11,025 Hz. Lines ending in J<n> are the hero, Joe King; numbered dialogue lines ending in P<n> are "the
      other person" of that dialogue, grouped by the two-digit room number (one character per room as a rule;
      one actor may voice characters of several rooms, so this speaker split is approximate); cutaway lines
      with no speaker code are grouped by their first letter.

Synthetic voices from `contrib` (festvox-rablpc16k, festvox-rablpc8k, festvox-don, hts-voice-nitech-jp-atr503-m001)
are fetched with a private apt configuration under models/.cache/apt (the system's sources are never edited) and
unpacked, not installed; the engines that read them are in added_engines.py.
"""
import glob
import os
import re
import shutil
import struct
import subprocess
from multiprocessing import Pool

import numpy as np
import soundfile as sf

DRASCULA = {"drascula": "en", "drascula-spanish": "es", "drascula-italian": "it"}
FOTAQ = "flight-of-the-amazon-queen"
ADDED_HUMAN_PACKAGES = list(DRASCULA) + [FOTAQ]
# gross minutes of a whole package at most, on top of the 12-minute speaker cap: under the speaker cap alone
# FOTAQ's 83 speaker groups keep 122 minutes, more than the three drascula dubs together (113), and would make
# one family (and its 16 kbit/s MP3 channel, which synthetic clips then copy as often) a fifth of the human side
PACKAGE_CAP_MIN = {FOTAQ: 60.0}
CONTRIB_PACKAGES = ["festvox-rablpc16k", "festvox-rablpc8k", "festvox-don", "hts-voice-nitech-jp-atr503-m001"]
GAME_SR = 11025
DEBIAN_MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def log(*a):
    print("[added]", *a, flush=True)


def private_apt_options(cache):
    """apt options for a private sources list holding `contrib` (and its own lists and package cache)."""
    root = os.path.join(cache, "apt")
    for d in ("lists/partial", "parts", "cache/archives/partial"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    src = os.path.join(root, "sources.list")
    with open(src, "w") as f:
        f.write("deb [signed-by=%s] %s bookworm contrib\n" % (KEYRING, DEBIAN_MIRROR))
    return ["-o", "Dir::Etc::SourceList=" + src, "-o", "Dir::Etc::SourceParts=" + os.path.join(root, "parts"),
            "-o", "Dir::State::Lists=" + os.path.join(root, "lists"), "-o", "Dir::Cache=" + os.path.join(root, "cache"),
            "-o", "Debug::NoLocking=1"]


def fetch_added(cache, src_dir):
    """Download (main: system apt; contrib: private apt config) and unpack the added packages.
    Returns {package: deb file name}."""
    deb_dir = os.path.join(cache, "debs")
    os.makedirs(deb_dir, exist_ok=True)
    have = lambda p: glob.glob(os.path.join(deb_dir, p + "_*.deb"))  # noqa: E731
    main_missing = [p for p in ADDED_HUMAN_PACKAGES if not have(p)]
    if main_missing:
        log("apt-get download", " ".join(main_missing))
        subprocess.run(["apt-get", "download"] + main_missing, cwd=deb_dir, check=True)
    contrib_missing = [p for p in CONTRIB_PACKAGES if not have(p)]
    if contrib_missing:
        opts = private_apt_options(cache)
        log("apt-get update/download (private contrib sources)", " ".join(contrib_missing))
        subprocess.run(["apt-get"] + opts + ["update", "-qq"], check=True)
        subprocess.run(["apt-get"] + opts + ["download"] + contrib_missing, cwd=deb_dir, check=True)
    versions = {}
    for p in ADDED_HUMAN_PACKAGES + CONTRIB_PACKAGES:
        deb = sorted(have(p))[-1]
        versions[p] = os.path.basename(deb)
        out = os.path.join(src_dir, p)
        if not os.path.isdir(out):
            tmp = out + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
            os.rename(tmp, out)
    return versions


# ----------------------------------------------------------------------------------------------- drascula
def drascula_speaker(name):
    """Character code from an .ALS file name: '259' -> 'hacker', 'VB41' -> 'VB', 'AN7_3' is not speech."""
    m = re.match(r"^([A-Z]*)\d+$", name.upper())
    if not m:
        return None
    return m.group(1) or "hacker"


def extract_drascula(src_dir, pkg):
    """ALS (u8, 11,025 Hz) -> 16-bit WAV per clip under src/<pkg>-wav/<speaker>/ (lossless; once per cache)."""
    lang = DRASCULA[pkg]
    out_root = os.path.join(src_dir, pkg + "-wav")
    if os.path.isdir(out_root):
        return out_root
    tmp = out_root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for p in sorted(glob.glob(os.path.join(src_dir, pkg, "usr", "share", "scummvm", "drascula", lang, "*.ALS"))):
        spk = drascula_speaker(os.path.basename(p)[:-4])
        # the Spanish and Italian packages link a few clips to the English ones: a clip belongs to one dub only
        if spk is None or os.path.islink(p):
            continue
        raw = np.fromfile(p, dtype=np.uint8)
        if len(raw) < GAME_SR // 5:
            continue
        x = (raw.astype(np.float32) - 128.0) / 128.0
        d = os.path.join(tmp, spk)
        os.makedirs(d, exist_ok=True)
        sf.write(os.path.join(d, os.path.basename(p)[:-4] + ".wav"), x, GAME_SR, subtype="PCM_16")
    os.rename(tmp, out_root)
    return out_root


# ----------------------------------------------------------------------------------------------- FOTAQ
def read_qtbl(path):
    """Entries (name, offset, size) of a compressed Flight of the Amazon Queen data file (queen.1c).
    Layout: 'QTBL', 6-byte version, 2 bytes, compression (1 = MP3), uint16 entry count, then 21-byte entries
    (12-byte name, bundle byte, uint32 offset, uint32 size; big-endian)."""
    with open(path, "rb") as f:
        head = f.read(15)
        if head[:4] != b"QTBL":
            raise ValueError("%s: not a QTBL table (header %r)" % (path, head[:4]))
        comp, n = head[12], struct.unpack(">H", head[13:15])[0]
        if comp != 1:
            raise ValueError("%s: compression %d, expected 1 (MP3)" % (path, comp))
        tbl = f.read(21 * n)
    out = []
    for i in range(n):
        e = tbl[21 * i:21 * (i + 1)]
        name = e[:12].split(b"\0")[0].decode("ascii", "replace")
        off, size = struct.unpack(">II", e[13:21])
        out.append((name, off, size))
    return out


def fotaq_speaker(name):
    stem = name[:-3] if name.upper().endswith(".SB") else name
    if re.search(r"J\d$", stem):
        return "joe"
    m = re.match(r"^(\d\d)\d*P\d$", stem)
    if m:
        return "room" + m.group(1)
    m = re.match(r"^([A-Z]+)", stem)
    return "cutaway-" + (m.group(1)[0] if m else "x")


def _decode_mp3(job):
    """MP3 bytes -> 16-bit WAV at the stream's rate, in-process (torchaudio's sox backend: one ffmpeg process per
    clip cost ~0.3 s of CPU each on a loaded 2-core machine, 6,745 times)."""
    import io

    import torchaudio

    data, out = job
    try:
        x, sr = torchaudio.load(io.BytesIO(data), format="mp3")
    except Exception:
        return False
    sf.write(out, x.mean(0).numpy(), sr, subtype="PCM_16")
    return True


def extract_fotaq(src_dir, workers=2):
    """queen.1c speech entries (MP3 16 kbit/s, 11,025 Hz) -> WAV per clip under src/<pkg>-wav/<speaker>/ (once;
    an interrupted extraction resumes: clips already written are kept)."""
    out_root = os.path.join(src_dir, FOTAQ + "-wav")
    if os.path.isdir(out_root):
        return out_root
    tmp = out_root + ".tmp"
    path = glob.glob(os.path.join(src_dir, FOTAQ, "usr", "share", "scummvm", "*", "queen.1c"))[0]
    ents = [e for e in read_qtbl(path) if e[0].upper().endswith(".SB")]
    jobs, done = [], 0
    with open(path, "rb") as f:
        for name, off, size in ents:
            d = os.path.join(tmp, fotaq_speaker(name))
            os.makedirs(d, exist_ok=True)
            wav = os.path.join(d, name[:-3] + ".wav")
            if os.path.exists(wav) and os.path.getsize(wav) > 44:
                done += 1
                continue
            f.seek(off)
            jobs.append((f.read(size), wav))
    with Pool(workers) as pool:
        ok = pool.map(_decode_mp3, jobs, chunksize=64)
    log("flight-of-the-amazon-queen: %d of %d speech entries decoded (%d already there)" % (sum(ok) + done, len(ents), done))
    os.rename(tmp, out_root)
    return out_root


def added_human_inventory(src_dir, workers=2):
    """Units (path, package, speaker, lang) of the added human sources, in the corpus builder's format."""
    units = []
    for pkg, lang in DRASCULA.items():
        root = extract_drascula(src_dir, pkg)
        for p in sorted(glob.glob(os.path.join(root, "*", "*.wav"))):
            units.append(dict(path=p, package=pkg, speaker="%s/%s" % (pkg, p.split("/")[-2]), lang=lang))
    root = extract_fotaq(src_dir, workers)
    for p in sorted(glob.glob(os.path.join(root, "*", "*.wav"))):
        units.append(dict(path=p, package=FOTAQ, speaker="fotaq/" + p.split("/")[-2], lang="en"))
    return units


def speaker_caps(spk_secs, spk_pkg, cap, package_cap):
    """Seconds each speaker may keep: `cap`, lowered for the speakers of a package in `package_cap` (seconds) to
    the common level L at which sum(min(secs, L)) over the package's speakers equals the package cap, so the
    largest speakers lose most and small ones keep everything (water-filling; L found by bisection)."""
    caps = {s: cap for s in spk_secs}
    for pkg, pcap in package_cap.items():
        spks = [s for s in spk_secs if spk_pkg[s] == pkg]
        if sum(min(spk_secs[s], cap) for s in spks) <= pcap:
            continue
        lo, hi = 0.0, cap
        for _ in range(60):
            mid = (lo + hi) / 2
            if sum(min(spk_secs[s], mid) for s in spks) > pcap:
                hi = mid
            else:
                lo = mid
        for s in spks:
            caps[s] = lo
    return caps


def contrib_path(src_dir, pkg, *parts):
    return os.path.join(src_dir, pkg, *parts)
