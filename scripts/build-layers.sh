#!/usr/bin/env bash
# Builds the Lambda layers described in layers/README.md, offline, from what `npm ci` installed, and checks them
# against Lambda's size limits:
#
#   layers/build/onnxruntime/   nodejs/node_modules/{onnxruntime-node,onnxruntime-common}, CPU, linux-<arch> only
#   layers/build/model/         model/<model dir>/{model.json,<file>}   (→ /opt/model/... in the function)
#   layers/build/*.zip          the same, zipped, ready for `aws lambda publish-layer-version`
#
# Usage: scripts/build-layers.sh [path/to/model.json]      (default: $MODEL_MANIFEST or the bundled model)
#   LAYER_ARCH=x64|arm64 (default x64)   LAYERS_OUT=dir (default layers/build)
# Exit status 0 when both layers fit, 3 when they do not (use the container image: see layers/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

MANIFEST=${1:-${MODEL_MANIFEST:-models/realtone-wavlm-small/model.json}}
ARCH=${LAYER_ARCH:-x64}
OUT=${LAYERS_OUT:-layers/build}
# Lambda: function code plus all layers, unzipped, at most 250 MB; a layer zip uploaded directly at most 50 MB
# (larger zips go through S3).
LIMIT_UNZIPPED=$((250 * 1024 * 1024))
LIMIT_DIRECT_ZIP=$((50 * 1024 * 1024))

[[ -f "$MANIFEST" ]] || { echo "build-layers: no model manifest at $MANIFEST" >&2; exit 2; }
[[ -d node_modules/onnxruntime-node ]] || { echo "build-layers: run npm ci first" >&2; exit 2; }
case "$ARCH" in x64 | arm64) ;; *) echo "build-layers: LAYER_ARCH must be x64 or arm64" >&2; exit 2 ;; esac

rm -rf "$OUT/onnxruntime" "$OUT/model" "$OUT/onnxruntime.zip" "$OUT/model.zip"
mkdir -p "$OUT/onnxruntime/nodejs/node_modules" "$OUT/model/model"

# 1. onnxruntime-node with only the linux-<arch> CPU binaries (the CUDA provider never belongs on Lambda).
cp -R node_modules/onnxruntime-node node_modules/onnxruntime-common "$OUT/onnxruntime/nodejs/node_modules/"
bin="$OUT/onnxruntime/nodejs/node_modules/onnxruntime-node/bin/napi-v6"
find "$bin" -mindepth 2 -maxdepth 2 -type d ! -path "$bin/linux/$ARCH" -exec rm -rf {} +
rm -rf "$bin/win32" "$bin/darwin" "$OUT/onnxruntime/nodejs/node_modules/onnxruntime-node/script"
rm -f "$bin/linux/$ARCH"/libonnxruntime_providers_{cuda,tensorrt,shared}.so
[[ -f "$bin/linux/$ARCH/onnxruntime_binding.node" ]] || { echo "build-layers: no linux/$ARCH binding" >&2; exit 2; }

# 2. the model: the manifest and the one file it names, under /opt/model/<dir>/.
dir=$(dirname "$MANIFEST")
file=$(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).file)' "$MANIFEST")
mkdir -p "$OUT/model/model/$(basename "$dir")"
cp "$MANIFEST" "$dir/$file" "$OUT/model/model/$(basename "$dir")/"

(cd "$OUT/onnxruntime" && zip -qr ../onnxruntime.zip nodejs)
(cd "$OUT/model" && zip -qr ../model.zip model)

size() { du -sb "$1" | cut -f1; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
ort=$(size "$OUT/onnxruntime") model=$(size "$OUT/model")
total=$((ort + model))
printf '%-12s %12s unzipped %12s zipped\n' onnxruntime "$(mb "$ort")" "$(mb "$(size "$OUT/onnxruntime.zip")")"
printf '%-12s %12s unzipped %12s zipped\n' model "$(mb "$model")" "$(mb "$(size "$OUT/model.zip")")"
printf 'layers together: %s of the %s Lambda allows for code and layers\n' "$(mb "$total")" "$(mb "$LIMIT_UNZIPPED")"
for zip in "$OUT/onnxruntime.zip" "$OUT/model.zip"; do
  if (($(size "$zip") > LIMIT_DIRECT_ZIP)); then echo "note: $(basename "$zip") is over 50 MB: publish it from S3"; fi
done
if ((total > LIMIT_UNZIPPED)); then
  echo "build-layers: the layers exceed Lambda's 250 MB limit; the CPU detector must stay a container image" >&2
  exit 3
fi
